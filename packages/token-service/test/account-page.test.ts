// The account page (issue "Second factors"): behind the provider's own login, a user sets up an
// authenticator app (QR code, first code, recovery codes shown once), renews or removes it,
// changes the password (the other sessions end), sees where they are signed in and ends a session.
// Forms are refused from another site and without the session's CSRF token.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Secret, TOTP } from 'otpauth';
import { startService, type TestService } from './helpers.js';
import * as oidc from 'openid-client';
import { browser, formOf, idTokenClaims, pkceAuthorizationUrl, postPage, type Browser } from './login-helpers.js';

const alice = { username: 'alice', password: 'alice-password-123' };

/** Signs in to the account page in `b`: the page's HTML. */
async function signIn(ts: TestService, b: Browser, who = alice): Promise<string> {
  const start = await b.fetch(`${ts.url}/account`);
  assert.equal(start.status, 303);
  const authorize = start.headers.get('location')!;
  assert.match(authorize, /\/authorize\?client_id=tessera-account&/);
  const login = await b.fetch(authorize);
  assert.equal(login.status, 200);
  const back = await postPage(ts, b, '/login', { ...formOf(await login.text()), ...who });
  assert.equal(back.status, 303);
  assert.equal(back.headers.get('location'), `${ts.url}/account`, 'back on the page, with no code');
  const page = await b.fetch(`${ts.url}/account`);
  assert.equal(page.status, 200);
  return page.text();
}

const csrfOf = (html: string) => /name="csrf" value="([^"]+)"/.exec(html)![1]!;

test('the account page: sign in, set up an authenticator app with its first code, recovery codes shown once, renew them, remove the app', async () => {
  // The start of a TOTP step near the real time: the clock moves on from there in whole steps, and
  // what checks times against the real clock (openid-client, the browser) still agrees with it.
  let now = Math.floor(Date.now() / 30_000) * 30_000;
  const ts = await startService({ users: [{ id: 'u-alice', ...alice }] }, { clock: () => now });
  try {
    const b = browser();
    let html = await signIn(ts, b);
    assert.match(html, /<h1>Your account<\/h1>/);
    assert.match(html, /signed in as <strong id="account-user">alice<\/strong>/);
    const csrf = csrfOf(html);

    const started = await postPage(ts, b, '/account/totp/start', { csrf });
    html = await started.text();
    assert.equal(started.status, 200);
    assert.match(html, /<svg[^>]*>/, 'the QR code, rendered on the page');
    const secret = /id="totp-secret">([^<]+)</.exec(html)![1]!.replace(/ /g, '');
    const code = (ms: number) => new TOTP({ secret: Secret.fromBase32(secret) }).generate({ timestamp: ms });

    const wrong = await postPage(ts, b, '/account/totp/confirm', { csrf, code: '000000' });
    assert.equal(wrong.status, 400);
    assert.match(await wrong.text(), /That code is not right/);
    const confirmed = await postPage(ts, b, '/account/totp/confirm', { csrf, code: code(now) });
    html = await confirmed.text();
    assert.equal(confirmed.status, 200);
    const codes = [...html.matchAll(/<li><code>([A-Z0-9-]{19})<\/code><\/li>/g)].map((m) => m[1]!);
    assert.equal(codes.length, 10, 'ten recovery codes, shown once');
    assert.match(html, /The authenticator app is on\./);
    html = await (await b.fetch(`${ts.url}/account`)).text();
    assert.doesNotMatch(html, /<code>[A-Z0-9]{4}-/, 'not shown again');
    assert.match(html, /10 of 10 left\./);

    const renewed = await (await postPage(ts, b, '/account/recovery-codes', { csrf })).text();
    const fresh = [...renewed.matchAll(/<li><code>([A-Z0-9-]{19})<\/code><\/li>/g)].map((m) => m[1]!);
    assert.equal(fresh.length, 10);
    assert.ok(
      fresh.every((c) => !codes.includes(c)),
      'new codes',
    );

    now += 60_000;
    const removed = await postPage(ts, b, '/account/totp/remove', { csrf });
    assert.match(await removed.text(), /The authenticator app is removed/);
    const user = (await (await ts.admin('/admin/users/u-alice')).json()) as { secondFactors: unknown };
    assert.deepEqual(user.secondFactors, { totp: false, passkeys: [], recoveryCodesLeft: 0 });
    const audit = JSON.stringify(await (await ts.admin('/admin/audit')).json());
    for (const a of ['factor.totp.added', 'factor.recovery-codes.renewed', 'factor.totp.removed'])
      assert.ok(audit.includes(a), a);
  } finally {
    await ts.stop();
  }
});

test('the account page lists where the user is signed in (last active: when an application last got a token) and ends another session; a password change ends the others too', async () => {
  const redirect = 'http://localhost:3000/callback';
  const ts = await startService({
    users: [{ id: 'u-alice', ...alice }],
    clients: [
      {
        id: 'wiki',
        public: true,
        firstParty: true,
        grantTypes: ['authorization_code'],
        redirectUris: [redirect],
        audiences: ['api'],
      },
    ],
  });
  try {
    const laptop = browser();
    const phone = browser();
    await signIn(ts, laptop);
    await signIn(ts, phone);
    // The phone's session signs in to the wiki too (single sign-on), which gets a token.
    const rp = await oidc.discovery(new URL(ts.url), 'wiki', undefined, oidc.None(), {
      execute: [oidc.allowInsecureRequests],
    });
    const started = await pkceAuthorizationUrl(rp, { redirect_uri: redirect, scope: 'openid' });
    const sso = await phone.fetch(started.url);
    assert.equal(sso.status, 303);
    await idTokenClaims(rp, sso.headers.get('location')!, started);

    let html = await (await laptop.fetch(`${ts.url}/account`)).text();
    const csrf = csrfOf(html);
    assert.equal((html.match(/<li><span title=/g) ?? []).length, 2, 'two sessions');
    assert.match(html, /this browser/);
    assert.equal((html.match(/ · last active /g) ?? []).length, 1, "the phone's session, which the wiki used");
    const other = /name="session" value="([^"]+)"/.exec(html)![1]!;
    const ended = await postPage(ts, laptop, '/account/sessions/end', { csrf, session: other });
    assert.match(await ended.text(), /That session is signed out\./);
    assert.equal((await phone.fetch(`${ts.url}/account`)).status, 303, 'the phone must sign in again');

    await signIn(ts, phone);
    const badCurrent = await postPage(ts, laptop, '/account/password', {
      csrf,
      current: 'wrong',
      new: 'a-new-password-456',
    });
    assert.equal(badCurrent.status, 400);
    const short = await postPage(ts, laptop, '/account/password', { csrf, current: alice.password, new: 'short' });
    assert.equal(short.status, 400);
    const changed = await postPage(ts, laptop, '/account/password', {
      csrf,
      current: alice.password,
      new: 'a-new-password-456',
    });
    assert.match(await changed.text(), /Password changed/);
    assert.equal((await phone.fetch(`${ts.url}/account`)).status, 303, 'the other session ended');
    html = await (await laptop.fetch(`${ts.url}/account`)).text();
    assert.equal((html.match(/<li><span title=/g) ?? []).length, 1, 'this one stays');
    await signIn(ts, browser(), { username: 'alice', password: 'a-new-password-456' });
  } finally {
    await ts.stop();
  }
});

test("the account page's forms: refused from another site, without the session's CSRF token, and without a session", async () => {
  const ts = await startService({ users: [{ id: 'u-alice', ...alice }] });
  try {
    const b = browser();
    const csrf = csrfOf(await signIn(ts, b));
    const cross = await b.fetch(`${ts.url}/account/totp/start`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'https://attacker.example' },
      body: new URLSearchParams({ csrf }).toString(),
    });
    assert.equal(cross.status, 403);
    assert.equal((await postPage(ts, b, '/account/totp/start', { csrf: 'forged' })).status, 400);
    const other = browser();
    const csrfOther = csrfOf(await signIn(ts, other));
    assert.equal(
      (await postPage(ts, b, '/account/totp/start', { csrf: csrfOther })).status,
      400,
      "another session's token",
    );
    assert.equal((await postPage(ts, browser(), '/account/totp/start', { csrf })).status, 303, 'no session: the login');
    const signedOut = await postPage(ts, b, '/account/sign-out', { csrf });
    assert.equal(signedOut.status, 303);
    assert.equal((await b.fetch(`${ts.url}/account`)).status, 303);
  } finally {
    await ts.stop();
  }
});
