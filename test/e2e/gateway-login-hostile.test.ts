// The gateway's login (issue #15) under attack: each case of the hostile list, against the
// real token service, for cookie and Redis sessions. (Forged state, a tampered cookie, a cookie
// given twice and a cross-site POST are in gateway-login.test.ts; ID tokens for another audience or
// nonce, from a hostile provider, in packages/gateway/test/oidc-relying-party.test.ts.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { connect } from 'node:net';
import { headlessBrowser } from '../../examples/index.js';
import { alice, redisUrl, seen, withStack } from './internal/gateway-login-stack.js';

/** The gateway's session cookies a headless browser holds, as a Cookie header. */
function sessionCookie(b: ReturnType<typeof headlessBrowser>): string {
  return [...b.cookies]
    .filter(([k]) => k.startsWith('tessera-gw-session') || k === '__session')
    .map(([k, v]) => `${k}=${v}`)
    .join('; ');
}

/** A raw request, for what fetch will not send (a Host of our choosing, an absolute-form target). */
function raw(
  url: string,
  path: string,
  headers: Record<string, string>,
): Promise<{ status: number; location?: string; setCookie: string[] }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request({ host: hostname, port, path, headers }, (res) => {
      res.resume();
      resolve({ status: res.statusCode!, location: res.headers.location, setCookie: res.headers['set-cookie'] ?? [] });
    });
    req.on('error', reject);
    req.end();
  });
}

/** A WebSocket handshake over a raw socket: the status line, and the tunnel's first line (the upstream's echo). */
function handshake(
  url: string,
  path: string,
  headers: Record<string, string>,
): Promise<{ status: number; echo: string }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname);
    let data = '';
    socket.on('data', (d: Buffer) => (data += d.toString()));
    socket.on('error', reject);
    socket.on('close', () => {
      const [head = '', body = ''] = data.split('\r\n\r\n');
      resolve({ status: Number(/^HTTP\/1\.1 (\d+)/.exec(head)?.[1] ?? 0), echo: body.trim() });
    });
    const lines = [
      `GET ${path} HTTP/1.1`,
      `host: ${hostname}:${port}`,
      'connection: Upgrade',
      'upgrade: websocket',
      'sec-websocket-version: 13',
      `sec-websocket-key: ${Buffer.from('0123456789abcdef').toString('base64')}`,
      ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`),
    ];
    socket.write(`${lines.join('\r\n')}\r\n\r\n`);
  });
}

for (const mode of ['cookie', 'redis'] as const) {
  const skip = mode === 'redis' && redisUrl === undefined ? 'TESSERA_TEST_REDIS_URL is not set' : false;

  test(
    `${mode} sessions: a replayed callback, an open redirect, a truncated session, a session taken to another route, a bearer request's cookies, client-sent login headers`,
    { skip },
    () =>
      withStack(mode, async ({ appUrl }) => {
        // Sign in, stopping at the callback: its URL (code and state) and the login cookie are what a thief would replay.
        const b = headlessBrowser();
        const login = await b.open(`${appUrl}/start`);
        const atCallback = await b.signIn(login, alice.username, alice.password, `${appUrl}/callback`);
        const loginCookie = [...b.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
        const page = await b.open(atCallback.url);
        assert.equal(page.url, `${appUrl}/start`);
        const session = sessionCookie(b);
        assert.notEqual(session, '');

        const replay = await fetch(atCallback.url, { headers: { cookie: loginCookie }, redirect: 'manual' });
        assert.equal(replay.status, 401, 'the code was used: the provider refuses it again');
        assert.ok(
          !replay.headers.getSetCookie().some((c) => /^(tessera-gw-session\.0|__session)=[^;]/.test(c)),
          'no session from a replay',
        );

        // Open redirect: the page to return to is this request's path on appUrl's origin, whatever the Host or target says.
        for (const [path, headers] of [
          ['/x', { host: 'attacker.example', accept: 'text/html' }],
          ['http://attacker.example/x', { accept: 'text/html' }],
          ['//attacker.example/x', { accept: 'text/html' }],
        ] as const) {
          const started = await raw(appUrl, path, { ...headers });
          assert.equal(started.status, 302, `${path}: a page goes to the provider`);
          // Finish this very login (its login cookie, the provider's page) and see where the gateway sends the browser.
          const other = headlessBrowser();
          for (const set of started.setCookie) {
            const [pair] = set.split(';');
            other.cookies.set(pair!.slice(0, pair!.indexOf('=')), pair!.slice(pair!.indexOf('=') + 1));
          }
          const cookie = [...other.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
          const back = await other.signIn(
            await other.open(started.location!),
            alice.username,
            alice.password,
            `${appUrl}/callback`,
          );
          const done = await fetch(back.url, { headers: { cookie }, redirect: 'manual' });
          assert.equal(done.status, 302, path);
          const location = done.headers.get('location')!;
          assert.equal(
            new URL(location).origin,
            new URL(appUrl).origin,
            `${path}: back on the app's origin, not ${location}`,
          );
        }

        // A truncated session is no session.
        const truncated = session.replace(/=(.*)$/, (_m, v: string) => `=${v.slice(0, Math.max(1, v.length - 10))}`);
        assert.equal((await fetch(`${appUrl}/api`, { headers: { cookie: truncated } })).status, 401);

        // The web UI's session on /admin (another ExtAuthPolicy): sealed for another purpose, or not its Redis key space.
        assert.equal((await fetch(`${appUrl}/admin/users`, { headers: { cookie: session } })).status, 401);
        const adminPage = await fetch(`${appUrl}/admin/users`, {
          headers: { cookie: session, accept: 'text/html' },
          redirect: 'manual',
        });
        assert.equal(adminPage.status, 302, 'a page there asks for a login of its own');

        // With the session, the upstream gets the login's headers, never the client's copies.
        const own = seen(
          await (
            await fetch(`${appUrl}/api`, {
              headers: {
                cookie: `${session}; theme=dark`,
                my_access_token: 'forged',
                jwt: 'forged',
                'x-name': 'Mallory',
              },
            })
          ).text(),
        );
        assert.notEqual(own.headers['my_access_token'], 'forged');
        assert.notEqual(own.headers['jwt'], 'forged');
        assert.equal(own.headers['x-name'], 'Alice Liddell');

        // A bearer request goes through the policies as itself; the gateway's cookies stay at the gateway.
        const accessToken = own.headers['my_access_token']!;
        const bearer = await fetch(`${appUrl}/api`, {
          headers: { authorization: `Bearer ${accessToken}`, cookie: `${session}; theme=dark`, 'x-name': 'Mallory' },
        });
        assert.equal(bearer.status, 200);
        const sent = seen(await bearer.text());
        assert.equal(sent.headers['cookie'], 'theme=dark', "the session cookie is not the upstream's");
        assert.equal(sent.headers['x-name'], undefined, 'a login header is not the client to set');
      }),
  );

  test(`${mode} sessions: a session whose refresh token the provider revoked ends at its next refresh`, { skip }, () =>
    withStack(
      mode,
      async ({ appUrl, ts }) => {
        const b = headlessBrowser();
        await b.signIn(await b.open(`${appUrl}/`), alice.username, alice.password);
        const cookie = sessionCookie(b);
        assert.equal((await fetch(`${appUrl}/api`, { headers: { cookie } })).status, 200);
        // The provider ends alice's sessions (and revokes their refresh tokens); without a
        // back-channel it cannot tell the gateway, so the gateway learns at the refresh.
        const ended = await fetch(`${ts.url}/admin/users/u-alice/sessions`, {
          method: 'DELETE',
          headers: { authorization: `Bearer ${ts.adminToken}` },
        });
        assert.equal(ended.status, 200);
        assert.equal((await fetch(`${appUrl}/api`, { headers: { cookie } })).status, 200, 'until the refresh');
        await new Promise((r) => setTimeout(r, 2_500)); // the access token lives 4 s; refreshed 2 s before
        const after = await fetch(`${appUrl}/api`, { headers: { cookie } });
        assert.equal(after.status, 401, 'the refresh was refused: the session is over');
        assert.ok(
          after.headers.getSetCookie().some((c) => /(tessera-gw-session\.0|__session)=;/.test(c)),
          'and its cookie cleared',
        );
      },
      { backchannel: false },
    ),
  );

  test(
    `${mode} sessions: a WebSocket opens on a session from the app's own origin only, with the login's headers`,
    { skip },
    () =>
      withStack(mode, async ({ appUrl }) => {
        const b = headlessBrowser();
        await b.signIn(await b.open(`${appUrl}/`), alice.username, alice.password);
        const cookie = `${sessionCookie(b)}; theme=dark`;
        const origin = new URL(appUrl).origin;

        const opened = await handshake(appUrl, '/live', { cookie, origin, 'x-name': 'Mallory' });
        assert.equal(opened.status, 101);
        const sent = seen(opened.echo);
        assert.equal(sent.headers['x-name'], 'Alice Liddell');
        assert.equal(sent.headers['my_access_token']!.split('.').length, 3);
        assert.equal(sent.headers['cookie'], 'theme=dark', "the gateway's cookies stay at the gateway");

        // Cross-site WebSocket hijacking: another site's page opening a socket that carries the cookie.
        assert.equal((await handshake(appUrl, '/live', { cookie, origin: 'https://attacker.example' })).status, 403);
        assert.equal((await handshake(appUrl, '/live', { cookie })).status, 403, 'no Origin, no session socket');
        assert.equal((await handshake(appUrl, '/live', { origin })).status, 401, 'no session: login required');
      }),
  );
}
