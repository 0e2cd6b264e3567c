// Token service benchmark (issue 3): tokens issued per second by client_credentials over HTTP
// (client_secret_basic, autocannon in its own process, the service in another), for an RS256 and
// an ES256 server, against the raw node:crypto signing rate of the same algorithm measured in this
// run, just before and after each server row. Target: ≥ 0.6× the raw RS256 signing rate.
// Brute force (hardening issue): the real client's issuance latency (4 connections, 100 tokens/s
// in all) at rest and while another process runs 256 guessing workers, each from its own source
// address (127.0.0.2 and up; half guess the real id, half random ids), against this tree's service
// with its defaults and, side by side, the service of the commit before the guard
// (BENCH_BRUTE_FORCE_BASELINE, default d054932, checked out in a git worktree). Target: p99 under
// attack ≤ 2× the p99 at rest, with the guard.
// People logging in (issue "People"): login rounds with an existing session and refreshes per
// second, side by side with node-oidc-provider set up the same way (bench/internal/login-rounds.ts),
// two alternating rounds each; and the argon2id password check a login without a session adds.
// Target: each ≥ 1.0× oidc-provider.
// Run alone: node --conditions=tessera-source --import tsx bench/token-service.bench.ts
// (BENCH_PARTS=login runs only the login rows)
// Env: BENCH_SECONDS (default 10), BENCH_CONNECTIONS (default 32), BENCH_GUESSERS (default 256).
import { spawn, type ChildProcess } from 'node:child_process';
import { Agent } from 'node:http';
import { generateKeyPairSync, randomUUID, sign } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { performance } from 'node:perf_hooks';
import { checkoutBaseline, sourceConditions } from './internal/baseline-worktree.js';
import { autocannon as loadWithAutocannon, type LoadResult } from './internal/http-load.js';
import {
  LOGIN_RESOURCE,
  LOGIN_USER,
  runLoginLoad,
  serveOidcProvider,
  serveTesseraLogin,
  type LoginLoadKind,
  type LoginLoadResult,
} from './internal/login-rounds.js';
import { formatOps, measure, table } from './internal/measure.js';
import { postTokenRequest } from './internal/post-token-request.js';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');
const seconds = Number(process.env.BENCH_SECONDS ?? 10);
const connections = Number(process.env.BENCH_CONNECTIONS ?? 32);
const guessers = Number(process.env.BENCH_GUESSERS ?? 256);
const secret = 'bench-secret-0123456789abcdef';

/**
 * How a benchmark server is configured: `throughput` without rate limits (the signing-rate rows);
 * `guarded`, the defaults.
 */
type ServerMode = 'throughput' | 'audit-after' | 'guarded';

const modeSettings: Record<ServerMode, Record<string, unknown>> = {
  throughput: { rateLimit: { enabled: false } },
  // The audit record written after the answer, as before `audit.required` (the default) existed.
  'audit-after': { rateLimit: { enabled: false }, audit: { required: false } },
  guarded: {},
};

/** The commit before the brute-force guard, measured side by side as the "before" row. */
const bruteForceBaseline = process.env.BENCH_BRUTE_FORCE_BASELINE ?? 'd054932';

/** Child mode: start one token service and print its URL. */
async function serve(alg: string, dataDir: string, mode: ServerMode): Promise<void> {
  const { createTokenService, loadConfig } = await import('@tessera/token-service');
  const { pino } = await import('pino');
  const config = loadConfig({
    object: {
      server: { port: 0 },
      keys: { algorithm: alg },
      storage: { dataDir },
      clients: [{ id: 'bench', secret, audiences: ['api'], scopes: ['read'] }],
      logging: { level: 'silent' },
      ...modeSettings[mode],
    },
  });
  const service = createTokenService(config, {
    logger: pino({ level: 'silent' }),
    env: { TESSERA_KEK: Buffer.alloc(32, 1).toString('base64url') },
  });
  const url = await service.listen();
  process.stdout.write(`LISTENING ${url}\n`);
  // The parent asks for this process's CPU time over IPC: CPU per token does not depend on what
  // else runs on the machine, where tokens per second do.
  process.on('message', (m) => {
    if (m === 'cpu') process.send!(process.cpuUsage());
  });
  process.once('SIGTERM', () => void service.close().then(() => process.exit(0)));
}

/** Runs this file again in a child process with `args`, and resolves once it prints `LISTENING <url>`. */
function spawnListening(
  args: readonly string[],
  tree: string,
  what: string,
): Promise<{ child: ChildProcess; url: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [...sourceConditions(tree), '--import', 'tsx', join(tree, 'bench/token-service.bench.ts'), ...args],
      { cwd: tree, stdio: ['ignore', 'pipe', 'inherit', 'ipc'] },
    );
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /LISTENING (\S+)/.exec(out);
      if (m) resolve({ child, url: m[1]! });
    });
    child.once('exit', (code) => reject(new Error(`${what} exited with ${code} before listening`)));
  });
}

function startServer(
  alg: string,
  dataDir: string,
  mode: ServerMode = 'throughput',
  tree = root,
): Promise<{ child: ChildProcess; url: string }> {
  return spawnListening(['--serve', alg, dataDir, mode], tree, `token service (${alg})`);
}

function stop(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

function cpuMicros(child: ChildProcess): Promise<number> {
  return new Promise((resolve) => {
    child.once('message', (m) =>
      resolve((m as { user: number; system: number }).user + (m as { user: number; system: number }).system),
    );
    child.send('cpu');
  });
}

/** Loads POST /token for `duration` s with the real client's credentials. */
function autocannon(url: string, duration: number): Promise<LoadResult> {
  const basic = 'Basic ' + Buffer.from(`bench:${secret}`).toString('base64');
  return loadWithAutocannon(
    `${url}/token`,
    { 'content-type': 'application/x-www-form-urlencoded', authorization: basic },
    duration,
    connections,
    { method: 'POST', body: 'grant_type=client_credentials&scope=read' },
  );
}

/** The raw rate: one `crypto.sign` per token over a JWT-sized input, the signing key prepared once. */
async function rawSigningRate(alg: 'RS256' | 'ES256'): Promise<{ rate: number; cpuMicros: number }> {
  const key =
    alg === 'RS256'
      ? generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey
      : generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey;
  const header = Buffer.from(JSON.stringify({ alg, kid: 'k', typ: 'at+jwt' })).toString('base64url');
  const m = await measure(
    [
      {
        name: alg,
        fn: () => {
          const now = Math.floor(Date.now() / 1000);
          const input = `${header}.${Buffer.from(JSON.stringify({ iss: 'http://127.0.0.1', sub: 'bench', aud: 'api', exp: now + 300, iat: now, jti: randomUUID(), client_id: 'bench', scope: 'read' })).toString('base64url')}`;
          return sign('sha256', Buffer.from(input), alg === 'ES256' ? { key, dsaEncoding: 'ieee-p1363' } : key);
        },
      },
    ],
    { rounds: 5, sliceMs: 200 },
  );
  // CPU per signature, measured the same way as the server's CPU per token.
  const before = process.cpuUsage();
  let n = 0;
  const start = performance.now();
  while (performance.now() - start < 500) {
    const now = Math.floor(Date.now() / 1000);
    const input = `${header}.${Buffer.from(JSON.stringify({ iss: 'http://127.0.0.1', sub: 'bench', aud: 'api', exp: now + 300, iat: now, jti: randomUUID(), client_id: 'bench', scope: 'read' })).toString('base64url')}`;
    sign('sha256', Buffer.from(input), alg === 'ES256' ? { key, dsaEncoding: 'ieee-p1363' } : key);
    n += 1;
  }
  const used = process.cpuUsage(before);
  return { rate: m.best(alg)!, cpuMicros: (used.user + used.system) / n };
}

/** Latencies of the real client: `clients` loops over keep-alive connections, `rate` tokens/s in all. */
async function realClient(url: string, duration: number, clients = 4, rate = 100) {
  const basic = 'Basic ' + Buffer.from(`bench:${secret}`).toString('base64');
  const target = new URL('/token', url);
  const latencies: number[] = [];
  const statuses: Record<string, number> = {};
  const end = performance.now() + duration * 1000;
  const interval = (1000 * clients) / rate;
  const one = async (agent: Agent) => {
    const start = performance.now();
    const status = await postTokenRequest(agent, target, basic, 'grant_type=client_credentials&scope=read');
    if (status !== 'error') latencies.push(performance.now() - start);
    statuses[status] = (statuses[status] ?? 0) + 1;
  };
  await Promise.all(
    Array.from({ length: clients }, async () => {
      const agent = new Agent({ keepAlive: true, maxSockets: 1 });
      while (performance.now() < end) {
        const started = performance.now();
        await one(agent);
        const wait = interval - (performance.now() - started);
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      }
      agent.destroy();
    }),
  );
  latencies.sort((a, b) => a - b);
  const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? NaN;
  return { count: latencies.length, p50: at(0.5), p99: at(0.99), max: latencies.at(-1) ?? NaN, statuses };
}

/** Starts the guessing process against `url` and resolves once its workers run. */
function startGuesser(url: string): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', join(here, 'internal/secret-guesser.ts'), url, 'bench', String(guessers)],
      { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] },
    );
    child.stdout.once('data', () => resolve(child));
    child.once('exit', (code) => reject(new Error(`guesser exited with ${code}`)));
  });
}

/** Stops the guesser and answers what it counted. */
function stopGuesser(child: ChildProcess): Promise<{ guesses: number; byStatus: Record<string, number> }> {
  return new Promise((resolve) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    child.removeAllListeners('exit');
    child.once('exit', () => {
      const line = out.trim().split('\n').at(-1) ?? '{}';
      resolve(JSON.parse(line) as { guesses: number; byStatus: Record<string, number> });
    });
    child.kill('SIGTERM');
  });
}

/** The brute-force rows: the real client at rest, then under guessing, per server mode. */
async function bruteForceRows(): Promise<void> {
  const ms = (v: number) => `${v.toFixed(1)} ms`;
  const rows: string[][] = [];
  const ratios: string[][] = [];
  const base = checkoutBaseline(root, bruteForceBaseline);
  const trees = [
    { label: 'this tree (guard on, defaults)', dir: root, target: '≤ 2×' },
    { label: `before the guard @${base.commit}`, dir: base.dir, target: '(report)' },
  ];
  try {
    for (const tree of trees) {
      const dataDir = mkdtempSync(join(tmpdir(), 'tessera-ts-bench-bf-'));
      // The baseline's own bench file serves it, with the settings of its time (no rate limit).
      const { child, url } = await startServer('RS256', dataDir, 'guarded', tree.dir);
      try {
        await realClient(url, 2); // warm-up: JIT, the secret cache
        const rest = await realClient(url, seconds);
        const guesser = await startGuesser(url);
        await new Promise((r) => setTimeout(r, 2000)); // every worker connected and guessing
        const attacked = await realClient(url, seconds);
        const attack = await stopGuesser(guesser);
        const label = tree.label;
        const show = (r: Awaited<ReturnType<typeof realClient>>) =>
          Object.entries(r.statuses)
            .map(([k, v]) => `${k}×${v}`)
            .join(' ');
        rows.push([`${label}, at rest`, String(rest.count), ms(rest.p50), ms(rest.p99), ms(rest.max), show(rest), '—']);
        rows.push([
          `${label}, ${guessers} guessers`,
          String(attacked.count),
          ms(attacked.p50),
          ms(attacked.p99),
          ms(attacked.max),
          show(attacked),
          `${Math.round(attack.guesses / (seconds + 2))}/s: ${Object.entries(attack.byStatus)
            .map(([k, v]) => `${k}×${v}`)
            .join(' ')}`,
        ]);
        ratios.push([label, `${(attacked.p99 / rest.p99).toFixed(2)}×`, tree.target]);
      } finally {
        await stop(child);
        rmSync(dataDir, { recursive: true, force: true });
      }
    }
  } finally {
    base.close();
  }
  console.log(
    `\nbrute force: the real client (4 connections, 100 tokens/s) at rest and while ${guessers} workers guess secrets from their own addresses\n`,
  );
  console.log(
    table(['case', 'real client tokens', 'p50', 'p99', 'max', 'real client statuses', 'guesses (statuses)'], rows),
  );
  console.log();
  console.log(table(['server', 'p99 under attack / at rest', 'target'], ratios));
}

export default async function main(): Promise<void> {
  if (process.env.BENCH_PARTS === 'login') return loginRows();
  console.log(
    `token service benchmark: ${cpus().length} cores, ${connections} connections, ${seconds}s per server row (after warm-up), POST /token client_credentials + client_secret_basic, autocannon in its own process`,
  );
  const rows: string[][] = [];
  const summary: Record<string, { raw: number; server: LoadResult }> = {};
  const cases = [
    { alg: 'RS256', mode: 'throughput', label: '' },
    { alg: 'ES256', mode: 'throughput', label: '' },
    { alg: 'RS256', mode: 'audit-after', label: ', audit.required: false' },
  ] as const;
  for (const { alg, mode, label } of cases) {
    const dataDir = mkdtempSync(join(tmpdir(), `tessera-ts-bench-${alg}-`));
    const { child, url } = await startServer(alg, dataDir, mode);
    try {
      const rawBefore = await rawSigningRate(alg);
      await autocannon(url, Math.max(2, Math.round(seconds / 4))); // warm-up: JIT, secret cache, pools
      const cpu0 = await cpuMicros(child);
      const server = await autocannon(url, seconds);
      const cpuPerToken = ((await cpuMicros(child)) - cpu0) / server.total;
      const rawAfter = await rawSigningRate(alg);
      const raw = (rawBefore.rate + rawAfter.rate) / 2;
      const signCpu = (rawBefore.cpuMicros + rawAfter.cpuMicros) / 2;
      if (mode === 'throughput') summary[alg] = { raw, server };
      rows.push([
        `raw node:crypto ${alg} sign`,
        formatOps(raw),
        '—',
        '—',
        `${signCpu.toFixed(0)} µs`,
        '1.00×',
        '1.00×',
      ]);
      rows.push([
        `token service ${alg}${label} (HTTP, end to end)`,
        formatOps(server.rps),
        `${server.p50} ms`,
        `${server.p99} ms`,
        `${cpuPerToken.toFixed(0)} µs`,
        `${(server.rps / raw).toFixed(2)}×`,
        `${(signCpu / cpuPerToken).toFixed(2)}×`,
      ]);
      if (server.non2xx > 0) rows.push([`  (${server.non2xx} non-2xx or errors!)`, '', '', '', '']);
    } finally {
      await stop(child);
      rmSync(dataDir, { recursive: true, force: true });
    }
  }
  console.log(table(['case', 'per second', 'p50', 'p99', 'CPU / op', 'rate vs raw', 'CPU-bound vs raw'], rows));
  const rs = summary['RS256']!;
  console.log(
    `\nRS256: ${(rs.server.rps / rs.raw).toFixed(2)}× the raw signing rate (target ≥ 0.60×). "CPU-bound vs raw" = CPU per signature / server CPU per token:`,
  );
  console.log(
    'the rate one server core reaches when nothing else competes for it (autocannon and other processes share the cores here).',
  );
  await bruteForceRows();
  await loginRows();
}

type LoginServer = 'tessera' | 'oidc-provider';

function startLoginServer(kind: LoginServer, dataDir: string): Promise<{ child: ChildProcess; url: string }> {
  return spawnListening(['--serve-login', kind, dataDir], root, kind);
}

function loginLoad(kind: LoginLoadKind, url: string, duration: number, concurrency: number): Promise<LoginLoadResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [
        ...sourceConditions(root),
        '--import',
        'tsx',
        join(root, 'bench/token-service.bench.ts'),
        '--login-load',
        kind,
        url,
        String(duration),
        String(concurrency),
      ],
      { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.once('exit', (code) =>
      code === 0 ? resolve(JSON.parse(out) as LoginLoadResult) : reject(new Error(`login load exited with ${code}`)),
    );
  });
}

/** argon2id with the token service's parameters (OWASP: 19 MiB, 2 iterations, 1 lane): ms per verify. */
async function passwordCheckMs(): Promise<number> {
  const argon2 = await import('@node-rs/argon2');
  // algorithm 2 is `Algorithm.Argon2id` (a const enum, which isolated modules cannot read).
  const options = { algorithm: 2, memoryCost: 19_456, timeCost: 2, parallelism: 1 };
  const hash = await argon2.hash(LOGIN_USER.password, options);
  const runs = 20;
  const started = performance.now();
  for (let i = 0; i < runs; i++) await argon2.verify(hash, LOGIN_USER.password);
  return (performance.now() - started) / runs;
}

/** The login rows: Tessera and oidc-provider alternately, two rounds, each kind of load on each. */
async function loginRows(): Promise<void> {
  const duration = Math.max(3, Math.round(seconds / 2));
  const browsers = 8;
  const kinds = ['session', 'refresh'] as const;
  const results: Record<string, { rate: number[]; p99: number[]; cpu: number[]; errors: number }> = {};
  for (let round = 0; round < 2; round++)
    for (const server of ['tessera', 'oidc-provider'] as const) {
      const dataDir = mkdtempSync(join(tmpdir(), 'tessera-bench-login-'));
      const { child, url } = await startLoginServer(server, dataDir);
      try {
        for (const kind of [...kinds, ...(server === 'tessera' ? (['fresh'] as const) : [])]) {
          const before = await cpuMicros(child);
          const r = await loginLoad(kind, url, duration, browsers);
          const cpu = (await cpuMicros(child)) - before;
          const slot = (results[`${server} ${kind}`] ??= { rate: [], p99: [], cpu: [], errors: 0 });
          slot.rate.push(r.perSecond);
          slot.p99.push(r.p99);
          slot.cpu.push(cpu / Math.max(1, r.count));
          slot.errors += r.errors;
        }
      } finally {
        await stop(child);
        rmSync(dataDir, { recursive: true, force: true });
      }
    }
  const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const rows: string[][] = [];
  for (const [kind, what] of [
    ['session', 'login round with a session (/authorize → code → /token)'],
    ['refresh', 'refresh (rotated)'],
  ] as const) {
    const t = results[`tessera ${kind}`]!;
    const o = results[`oidc-provider ${kind}`]!;
    rows.push([
      what,
      mean(t.rate).toFixed(0),
      mean(o.rate).toFixed(0),
      (mean(t.rate) / mean(o.rate)).toFixed(2),
      `${mean(t.p99).toFixed(1)} / ${mean(o.p99).toFixed(1)}`,
      `${mean(t.cpu).toFixed(0)} / ${mean(o.cpu).toFixed(0)}`,
      (mean(o.cpu) / mean(t.cpu)).toFixed(2),
      String(t.errors + o.errors),
    ]);
  }
  const fresh = results['tessera fresh']!;
  rows.push([
    'login without a session (page, password, code, /token)',
    mean(fresh.rate).toFixed(0),
    '—',
    '—',
    `${mean(fresh.p99).toFixed(1)} / —`,
    `${mean(fresh.cpu).toFixed(0)} / —`,
    '—',
    String(fresh.errors),
  ]);
  console.log(
    `\npeople logging in: ${browsers} browsers, ${duration} s per row, two alternating rounds each (means); RS256, a public client with PKCE, JWT access tokens for ${LOGIN_RESOURCE}, the ID token with every code`,
  );
  console.log(
    table(
      [
        'case',
        'Tessera /s',
        'oidc-provider /s',
        'Tessera / oidc-provider',
        'p99 ms (T / O)',
        'server CPU µs/op (T / O)',
        'per CPU-s ratio',
        'errors',
      ],
      rows,
    ),
  );
  console.log(
    `password check (argon2id, 19 MiB, t=2, p=1): ${(await passwordCheckMs()).toFixed(1)} ms per login, on a hash thread (oidc-provider leaves the password check to the application)`,
  );
}

const argv = process.argv;
if (argv.includes('--serve-login')) {
  const i = argv.indexOf('--serve-login');
  void (argv[i + 1] === 'tessera' ? serveTesseraLogin(argv[i + 2]!) : serveOidcProvider());
} else if (argv.includes('--login-load')) {
  const i = argv.indexOf('--login-load');
  void runLoginLoad(argv[i + 1] as LoginLoadKind, argv[i + 2]!, Number(argv[i + 3]), Number(argv[i + 4]));
} else if (argv.includes('--serve')) {
  const i = argv.indexOf('--serve');
  void serve(argv[i + 1]!, argv[i + 2]!, (argv[i + 3] ?? 'throughput') as ServerMode);
} else if (import.meta.url === pathToFileURL(argv[1] ?? '').href) {
  void main();
}
