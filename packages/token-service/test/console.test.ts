// The web console at /console/ (issue "The web console"): served by the token service to a login
// session only (the backend-for-frontend pattern: the built-in tessera-console client logs the
// person in and comes back with no code), its built files cached by content hash, its page under a
// strict CSP; the admin API's overview the console draws, and its sign-out.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, get } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { createConsoleHandler } from '../src/console/serve-console.js';
import type { ServiceContext } from '../src/http/service-context.js';
import { postForm, startService } from './helpers.js';
import { browser, logIn } from './login-helpers.js';

const users = [
  { id: 'u-ops', username: 'ops', password: 'ops-password-1234', roles: ['tessera:admin'] },
  { id: 'u-watch', username: 'watch', password: 'watch-password-1234', roles: ['tessera:viewer'] },
];

test('the console sends a browser without a session to the login and back, then serves its page under a strict CSP', async () => {
  const ts = await startService({ users });
  try {
    const b = browser();
    assert.equal((await b.fetch(`${ts.url}/console`)).headers.get('location'), '/console/');
    const first = await b.fetch(`${ts.url}/console/keys`);
    assert.equal(first.status, 303);
    const login = new URL(first.headers.get('location')!);
    assert.equal(login.pathname, '/authorize');
    assert.equal(login.searchParams.get('client_id'), 'tessera-console');
    assert.equal(login.searchParams.get('redirect_uri'), `${ts.url}/console/`);
    const back = await logIn(ts, b, login.href, users[0]!);
    assert.equal(back.status, 303);
    assert.equal(back.headers.get('location'), `${ts.url}/console/`, 'back to the console with no code');

    // A deep link is the same page: the console routes in the browser.
    const page = await b.fetch(`${ts.url}/console/keys`);
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-type')!, /^text\/html/);
    const csp = page.headers.get('content-security-policy')!;
    assert.match(csp, /default-src 'none'/);
    assert.match(csp, /script-src 'self'(;|$)/);
    assert.match(csp, /frame-ancestors 'none'/);
    assert.equal(page.headers.get('cache-control'), 'no-store');
    const html = await page.text();
    const script = /src="(\/console\/assets\/[^"]+\.js)"/.exec(html)?.[1];
    assert.ok(script !== undefined, 'the page loads its built script');
    assert.doesNotMatch(html, /<script>(?!<\/script>)/, 'no inline script');

    // Assets are public code, named by content hash: cached for a year, gzipped when asked.
    const asset = await fetch(`${ts.url}${script}`, { headers: { 'accept-encoding': 'identity' } });
    assert.equal(asset.status, 200);
    assert.equal(asset.headers.get('cache-control'), 'public, max-age=31536000, immutable');
    assert.match(asset.headers.get('content-type')!, /^text\/javascript/);
    const plain = Buffer.from(await asset.arrayBuffer());
    // fetch decodes gzip by itself: node:http shows the bytes as sent.
    const zipped = await new Promise<Buffer>((resolve, reject) => {
      get(`${ts.url}${script}`, { headers: { 'accept-encoding': 'gzip' } }, (res) => {
        assert.equal(res.headers['content-encoding'], 'gzip');
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve(Buffer.concat(chunks)));
      }).on('error', reject);
    });
    assert.ok(zipped.length < plain.length);
    assert.deepEqual(gunzipSync(zipped), plain);
    assert.equal((await fetch(`${ts.url}/console/assets/none.js`)).status, 404);
    assert.equal((await fetch(`${ts.url}/console/`, { method: 'POST' })).status, 404);
  } finally {
    await ts.stop();
  }
});

test('the console is a client id no configured client may take, and is not served without the admin API', async () => {
  await assert.rejects(
    startService({ clients: [{ id: 'tessera-console', secret: 'x'.repeat(32), audiences: ['a'] }] }),
    /tessera-console/,
  );
  const ts = await startService({ admin: { enabled: false } });
  try {
    assert.equal((await fetch(`${ts.url}/console/`, { redirect: 'manual' })).status, 404);
  } finally {
    await ts.stop();
  }
});

test('a token service without a built console says how to build it', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-console-'));
  try {
    const handler = createConsoleHandler({} as ServiceContext, join(dir, 'missing'));
    const server = createServer((req, res) => void handler(req, res, req.url!));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    const res = await fetch(`http://127.0.0.1:${port}/console/`);
    assert.equal(res.status, 404);
    const problem = (await res.json()) as { code: string; detail: string };
    assert.equal(problem.code, 'ERR_TOKEN_SERVICE_NOT_FOUND');
    assert.match(problem.detail, /npm run build/);
    // A built folder: its files are served from memory.
    mkdirSync(join(dir, 'built', 'assets'), { recursive: true });
    writeFileSync(join(dir, 'built', 'index.html'), '<!doctype html><title>x</title>');
    writeFileSync(join(dir, 'built', 'assets', 'a-1.css'), 'body{}');
    const built = createConsoleHandler({} as ServiceContext, join(dir, 'built'));
    const css = await new Promise<string>((resolve) => {
      const s = createServer((req, res) => void built(req, res, req.url!));
      s.listen(0, '127.0.0.1', () => {
        const p = (s.address() as { port: number }).port;
        void fetch(`http://127.0.0.1:${p}/console/assets/a-1.css`)
          .then(async (r) => `${r.headers.get('content-type')} ${await r.text()}`)
          .then((text) => s.close(() => resolve(text)));
      });
    });
    assert.equal(css, 'text/css; charset=utf-8 body{}');
    server.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('GET /admin/overview: the keys, when the next key signs, and the token counters the chart samples', async () => {
  const ts = await startService({
    keys: { rotationIntervalSeconds: 3600 },
    clients: [
      {
        id: 'svc',
        secret: 'svc-secret-0123456789abcdef',
        audiences: ['orders'],
        grantTypes: ['client_credentials'],
      },
    ],
  });
  try {
    const read = async () =>
      (await (await ts.admin('/admin/overview')).json()) as {
        issuer: string;
        now: number;
        keys: { kid: string; state: string; activatedAt?: string; createdAt: string }[];
        nextRotationAt?: string;
        rotationIntervalSeconds: number;
        tokens: { issued: number; refused: number };
      };
    const before = await read();
    assert.equal(before.issuer, ts.url);
    assert.equal(before.rotationIntervalSeconds, 3600);
    const active = before.keys.find((k) => k.state === 'active')!;
    assert.equal(
      before.nextRotationAt,
      new Date(Date.parse(active.activatedAt ?? active.createdAt) + 3_600_000).toISOString(),
    );
    const svc = { id: 'svc', secret: 'svc-secret-0123456789abcdef' };
    const token = (audience: string) =>
      postForm(`${ts.url}/token`, { grant_type: 'client_credentials', audience }, svc);
    assert.equal((await token('orders')).status, 200);
    assert.equal((await token('elsewhere')).status, 400);
    const after = await read();
    assert.deepEqual(
      { issued: after.tokens.issued - before.tokens.issued, refused: after.tokens.refused - before.tokens.refused },
      { issued: 1, refused: 1 },
    );
    assert.equal((await fetch(`${ts.url}/admin/overview`)).status, 401, 'an admin read like the others');
  } finally {
    await ts.stop();
  }
});

test('POST /admin/sign-out ends the console session (a viewer may, with the CSRF token); the admin token has none to end', async () => {
  const ts = await startService({ users });
  try {
    const b = browser();
    const start = await b.fetch(`${ts.url}/console/`);
    await logIn(ts, b, start.headers.get('location')!, users[1]!);
    const me = (await (await b.fetch(`${ts.url}/admin/whoami`)).json()) as { role: string; csrf: string };
    assert.equal(me.role, 'viewer');
    const origin = new URL(ts.url).origin;
    const forged = await b.fetch(`${ts.url}/admin/sign-out`, { method: 'POST', headers: { origin } });
    assert.equal(forged.status, 403, 'not without the CSRF token');
    const out = await b.fetch(`${ts.url}/admin/sign-out`, {
      method: 'POST',
      headers: { origin, 'x-tessera-csrf': me.csrf },
    });
    assert.equal(out.status, 204);
    assert.match(out.headers.get('set-cookie') ?? '', /Max-Age=0/i);
    assert.equal((await b.fetch(`${ts.url}/admin/whoami`)).status, 401, 'the session is gone');
    assert.equal((await b.fetch(`${ts.url}/console/`)).status, 303, 'back to the login');
    const token = await ts.admin('/admin/sign-out', { method: 'POST' });
    assert.equal(token.status, 400);
  } finally {
    await ts.stop();
  }
});
