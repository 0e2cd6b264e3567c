// People logging in (issue "People"), side by side with node-oidc-provider configured the same
// way: one public client (PKCE S256, no secret), RS256 keys, `resource` → a JWT access token for
// https://api.example (oidc-provider: `resourceIndicators` with `accessTokenFormat: 'jwt'`), the
// `openid` scope (an ID token with every code), refresh tokens rotated at each use. Each server
// runs in its own process and the load in another: C browsers, each signed in once (not timed),
// then, for D seconds, either login rounds with the existing session (`/authorize` → 303 with a
// code → `/token`) or refreshes (each browser its own rotating chain).
// oidc-provider keeps its state in memory (its default adapter, the one its own docs benchmark);
// Tessera keeps sessions, codes and refresh tokens in its default store, a file with fsync'd
// writes, and writes an audit record per token before answering (`audit.required`).
import { createHash, randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Where every client of both servers is sent back; nothing listens there, nothing follows it. */
const REDIRECT = 'http://localhost:9/cb';
/** The resource server the access tokens are for (RFC 8707). */
export const LOGIN_RESOURCE = 'https://api.example';
export const LOGIN_USER = { username: 'alice', password: 'alice-bench-password' };

/** What one load process measured. */
export interface LoginLoadResult {
  readonly count: number;
  readonly perSecond: number;
  readonly p50: number;
  readonly p99: number;
  readonly errors: number;
}

/** Child: a Tessera token service with the login set-up; prints `LISTENING <url>`. */
export async function serveTesseraLogin(dataDir: string): Promise<void> {
  const { createTokenService, loadConfig } = await import('@tessera/token-service');
  const { pino } = await import('pino');
  const service = createTokenService(
    loadConfig({
      object: {
        server: { host: '127.0.0.1', port: 0 },
        keys: { algorithm: 'RS256' },
        storage: { dataDir },
        rateLimit: { enabled: false },
        logging: { level: 'silent' },
        users: [{ id: 'u-alice', ...LOGIN_USER }],
        clients: [
          {
            id: 'webui',
            public: true,
            firstParty: true,
            grantTypes: ['authorization_code', 'refresh_token'],
            redirectUris: [REDIRECT],
            audiences: [LOGIN_RESOURCE],
            scopes: ['read'],
          },
        ],
      },
    }),
    { logger: pino({ level: 'silent' }), env: { TESSERA_KEK: Buffer.alloc(32, 1).toString('base64url') } },
  );
  announce(await service.listen(), () => service.close());
}

/** Child: node-oidc-provider set up as above; the interaction (login) is finished at once. */
export async function serveOidcProvider(): Promise<void> {
  const { default: Provider } = await import('oidc-provider');
  const jose = await import('jose');
  const { privateKey } = await jose.generateKeyPair('RS256', { extractable: true });
  const jwk = { ...(await jose.exportJWK(privateKey)), kid: 'bench-1', alg: 'RS256', use: 'sig' };
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const provider = new Provider(url, {
    clients: [
      {
        client_id: 'webui',
        token_endpoint_auth_method: 'none',
        redirect_uris: [REDIRECT],
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
      },
    ],
    jwks: { keys: [jwk] },
    cookies: { keys: ['bench-cookie-key-0123456789abcdef'] },
    findAccount: (_ctx: unknown, sub: string) => ({ accountId: sub, claims: () => ({ sub }) }),
    issueRefreshToken: () => true,
    features: {
      devInteractions: { enabled: false },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => LOGIN_RESOURCE,
        useGrantedResource: () => true,
        getResourceServerInfo: () => ({
          scope: 'read',
          audience: LOGIN_RESOURCE,
          accessTokenFormat: 'jwt',
          jwt: { sign: { alg: 'RS256' } },
        }),
      },
    },
  });
  // The application's part: log the user in and grant what is asked, without a page (Tessera's
  // client is first-party: no consent either).
  const callback = provider.callback();
  server.on('request', (req, res) => {
    if (!req.url?.startsWith('/interaction/')) return void callback(req, res);
    void (async () => {
      const details = await provider.interactionDetails(req, res);
      const grant = new provider.Grant({ accountId: 'u-alice', clientId: 'webui' });
      grant.addOIDCScope('openid');
      grant.addResourceScope(LOGIN_RESOURCE, 'read');
      const result =
        details.prompt.name === 'login'
          ? { login: { accountId: 'u-alice' } }
          : { consent: { grantId: await grant.save() } };
      await provider.interactionFinished(req, res, result, { mergeWithLastSubmission: true });
    })().catch(() => res.writeHead(500).end());
  });
  announce(url, () => new Promise<void>((resolve) => server.close(() => resolve())));
}

function announce(url: string, close: () => Promise<void>): void {
  process.stdout.write(`LISTENING ${url}\n`);
  process.on('message', (m) => {
    if (m === 'cpu') process.send!(process.cpuUsage());
  });
  process.once('SIGTERM', () => void close().then(() => process.exit(0)));
}

/** A browser's cookie jar (by name) and the requests it sends. */
function browser() {
  const jar = new Map<string, string>();
  const send = async (url: string, init: RequestInit = {}) => {
    const cookie = [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
    const res = await fetch(url, {
      ...init,
      redirect: 'manual',
      headers: { ...(cookie === '' ? {} : { cookie }), ...(init.headers as Record<string, string> | undefined) },
    });
    for (const set of res.headers.getSetCookie()) {
      const [pair] = set.split(';');
      const eq = pair!.indexOf('=');
      if (pair!.slice(eq + 1) === '' || /max-age=0|expires=thu, 01 jan 1970/i.test(set)) jar.delete(pair!.slice(0, eq));
      else jar.set(pair!.slice(0, eq), pair!.slice(eq + 1));
    }
    return res;
  };
  return { send };
}

interface Endpoints {
  readonly issuer: string;
  readonly authorization_endpoint: string;
  readonly token_endpoint: string;
}

/** One login round: authorize (following the provider's own redirects; the login form when shown), then the code for tokens. */
async function loginRound(b: ReturnType<typeof browser>, ep: Endpoints): Promise<{ refresh_token: string }> {
  const verifier = randomBytes(32).toString('base64url');
  const url = new URL(ep.authorization_endpoint);
  url.search = new URLSearchParams({
    response_type: 'code',
    client_id: 'webui',
    redirect_uri: REDIRECT,
    scope: 'openid read',
    resource: LOGIN_RESOURCE,
    state: randomBytes(8).toString('base64url'),
    nonce: randomBytes(8).toString('base64url'),
    code_challenge: createHash('sha256').update(verifier).digest('base64url'),
    code_challenge_method: 'S256',
  }).toString();
  let res = await b.send(url.href);
  let at = url.href;
  for (let hops = 0; hops < 10; hops += 1) {
    if (res.status === 200) {
      // Tessera's login page (only the first round of a browser): sign in.
      const html = await res.text();
      const field = (name: string) => new RegExp(`name="${name}" value="([^"]*)"`).exec(html)?.[1] ?? '';
      at = new URL('/login', at).href;
      res = await b.send(at, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', origin: new URL(at).origin },
        body: new URLSearchParams({ interaction: field('interaction'), csrf: field('csrf'), ...LOGIN_USER }).toString(),
      });
      continue;
    }
    const location = res.headers.get('location');
    await res.body?.cancel();
    if (location === null) throw new Error(`authorize answered ${res.status}`);
    at = new URL(location, at).href;
    if (at.startsWith(REDIRECT)) break;
    res = await b.send(at);
  }
  const code = new URL(at).searchParams.get('code');
  if (code === null) throw new Error(`no code: ${at}`);
  return tokenRequest(ep, { grant_type: 'authorization_code', code, redirect_uri: REDIRECT, code_verifier: verifier });
}

async function tokenRequest(ep: Endpoints, form: Record<string, string>): Promise<{ refresh_token: string }> {
  const res = await fetch(ep.token_endpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ client_id: 'webui', ...form }).toString(),
  });
  const body = (await res.json()) as { refresh_token?: string; id_token?: string; access_token?: string };
  if (res.status !== 200 || body.access_token === undefined || body.refresh_token === undefined)
    throw new Error(`token endpoint answered ${res.status}`);
  return { refresh_token: body.refresh_token };
}

/** What a load process does: login rounds with the session, refreshes, or whole logins from a new browser (password checked). */
export type LoginLoadKind = 'session' | 'refresh' | 'fresh';

/**
 * Child: `concurrency` browsers against the provider at `issuer` for `seconds`, doing `kind`;
 * prints the result as JSON.
 */
export async function runLoginLoad(
  kind: LoginLoadKind,
  issuer: string,
  seconds: number,
  concurrency: number,
): Promise<void> {
  const ep = (await (await fetch(`${issuer}/.well-known/openid-configuration`)).json()) as Endpoints;
  const latencies: number[] = [];
  let errors = 0;
  const workers = await Promise.all(
    Array.from({ length: concurrency }, async () => {
      const b = browser();
      return { b, refresh: (await loginRound(b, ep)).refresh_token };
    }),
  );
  const end = performance.now() + seconds * 1000;
  await Promise.all(
    workers.map(async (w) => {
      while (performance.now() < end) {
        const started = performance.now();
        try {
          if (kind === 'session') await loginRound(w.b, ep);
          else if (kind === 'fresh') await loginRound(browser(), ep);
          else
            w.refresh = (
              await tokenRequest(ep, { grant_type: 'refresh_token', refresh_token: w.refresh })
            ).refresh_token;
          latencies.push(performance.now() - started);
        } catch {
          errors += 1;
          if (kind === 'refresh') w.refresh = (await loginRound(w.b, ep)).refresh_token;
        }
      }
    }),
  );
  latencies.sort((a, b) => a - b);
  const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? NaN;
  const result: LoginLoadResult = {
    count: latencies.length,
    perSecond: latencies.length / seconds,
    p50: at(0.5),
    p99: at(0.99),
    errors,
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}
