// Gateway benchmark (issue 4): one run on loopback with autocannon, every peer in its own process
// and the load generator in another, same connections/duration/path for every row:
//   direct to the upstream · plain Node proxy (node:http + undici) · nginx (1 worker) ·
//   Tessera (1 worker, RS256 verify + AuthorizationPolicy) · Tessera --workers 2
// Run alone: node --conditions=tessera-source --import tsx bench/gateway.bench.ts
// Env: BENCH_SECONDS (default 10), BENCH_CONNECTIONS (default 50); BENCH_BASELINE=<git ref> adds
// that commit's gateway (checked out in a git worktree), measured alternately with this tree's for
// BENCH_BASELINE_ROUNDS rounds (default 3), and their ratio (a refactor's target: ≥ 0.95×).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync, existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir, cpus, loadavg } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { checkoutBaseline, sourceConditions } from './internal/baseline-worktree.js';
import { autocannon as autocannonWith, startProcess, stop, treeCpuMicros } from './internal/http-load.js';
import { compilePolicies, generateKey, parsePolicies, signJwt, type PolicyRequest } from '@tessera/core';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');
const seconds = Number(process.env.BENCH_SECONDS ?? 10);
const connections = Number(process.env.BENCH_CONNECTIONS ?? 50);
const tsx = ['--conditions=tessera-source', '--import', 'tsx'];

interface Result {
  readonly name: string;
  readonly rps: number;
  readonly p50: number;
  readonly p99: number;
  readonly non2xx: number;
  /** CPU time of the server process tree per request (µs), from /proc: robust when other work shares the cores. */
  readonly cpuUs: number | undefined;
}

async function measure(
  name: string,
  url: string,
  headers: Record<string, string>,
  pid: number | undefined,
): Promise<Result> {
  await autocannonWith(url, headers, Math.max(2, Math.round(seconds / 4)), connections); // warm-up: JIT, pools, caches
  const before = treeCpuMicros(pid);
  const r = await autocannonWith(url, headers, seconds, connections);
  const after = treeCpuMicros(pid);
  const cpuUs = before === undefined || after === undefined || r.total === 0 ? undefined : (after - before) / r.total;
  return { name, rps: r.rps, p50: r.p50, p99: r.p99, non2xx: r.non2xx, cpuUs };
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

function ensureNginx(): string | undefined {
  const which = () =>
    spawnSync('sh', ['-c', 'command -v nginx || ls /usr/sbin/nginx 2>/dev/null'], { encoding: 'utf8' })
      .stdout.trim()
      .split('\n')[0];
  let bin = which();
  if (!bin) {
    console.log('nginx not found: installing with apt-get (one time)…');
    spawnSync(
      'sh',
      [
        '-c',
        'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx-light || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx',
      ],
      { stdio: 'inherit' },
    );
    bin = which();
  }
  return bin || undefined;
}

async function startNginx(bin: string, upstream: string, dir: string): Promise<{ child: ChildProcess; url: string }> {
  const port = await freePort();
  const u = new URL(upstream);
  const conf = join(dir, 'nginx.conf');
  writeFileSync(
    conf,
    `daemon off;
master_process on;
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/nginx-error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path ${dir}/body; proxy_temp_path ${dir}/proxy; fastcgi_temp_path ${dir}/fcgi; uwsgi_temp_path ${dir}/uwsgi; scgi_temp_path ${dir}/scgi;
  upstream backend { server ${u.hostname}:${u.port}; keepalive 128; }
  server {
    listen 127.0.0.1:${port};
    location / {
      proxy_pass http://backend;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $host;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
    }
  }
}
`,
  );
  const child = spawn(bin, ['-c', conf, '-p', dir], { stdio: ['ignore', 'ignore', 'inherit'] });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 100; i++) {
    await new Promise((r) => setTimeout(r, 50));
    try {
      const res = await fetch(`${url}/`);
      await res.arrayBuffer();
      return { child, url };
    } catch {
      if (child.exitCode !== null) break;
    }
  }
  await stop(child);
  throw new Error('nginx did not start');
}

function writeGatewayConfig(dir: string, upstream: string, jwks: string): string {
  const policies = join(dir, 'policies');
  spawnSync('mkdir', ['-p', policies]);
  writeFileSync(
    join(policies, 'bench.yaml'),
    `apiVersion: security.istio.io/v1
kind: RequestAuthentication
metadata: { name: bench-jwt, namespace: default }
spec:
  selector: { matchLabels: { app: bench } }
  jwtRules:
    - issuer: https://bench.tessera.test
      audiences: [bench-api]
      jwks: '${jwks}'
---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: { name: bench-allow, namespace: default }
spec:
  selector: { matchLabels: { app: bench } }
  action: ALLOW
  rules:
    - from: [{ source: { requestPrincipals: ["https://bench.tessera.test/*"] } }]
      to: [{ operation: { methods: [GET], paths: ["/api/*"] } }]
`,
  );
  const file = join(dir, 'gateway.yaml');
  writeFileSync(
    file,
    `listeners: [{ name: main, host: 127.0.0.1, port: 0 }]
admin: { enabled: false }
routes:
  - name: bench
    upstream: ${upstream}
    labels: { app: bench }
policies:
  sources: [./policies]
  watch: false
logging: { level: warn, accessLog: false }
`,
  );
  return file;
}

const fmt = (n: number, d = 0) => n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) =>
    `| ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(' | ')} |`;
  return [
    line(header),
    `|${widths.map((w, i) => (i === 0 ? `${'-'.repeat(w + 1)}-` : `${'-'.repeat(w + 1)}:`)).join('|')}|`,
    ...rows.map(line),
  ].join('\n');
}

/**
 * Policy evaluations per second with 100 AuthorizationPolicies loaded (issue 4), in this process:
 * 100 policies in the route's namespace (a third DENY, the rest ALLOW; paths, methods, principals,
 * `when` on claims), 2 that select other labels, one RequestAuthentication. Measures `authorize`
 * for an allowed and a denied request with a verified identity.
 */
async function policyEvaluations(): Promise<string[][]> {
  const key = generateKey('ES256', { kid: 'p' });
  const jwks = JSON.stringify({ keys: [{ ...key.publicJwk, alg: 'ES256', use: 'sig' }] });
  const docs: string[] = [
    `apiVersion: security.istio.io/v1
kind: RequestAuthentication
metadata: { name: jwt, namespace: default }
spec:
  jwtRules: [{ issuer: "https://p.test", jwks: '${jwks}' }]`,
  ];
  for (let i = 0; i < 100; i++) {
    const deny = i % 3 === 0;
    docs.push(`apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: { name: p${i}, namespace: default }
spec:
  selector: { matchLabels: { app: ${i >= 98 ? 'other' : 'bench'} } }
  action: ${deny ? 'DENY' : 'ALLOW'}
  rules:
    - from: [{ source: { requestPrincipals: ["https://p.test/svc-${i}", "https://p.test/team-${i}/*"] } }]
      to: [{ operation: { methods: [${deny ? 'DELETE' : 'GET, POST'}], paths: ["/svc${i}/*", "/v${i}/{*}/items"] } }]
      when: [{ key: "request.auth.claims[groups]", values: ["group-${i}"] }]`);
  }
  docs.push(`apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: { name: callers, namespace: default }
spec:
  selector: { matchLabels: { app: bench } }
  rules: [{ from: [{ source: { requestPrincipals: ["https://p.test/caller"] } }], to: [{ operation: { paths: ["/api/*"] } }] }]`);
  const set = compilePolicies(parsePolicies(docs.join('\n---\n')).documents, {});
  const labels = { app: 'bench' };
  const token = signJwt({ groups: ['group-7'] }, key.signingKey, {
    issuer: 'https://p.test',
    subject: 'caller',
    expiresIn: '1h',
  });
  const req = (path: string): PolicyRequest => ({
    method: 'GET',
    host: 'bench.test',
    path,
    port: 8080,
    headers: { authorization: `Bearer ${token}` },
    sourceIp: '127.0.0.1',
    routeLabels: labels,
    routeNamespace: 'default',
  });
  const allowed = req('/api/items');
  const denied = req('/nowhere');
  const identity = await set.authenticate(allowed);
  if (!set.authorize(allowed, identity).allowed || set.authorize(denied, identity).allowed)
    throw new Error('policy benchmark set-up is wrong');
  const rate = (r: PolicyRequest) => {
    for (let i = 0; i < 20_000; i++) set.authorize(r, identity);
    const n = 200_000;
    const t = process.hrtime.bigint();
    for (let i = 0; i < n; i++) set.authorize(r, identity);
    return n / (Number(process.hrtime.bigint() - t) / 1e9);
  };
  return [
    ['authorize, allowed (last ALLOW policy matches)', fmt(rate(allowed))],
    ['authorize, denied (no ALLOW policy matches)', fmt(rate(denied))],
  ];
}

export default async function main(): Promise<void> {
  console.log('policy evaluations with 100 AuthorizationPolicies loaded (in process)\n');
  console.log(table(['case', 'evaluations/s'], await policyEvaluations()));
  console.log();
  const dir = mkdtempSync(join(tmpdir(), 'tessera-gw-bench-'));
  const key = generateKey('RS256', { kid: 'bench-rs256' });
  const jwks = JSON.stringify({ keys: [{ ...key.publicJwk, alg: 'RS256', use: 'sig' }] });
  const token = signJwt({ scope: 'read' }, key.signingKey, {
    issuer: 'https://bench.tessera.test',
    audience: 'bench-api',
    subject: 'bench-client',
    expiresIn: '2h',
  });
  const auth = { authorization: `Bearer ${token}` };
  const path = '/api/items';
  const results: Result[] = [];
  const upstream = await startProcess([...tsx, join(here, 'internal/gateway-upstream.ts')]);
  console.log(
    `gateway benchmark: ${cpus().length} cores, ${connections} connections, ${seconds}s per row (after warm-up), GET ${path}, autocannon in its own process`,
  );
  try {
    results.push(await measure('direct to upstream', `${upstream.url}${path}`, auth, upstream.child.pid));

    const plain = await startProcess([...tsx, join(here, 'internal/gateway-plain-proxy.ts'), upstream.url]);
    try {
      results.push(
        await measure('plain Node proxy (node:http + undici)', `${plain.url}${path}`, auth, plain.child.pid),
      );
    } finally {
      await stop(plain.child);
    }

    const nginxBin = ensureNginx();
    if (nginxBin) {
      const nginx = await startNginx(nginxBin, upstream.url, dir);
      try {
        results.push(
          await measure('nginx 1 worker (plain reverse proxy)', `${nginx.url}${path}`, auth, nginx.child.pid),
        );
      } finally {
        await stop(nginx.child);
      }
    } else console.log('nginx unavailable: row skipped');

    const config = writeGatewayConfig(dir, upstream.url, jwks);
    for (const workers of [1, 2]) {
      const gw = await startProcess([...tsx, join(here, 'internal/gateway-tessera.ts'), config, String(workers)]);
      try {
        results.push(
          await measure(
            `Tessera ${workers} worker${workers > 1 ? 's' : ''} (RS256 + AuthorizationPolicy)`,
            `${gw.url}${path}`,
            auth,
            gw.child.pid,
          ),
        );
      } finally {
        await stop(gw.child);
      }
    }

    const baselineRef = process.env.BENCH_BASELINE;
    if (baselineRef) {
      const base = checkoutBaseline(root, baselineRef);
      try {
        const rounds = Number(process.env.BENCH_BASELINE_ROUNDS ?? 3);
        for (let round = 1; round <= rounds; round++) {
          for (const [label, cwd] of [
            [`baseline @${base.commit}`, base.dir],
            ['this tree', root],
          ] as const) {
            const gw = await startProcess(
              [
                ...sourceConditions(cwd),
                '--import',
                'tsx',
                join(cwd, 'bench/internal/gateway-tessera.ts'),
                config,
                '1',
              ],
              {},
              cwd,
            );
            try {
              results.push(await measure(`${label} round ${round}`, `${gw.url}${path}`, auth, gw.child.pid));
            } finally {
              await stop(gw.child);
            }
          }
        }
      } finally {
        base.close();
      }
    }
  } finally {
    await stop(upstream.child);
    rmSync(dir, { recursive: true, force: true });
  }

  console.log();
  console.log(
    table(
      ['row', 'req/s', 'p50 ms', 'p99 ms', 'non-2xx + errors', 'server CPU µs/req'],
      results.map((r) => [
        r.name,
        fmt(r.rps),
        fmt(r.p50, 2),
        fmt(r.p99, 2),
        String(r.non2xx),
        r.cpuUs === undefined ? '—' : fmt(r.cpuUs, 1),
      ]),
    ),
  );
  const by = (prefix: string) => results.find((r) => r.name.startsWith(prefix));
  const t1 = by('Tessera 1');
  const t2 = by('Tessera 2');
  const plainR = by('plain');
  const nginxR = by('nginx');
  const rows: string[][] = [];
  // CPU ratio: inverse of CPU per request (requests per CPU-second), the comparison that survives
  // a machine shared with other work.
  const cpuRatio = (a: Result, b: Result) => (a.cpuUs && b.cpuUs ? fmt(b.cpuUs / a.cpuUs, 2) : '—');
  const dp99 = (a: Result, b: Result) => `${a.p99 - b.p99 >= 0 ? '+' : ''}${fmt(a.p99 - b.p99, 2)}`;
  if (t1 && plainR)
    rows.push([
      'Tessera 1 worker / plain Node proxy',
      fmt(t1.rps / plainR.rps, 2),
      cpuRatio(t1, plainR),
      dp99(t1, plainR),
      'req/s ≥ 0.85, p99 within +1 ms',
    ]);
  if (t1 && nginxR)
    rows.push([
      'Tessera 1 worker / nginx',
      fmt(t1.rps / nginxR.rps, 2),
      cpuRatio(t1, nginxR),
      dp99(t1, nginxR),
      '(report)',
    ]);
  if (t2 && t1)
    rows.push([
      'Tessera 2 workers / 1 worker',
      fmt(t2.rps / t1.rps, 2),
      '—',
      dp99(t2, t1),
      '(report; the load generator shares the 2 cores)',
    ]);
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
  const baseRows = results.filter((r) => r.name.startsWith('baseline @'));
  const treeRows = results.filter((r) => r.name.startsWith('this tree'));
  if (baseRows.length > 0 && treeRows.length > 0) {
    const cpu = (xs: Result[]) => median(xs.map((r) => r.cpuUs ?? NaN));
    rows.push([
      `this tree / ${baseRows[0]!.name.split(' round')[0]} (median of ${treeRows.length} alternating rounds)`,
      fmt(median(treeRows.map((r) => r.rps)) / median(baseRows.map((r) => r.rps)), 2),
      fmt(cpu(baseRows) / cpu(treeRows), 2),
      `${fmt(median(treeRows.map((r) => r.p99)) - median(baseRows.map((r) => r.p99)), 2)}`,
      'req/s ≥ 0.95',
    ]);
  }
  console.log();
  console.log(table(['ratio', 'req/s ratio', 'req per CPU-s ratio', 'Δ p99 ms', 'target'], rows));
  const load = loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');
  console.log(
    `\nload average at the end: ${load} (${cpus().length} cores); numbers from a shared machine vary run to run`,
  );
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  if (!existsSync(join(root, 'node_modules/autocannon/autocannon.js'))) throw new Error('autocannon is not installed');
  await main();
}
