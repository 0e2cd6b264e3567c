// Gateway benchmark, people's sessions (issue "The gateway logs people in"): requests per second on
// a route authenticated by a login session (sealed cookie, and Redis), side by side with the same
// route authenticated by a bearer JWT, in one run: one gateway process (its CPU per request from
// /proc), the upstream in another, autocannon in a third, rounds alternating. The token service
// (the provider) runs in this process and is idle while the load runs: the sessions are made
// first, by a real login. Targets: cookie sessions ≥ 0.9× bearer, Redis sessions ≥ 0.7× bearer.
// Env: BENCH_SECONDS (default 2), BENCH_ROUNDS (default 15), BENCH_CONNECTIONS (default 50),
// TESSERA_TEST_REDIS_URL (the Redis row is skipped without it).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { createTokenService, loadConfig } from '@tessera/token-service';
import { freePort, headlessBrowser } from '../examples/index.js';
import { autocannon, startProcess, stop, treeCpuMicros } from './internal/http-load.js';
import { table } from './internal/measure.js';

const here = dirname(fileURLToPath(import.meta.url));
const seconds = Number(process.env.BENCH_SECONDS ?? 2);
const connections = Number(process.env.BENCH_CONNECTIONS ?? 50);
// Many short rounds: on a shared 2-core machine the speed drifts by 10% within a minute, and a
// row compared with the bearer row of its own round shows the difference, not the drift.
const rounds = Number(process.env.BENCH_ROUNDS ?? 15);
const redisUrl = process.env.TESSERA_TEST_REDIS_URL;
const tsx = ['--conditions=tessera-source', '--import', 'tsx'];
const CLIENT_SECRET = 'bench-webui-secret-0123456789';
const user = { username: 'alice', password: 'alice-bench-password' };

/** An ExtAuthPolicy for the routes labelled `oauth: <label>`, its callback under `/<label>`. */
function extAuthPolicy(
  label: string,
  appUrl: string,
  issuer: string,
  session: Record<string, unknown>,
  tokenHeaders = true,
) {
  return {
    apiVersion: 'security.policy.gloo.solo.io/v2',
    kind: 'ExtAuthPolicy',
    metadata: { name: `bench-${label}`, namespace: 'default' },
    spec: {
      applyToRoutes: [{ route: { labels: { oauth: label } } }],
      config: {
        glooAuth: {
          configs: [
            {
              oauth2: {
                oidcAuthorizationCode: {
                  appUrl,
                  callbackPath: `/${label}/callback`,
                  clientId: 'webui',
                  clientSecretRef: { name: 'webui', namespace: 'default' },
                  issuerUrl: issuer,
                  scopes: ['openid', 'profile'],
                  // The brief's: both tokens in headers (about 2 KB more on every upstream request).
                  ...(tokenHeaders ? { headers: { idTokenHeader: 'jwt', accessTokenHeader: 'my_access_token' } } : {}),
                  identityToken: { claimsToHeaders: [{ claim: 'name', header: 'x-name' }] },
                  session: { ...session, cipherConfig: { keyRef: { name: 'cookie-key', namespace: 'default' } } },
                },
              },
            },
          ],
        },
      },
    },
  };
}

/** The run: the rows, alternating, `rounds` times; medians, and ratios to the bearer row of the same round. */
export default async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-bench-gw-login-'));
  const port = await freePort();
  const appUrl = `http://127.0.0.1:${port}`;
  const labels = ['cookie', 'cookie-claims', ...(redisUrl === undefined ? [] : ['redis'])];
  const ts = createTokenService(
    loadConfig({
      object: {
        server: { host: '127.0.0.1', port: 0 },
        storage: { type: 'file', dataDir: join(dir, 'ts') },
        rateLimit: { enabled: false },
        logging: { level: 'silent' },
        users: [{ id: 'u-alice', ...user, name: 'Alice Liddell' }],
        clients: [
          {
            id: 'webui',
            secret: CLIENT_SECRET,
            firstParty: true,
            grantTypes: ['authorization_code', 'refresh_token', 'client_credentials'],
            redirectUris: labels.map((l) => `${appUrl}/${l}/callback`),
            audiences: ['backend-api'],
            tokenLifetimeSeconds: 3600,
          },
        ],
      },
    }),
  );
  const tsUrl = await ts.listen();
  const upstream = await startProcess([...tsx, join(here, 'internal/gateway-upstream.ts')]);
  try {
    for (const [name, key, value] of [
      ['webui', 'client-secret', CLIENT_SECRET],
      ['cookie-key', 'key', 'a bench sealing key'],
    ] as const) {
      mkdirSync(join(dir, 'secrets', 'default', name), { recursive: true });
      writeFileSync(join(dir, 'secrets', 'default', name, key), value);
    }
    const identity = {
      requestAuthentication: {
        apiVersion: 'security.istio.io/v1',
        kind: 'RequestAuthentication',
        metadata: { name: 'api', namespace: 'default' },
        spec: {
          selector: { matchLabels: { app: 'api' } },
          jwtRules: [{ issuer: ts.issuer, jwksUri: `${ts.issuer}/.well-known/jwks.json`, audiences: ['backend-api'] }],
        },
      },
      authorizationPolicy: {
        apiVersion: 'security.istio.io/v1',
        kind: 'AuthorizationPolicy',
        metadata: { name: 'signed-in', namespace: 'default' },
        spec: {
          selector: { matchLabels: { app: 'api' } },
          action: 'ALLOW',
          rules: [{ from: [{ source: { requestPrincipals: ['*'] } }] }],
        },
      },
    };
    const documents = [
      identity.requestAuthentication,
      identity.authorizationPolicy,
      extAuthPolicy('cookie', appUrl, ts.issuer, {}),
      extAuthPolicy('cookie-claims', appUrl, ts.issuer, {}, false),
      ...(redisUrl === undefined
        ? []
        : [
            extAuthPolicy('redis', appUrl, ts.issuer, {
              redis: { keyPrefix: `tessera-bench-${process.pid}:`, options: { host: new URL(redisUrl).host } },
              cookieOptions: { maxAge: 3600 },
            }),
          ]),
    ];
    mkdirSync(join(dir, 'policies'));
    writeFileSync(join(dir, 'policies', 'policies.yaml'), documents.map((d) => stringify(d)).join('---\n'));
    const config = join(dir, 'gateway.yaml');
    writeFileSync(
      config,
      stringify({
        listeners: [{ name: 'main', host: '127.0.0.1', port }],
        admin: { enabled: false },
        secretsDir: join(dir, 'secrets'),
        routes: [
          { name: 'bearer', pathPrefix: '/bearer', upstream: upstream.url, labels: { app: 'api' } },
          ...labels.map((l) => ({
            name: l,
            pathPrefix: `/${l}`,
            upstream: upstream.url,
            labels: { app: 'api' },
            routeLabels: { oauth: l },
          })),
        ],
        policies: { sources: [join(dir, 'policies')], watch: false },
        logging: { level: 'warn', accessLog: false },
      }),
    );
    const gw = await startProcess([...tsx, join(here, 'internal/gateway-tessera.ts'), config, '1']);
    try {
      // The sessions, by a real login; the bearer token, from the same client.
      const headers: Record<string, Record<string, string>> = {};
      for (const l of labels) {
        const browser = headlessBrowser();
        const page = await browser.signIn(await browser.open(`${appUrl}/${l}/`), user.username, user.password);
        if (page.status !== 200) throw new Error(`the ${l} login ended with ${page.status} at ${page.url}`);
        const gatewayCookies = [...browser.cookies].filter(([k]) => k.startsWith('tessera-gw') || k === '__session');
        headers[l] = { cookie: gatewayCookies.map(([k, v]) => `${k}=${v}`).join('; ') };
      }
      const token = await fetch(`${tsUrl}/token`, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          authorization: `Basic ${Buffer.from(`webui:${CLIENT_SECRET}`).toString('base64')}`,
        },
        body: 'grant_type=client_credentials&audience=backend-api',
      });
      headers['bearer'] = {
        authorization: `Bearer ${((await token.json()) as { access_token: string }).access_token}`,
      };

      const rows = ['bearer', ...labels];
      const results: Record<string, { rps: number[]; p99: number[]; cpu: number[]; non2xx: number }> = {};
      for (const row of rows) await autocannon(`${appUrl}/${row}/items`, headers[row]!, 2, connections); // warm-up
      for (let round = 0; round < rounds; round++)
        for (const row of rows) {
          const before = treeCpuMicros(gw.child.pid);
          const r = await autocannon(`${appUrl}/${row}/items`, headers[row]!, seconds, connections);
          const after = treeCpuMicros(gw.child.pid);
          const slot = (results[row] ??= { rps: [], p99: [], cpu: [], non2xx: 0 });
          slot.rps.push(r.rps);
          slot.p99.push(r.p99);
          if (before !== undefined && after !== undefined) slot.cpu.push((after - before) / Math.max(1, r.total));
          slot.non2xx += r.non2xx;
        }
      const median = (xs: readonly number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
      // Ratios are taken round by round (a row against the bearer row of the same round), then the
      // median: this machine's speed drifts between rounds more than the rows differ.
      const ratio = (xs: readonly number[], ys: readonly number[]) => median(xs.map((x, i) => x / ys[i]!));
      const bearer = results['bearer']!;
      const what: Record<string, string> = {
        bearer: 'bearer JWT (RequestAuthentication)',
        cookie: 'login session, sealed cookie',
        'cookie-claims': 'login session, sealed cookie, x-name only',
        redis: 'login session, Redis',
      };
      const targets: Record<string, string> = {
        bearer: '',
        cookie: '≥ 0.90',
        'cookie-claims': '(report)',
        redis: '≥ 0.70',
      };
      console.log(
        `gateway login sessions: ${cpus().length} cores, ${connections} connections, ${seconds}s per row, ${rounds} alternating rounds (medians; ratios round by round), GET through one gateway process`,
      );
      console.log(
        table(
          [
            'route authenticated by',
            'req/s',
            'p99 ms',
            'CPU µs/req',
            '× bearer req/s',
            '× bearer per CPU-s',
            'target',
            'non-2xx',
          ],
          rows.map((row) => {
            const r = results[row]!;
            return [
              what[row]!,
              median(r.rps).toFixed(0),
              median(r.p99).toFixed(1),
              median(r.cpu).toFixed(1),
              ratio(r.rps, bearer.rps).toFixed(2),
              ratio(bearer.cpu, r.cpu).toFixed(2),
              targets[row]!,
              String(r.non2xx),
            ];
          }),
        ),
      );
      console.log(
        "(The brief's policy hands the upstream both tokens, about 1.4 KB on every request that the bearer route, which strips its token, does not send; the x-name row is the same login without them.)",
      );
      if (redisUrl === undefined) console.log('(no Redis row: set TESSERA_TEST_REDIS_URL)');
    } finally {
      await stop(gw.child);
    }
  } finally {
    await stop(upstream.child);
    await ts.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
