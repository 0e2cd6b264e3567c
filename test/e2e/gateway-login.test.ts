// The gateway logs people in (issue #15): Gloo's ExtAuthPolicy, as the brief writes it, on a route
// of the Tessera gateway, with the Tessera token service as the OpenID Connect provider. A person
// is sent to the provider, comes back with a session, and the upstream (which implements no auth)
// gets the ID token, the access token and the user's name in headers; the session refreshes,
// ends at logout at both ends, and ends when the provider says so over the back channel.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { headlessBrowser } from '../../examples/index.js';
import { alice, redisUrl, seen, withStack } from './internal/gateway-login-stack.js';

for (const mode of ['cookie', 'redis'] as const) {
  const skip = mode === 'redis' && redisUrl === undefined ? 'TESSERA_TEST_REDIS_URL is not set' : false;

  test(
    `${mode} sessions: a page without a session goes to the provider; after the login the upstream gets the tokens and x-name, not the session cookie`,
    { skip },
    () =>
      withStack(mode, async ({ appUrl, ts }) => {
        const b = headlessBrowser();
        const login = await b.open(`${appUrl}/reports/today?x=1`);
        assert.ok(login.url.startsWith(`${ts.issuer}/authorize?`), login.url);
        assert.equal(new URL(login.url).searchParams.get('code_challenge_method'), 'S256');
        b.cookies.set('theme', 'dark');
        const page = await b.signIn(login, alice.username, alice.password);
        assert.equal(page.status, 200);
        assert.equal(page.url, `${appUrl}/reports/today?x=1`, 'back where the person was going');
        const upstream = seen(page.html);
        assert.equal(upstream.headers['x-name'], 'Alice Liddell');
        assert.equal(upstream.headers['jwt']!.split('.').length, 3);
        assert.equal(upstream.headers['my_access_token']!.split('.').length, 3);
        assert.equal(
          upstream.headers['authorization'],
          undefined,
          'the session token is not forwarded as a credential',
        );
        // (The token service's own session cookie comes along: cookies do not tell ports apart, and both run on 127.0.0.1.)
        assert.match(upstream.headers['cookie'] ?? '', /(^|; )theme=dark(;|$)/);
        assert.doesNotMatch(
          upstream.headers['cookie'] ?? '',
          /tessera-gw|__session/,
          "the gateway's cookies stay at the gateway",
        );

        // The client's own copies of the login's headers are replaced.
        const session = [...b.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
        const spoof = await fetch(`${appUrl}/api`, {
          headers: { cookie: session, 'x-name': 'Mallory', jwt: 'forged' },
        });
        const spoofed = (await spoof.json()) as { headers: Record<string, string> };
        assert.equal(spoofed.headers['x-name'], 'Alice Liddell');
        assert.notEqual(spoofed.headers['jwt'], 'forged');

        // A session cookie given twice (a planted one beside it) is not believed.
        assert.equal((await fetch(`${appUrl}/api`, { headers: { cookie: `${session}; ${session}` } })).status, 401);
        // Not a page, no session: 401, no redirect.
        const api = await fetch(`${appUrl}/api`, { redirect: 'manual' });
        assert.equal(api.status, 401);
        // A tampered session is no session.
        const tampered = session.replace(
          /(tessera-gw-session\.0|__session)=(.)/,
          (_m, name: string, c: string) => `${name}=${c === 'A' ? 'B' : 'A'}`,
        );
        assert.equal((await fetch(`${appUrl}/api`, { headers: { cookie: tampered } })).status, 401);
        // An unsafe method from another origin is refused; from the app's own origin it passes.
        const cross = await fetch(`${appUrl}/api`, {
          method: 'POST',
          headers: { cookie: session, origin: 'https://attacker.example' },
        });
        assert.equal(cross.status, 403);
        const same = await fetch(`${appUrl}/api`, { method: 'POST', headers: { cookie: session, origin: appUrl } });
        assert.equal(same.status, 200);
      }),
  );

  test(
    `${mode} sessions: the callback refuses a forged state, a missing login cookie and a provider error`,
    { skip },
    () =>
      withStack(mode, async ({ appUrl }) => {
        assert.equal((await fetch(`${appUrl}/callback?code=abc&state=forged`)).status, 400, 'no login cookie');
        const b = headlessBrowser();
        const login = await b.open(`${appUrl}/`); // the login cookie is set, the browser is at the provider
        const state = new URL(login.url).searchParams.get('state')!;
        const cookie = [...b.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
        assert.equal((await fetch(`${appUrl}/callback?code=abc&state=forged`, { headers: { cookie } })).status, 400);
        const refused = await fetch(`${appUrl}/callback?error=access_denied&state=${state}`, { headers: { cookie } });
        assert.equal(refused.status, 401);
        assert.match(await refused.text(), /refused the login: access_denied/);
        const badCode = await fetch(`${appUrl}/callback?code=not-a-code&state=${state}`, { headers: { cookie } });
        assert.equal(badCode.status, 401, 'the provider refuses the code');
      }),
  );

  test(
    `${mode} sessions: the session refreshes before the access token expires, and ends at logout at both ends and over the back channel`,
    { skip },
    () =>
      withStack(mode, async ({ appUrl, ts }) => {
        const b = headlessBrowser();
        await b.signIn(await b.open(`${appUrl}/`), alice.username, alice.password);
        const first = seen((await b.open(`${appUrl}/`)).html).headers['my_access_token'];
        await new Promise((r) => setTimeout(r, 2_500)); // the token lives 4 s; refreshed 2 s before
        const refreshed = seen((await b.open(`${appUrl}/`)).html).headers['my_access_token'];
        assert.ok(refreshed !== undefined && refreshed !== first, 'a new access token');
        const before = [...b.cookies].map(([k, v]) => `${k}=${v}`).join('; ');

        // Logout: the provider's end_session_endpoint, then back to the app, which asks for a login again.
        const out = await b.open(`${appUrl}/logout`);
        assert.ok(out.url.startsWith(`${ts.issuer}/authorize?`), `signed out at both ends: ${out.url}`);
        assert.equal(
          (await fetch(`${appUrl}/api`, { headers: { cookie: before } })).status,
          401,
          'the old cookie is refused',
        );

        // Back-channel: the provider ends the session (the admin ends alice's sessions).
        const again = headlessBrowser();
        await again.signIn(await again.open(`${appUrl}/`), alice.username, alice.password);
        const cookie = [...again.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
        assert.equal((await fetch(`${appUrl}/api`, { headers: { cookie } })).status, 200);
        const ended = await fetch(`${ts.url}/admin/users/u-alice/sessions`, {
          method: 'DELETE',
          headers: { authorization: `Bearer ${ts.adminToken}` },
        });
        assert.equal(ended.status, 200);
        assert.equal((await fetch(`${appUrl}/api`, { headers: { cookie } })).status, 401, 'ended by the logout token');
      }),
  );
}
