// People logging in (issue "People"): openid-client as the relying party, the browser's part (the
// login form, the cookies) done over HTTP, every refusal the RFCs name.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as oidc from 'openid-client';
import { postForm, startService, type TestService } from './helpers.js';
import { browser, formOf, logIn, pkceAuthorizationUrl } from './login-helpers.js';

const REDIRECT = 'http://localhost:3000/callback';
const LOGGED_OUT = 'http://localhost:3000/goodbye';
const alice = { username: 'alice', password: 'alice-password-123' };

async function withProvider(fn: (ts: TestService, rp: oidc.Configuration) => Promise<void>): Promise<void> {
  const ts = await startService({
    clients: [
      {
        id: 'webui',
        public: true,
        firstParty: true,
        grantTypes: ['authorization_code', 'refresh_token'],
        redirectUris: [REDIRECT],
        postLogoutRedirectUris: [LOGGED_OUT],
        audiences: ['backend-api'],
      },
      { id: 'svc-a', secret: 'svc-a-secret-0123456789', audiences: ['backend-api'], introspect: true },
    ],
    users: [
      {
        id: 'u-alice',
        ...alice,
        name: 'Alice Liddell',
        email: 'alice@example.test',
        emailVerified: true,
        roles: ['tessera:viewer'],
      },
    ],
  });
  try {
    const rp = await oidc.discovery(new URL(ts.url), 'webui', undefined, oidc.None(), {
      execute: [oidc.allowInsecureRequests],
    });
    await fn(ts, rp);
  } finally {
    await ts.stop();
  }
}

async function authorizationUrl(rp: oidc.Configuration, extra: Record<string, string> = {}) {
  return pkceAuthorizationUrl(rp, { redirect_uri: REDIRECT, scope: 'openid profile email', ...extra });
}

test('code + PKCE with openid-client: login page, code, tokens, ID token claims; single sign-on afterwards', () =>
  withProvider(async (ts, rp) => {
    const b = browser();
    const { url, verifier, state, nonce } = await authorizationUrl(rp);
    const page = await b.fetch(url);
    const html = await page.text();
    assert.match(
      page.headers.get('content-security-policy') ?? '',
      /default-src 'none'.*form-action 'self' http:\/\/localhost:3000/,
    );
    assert.equal(page.headers.get('x-frame-options'), 'DENY');
    assert.match(html, /<label for="username">Username<\/label>/);
    const { interaction, csrf } = formOf(html);
    const answer = await b.fetch(`${ts.url}/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: new URL(ts.url).origin },
      body: new URLSearchParams({ interaction, csrf, ...alice }).toString(),
    });
    assert.equal(answer.status, 303);
    const back = new URL(answer.headers.get('location')!);
    assert.equal(back.origin + back.pathname, REDIRECT);
    assert.equal(back.searchParams.get('iss'), ts.service.issuer, 'RFC 9207');
    const tokens = await oidc.authorizationCodeGrant(rp, back, {
      pkceCodeVerifier: verifier,
      expectedState: state,
      expectedNonce: nonce,
    });
    const claims = tokens.claims()!;
    assert.equal(claims.sub, 'u-alice');
    assert.equal(claims['name'], 'Alice Liddell');
    assert.equal(claims['email'], 'alice@example.test');
    assert.deepEqual(claims['amr'], ['pwd']);
    assert.equal(claims['acr'], '1', 'one factor');
    assert.equal(typeof claims['sid'], 'string');
    const access = JSON.parse(Buffer.from(tokens.access_token.split('.')[1]!, 'base64url').toString()) as Record<
      string,
      unknown
    >;
    assert.equal(access['sub'], 'u-alice');
    assert.equal(access['aud'], 'backend-api');
    assert.equal(access['client_id'], 'webui');
    assert.deepEqual(access['roles'], ['tessera:viewer']);

    // The session cookie: the next authorization needs no login (single sign-on).
    const again = await authorizationUrl(rp);
    const sso = await b.fetch(again.url);
    assert.equal(sso.status, 303);
    const code = new URL(sso.headers.get('location')!);
    assert.ok(code.searchParams.get('code'));
    // prompt=login asks again, select_account too (the login page is where another account is chosen);
    // prompt=none without a session says login_required.
    assert.equal((await b.fetch((await authorizationUrl(rp, { prompt: 'login' })).url)).status, 200);
    assert.equal((await b.fetch((await authorizationUrl(rp, { prompt: 'select_account' })).url)).status, 200);
    const anonymous = browser();
    const none = await anonymous.fetch((await authorizationUrl(rp, { prompt: 'none' })).url);
    assert.equal(new URL(none.headers.get('location')!).searchParams.get('error'), 'login_required');
  }));

test('refusals: bad client or redirect_uri never redirect; missing PKCE, bad response_type and scope go back with state', () =>
  withProvider(async (ts, rp) => {
    const b = browser();
    const base = await authorizationUrl(rp);
    const tweak = (change: (u: URL) => void) => {
      const u = new URL(base.url);
      change(u);
      return u.href;
    };
    for (const [what, url] of [
      ['unknown client', tweak((u) => u.searchParams.set('client_id', 'nobody'))],
      ['unregistered redirect_uri', tweak((u) => u.searchParams.set('redirect_uri', 'https://attacker.example/cb'))],
      ['redirect_uri with a trailing slash', tweak((u) => u.searchParams.set('redirect_uri', `${REDIRECT}/`))],
      ['redirect_uri with an added query', tweak((u) => u.searchParams.set('redirect_uri', `${REDIRECT}?x=1`))],
      [
        'redirect_uri in other case',
        tweak((u) => u.searchParams.set('redirect_uri', REDIRECT.replace('callback', 'Callback'))),
      ],
      [
        '127.0.0.1 for localhost',
        tweak((u) => u.searchParams.set('redirect_uri', REDIRECT.replace('localhost', '127.0.0.1'))),
      ],
      ['client_id twice', `${base.url}&client_id=webui`],
    ] as const) {
      const res = await b.fetch(url);
      assert.equal(res.status, 400, what);
      assert.equal(res.headers.get('location'), null, `${what}: no redirect`);
      assert.match(await res.text(), /This request cannot be completed/);
    }
    for (const [what, url, error] of [
      ['no PKCE', tweak((u) => u.searchParams.delete('code_challenge')), 'invalid_request'],
      ['plain PKCE', tweak((u) => u.searchParams.set('code_challenge_method', 'plain')), 'invalid_request'],
      ['implicit', tweak((u) => u.searchParams.set('response_type', 'token')), 'unsupported_response_type'],
      ['a scope the client lacks', tweak((u) => u.searchParams.set('scope', 'openid admin')), 'invalid_scope'],
      [
        'a resource the client lacks',
        tweak((u) => u.searchParams.set('resource', 'https://other.example')),
        'invalid_target',
      ],
    ] as const) {
      const res = await b.fetch(url);
      assert.equal(res.status, 303, what);
      const back = new URL(res.headers.get('location')!);
      assert.equal(back.origin + back.pathname, REDIRECT, what);
      assert.equal(back.searchParams.get('error'), error, what);
      assert.equal(back.searchParams.get('state'), base.state, what);
      assert.equal(back.searchParams.get('iss'), ts.service.issuer, what);
    }
  }));

test('the token endpoint: a wrong verifier, a reused code (its token revoked), another redirect_uri are invalid_grant', () =>
  withProvider(async (ts, rp) => {
    const b = browser();
    const first = await authorizationUrl(rp);
    const back = new URL((await logIn(ts, b, first.url, alice)).headers.get('location')!);
    const code = back.searchParams.get('code')!;
    const redeem = (params: Record<string, string>) =>
      postForm(`${ts.url}/token`, {
        grant_type: 'authorization_code',
        client_id: 'webui',
        redirect_uri: REDIRECT,
        code,
        ...params,
      });
    const wrong = await redeem({ code_verifier: oidc.randomPKCECodeVerifier() });
    assert.equal(wrong.status, 400);
    assert.equal(wrong.body['error'], 'invalid_grant');
    // The code was spent by that attempt: one use, whatever its outcome.
    assert.equal((await redeem({ code_verifier: first.verifier })).body['error'], 'invalid_grant');

    const second = await authorizationUrl(rp);
    const code2 = new URL((await b.fetch(second.url)).headers.get('location')!).searchParams.get('code')!;
    const redeem2 = (params: Record<string, string>) =>
      postForm(`${ts.url}/token`, {
        grant_type: 'authorization_code',
        client_id: 'webui',
        code: code2,
        code_verifier: second.verifier,
        ...params,
      });
    assert.equal((await redeem2({ redirect_uri: 'http://localhost:3000/other' })).body['error'], 'invalid_grant');
    const third = await authorizationUrl(rp);
    const code3 = new URL((await b.fetch(third.url)).headers.get('location')!).searchParams.get('code')!;
    const ok = await postForm(`${ts.url}/token`, {
      grant_type: 'authorization_code',
      client_id: 'webui',
      code: code3,
      code_verifier: third.verifier,
      redirect_uri: REDIRECT,
    });
    assert.equal(ok.status, 200);
    const replay = await postForm(`${ts.url}/token`, {
      grant_type: 'authorization_code',
      client_id: 'webui',
      code: code3,
      code_verifier: third.verifier,
      redirect_uri: REDIRECT,
    });
    assert.equal(replay.body['error'], 'invalid_grant');
    const introspected = await postForm(
      `${ts.url}/introspect`,
      { token: ok.body['access_token'] as string },
      {
        id: 'svc-a',
        secret: 'svc-a-secret-0123456789',
      },
    );
    assert.equal(introspected.body['active'], false, 'the replayed code revoked the token it gave');
    // A public client cannot pass for a confidential one, nor use client_credentials.
    const cc = await postForm(`${ts.url}/token`, { grant_type: 'client_credentials', client_id: 'webui' });
    assert.equal(cc.status, 400);
  }));

test('the login form: a cross-site post is refused, a wrong CSRF token too, a wrong password shows the page again; the session id is new at each login', () =>
  withProvider(async (ts, rp) => {
    const b = browser();
    const { url } = await authorizationUrl(rp);
    const page = await b.fetch(url);
    const { interaction, csrf } = formOf(await page.text());
    const post = (headers: Record<string, string>, fields: Record<string, string>) =>
      b.fetch(`${ts.url}/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
        body: new URLSearchParams(fields).toString(),
      });
    assert.equal((await post({ origin: 'https://attacker.example' }, { interaction, csrf, ...alice })).status, 403);
    assert.equal((await post({ 'sec-fetch-site': 'cross-site' }, { interaction, csrf, ...alice })).status, 403);
    assert.equal((await post({}, { interaction, csrf: 'x'.repeat(43), ...alice })).status, 400);
    const wrong = await post({}, { interaction, csrf, username: 'alice', password: 'nope' });
    assert.equal(wrong.status, 400);
    assert.match(await wrong.text(), /role="alert" class="error">Wrong username or password\./);
    const ok = await post({}, { interaction, csrf, ...alice });
    assert.equal(ok.status, 303);
    const firstSid = b.jar.get('tessera-session');
    assert.ok(firstSid);
    // A logout confirmation's id and token posted to the login form: not a login interaction (400, not 500).
    const logoutPage = await b.fetch(`${ts.url}/logout`);
    const logoutCsrf = /name="csrf" value="([^"]+)"/.exec(await logoutPage.text())![1]!;
    const logoutId = b.jar.get('tessera-logout')!;
    b.jar.set('tessera-interaction', logoutId);
    assert.equal((await post({}, { interaction: logoutId, csrf: logoutCsrf, ...alice })).status, 400);
    // Logging in again (prompt=login) gives a new session id and ends the old session.
    await logIn(ts, b, (await authorizationUrl(rp, { prompt: 'login' })).url, alice);
    assert.notEqual(b.jar.get('tessera-session'), firstSid);
    // The old session id no longer logs anyone in.
    const stale = browser();
    stale.jar.set('tessera-session', firstSid);
    const none = await stale.fetch((await authorizationUrl(rp, { prompt: 'none' })).url);
    assert.equal(new URL(none.headers.get('location')!).searchParams.get('error'), 'login_required');
  }));

test('userinfo: the claims the scopes release, with openid-client; a token without openid 403, a malformed one 401', () =>
  withProvider(async (ts, rp) => {
    const b = browser();
    const { url, verifier, state, nonce } = await authorizationUrl(rp);
    const back = new URL((await logIn(ts, b, url, alice)).headers.get('location')!);
    const tokens = await oidc.authorizationCodeGrant(rp, back, {
      pkceCodeVerifier: verifier,
      expectedState: state,
      expectedNonce: nonce,
    });
    const info = await oidc.fetchUserInfo(rp, tokens.access_token, 'u-alice');
    assert.deepEqual(
      {
        sub: info.sub,
        name: info.name,
        email: info.email,
        email_verified: info.email_verified,
        preferred_username: info.preferred_username,
      },
      {
        sub: 'u-alice',
        name: 'Alice Liddell',
        email: 'alice@example.test',
        email_verified: true,
        preferred_username: 'alice',
      },
    );
    const call = (authorization?: string) =>
      fetch(`${ts.url}/userinfo`, { headers: authorization === undefined ? {} : { authorization } });
    assert.equal((await call()).status, 401);
    const bad = await call('Bearer not.a.token');
    assert.equal(bad.status, 401);
    assert.match(bad.headers.get('www-authenticate') ?? '', /error="invalid_token"/);
    // A workload's token (no openid scope) is refused.
    const workload = await postForm(
      `${ts.url}/token`,
      { grant_type: 'client_credentials' },
      { id: 'svc-a', secret: 'svc-a-secret-0123456789' },
    );
    const noScope = await call(`Bearer ${workload.body['access_token'] as string}`);
    assert.equal(noScope.status, 403);
    assert.match(noScope.headers.get('www-authenticate') ?? '', /insufficient_scope/);
  }));

test("the admin ends a user's sessions: the browser must log in again", () =>
  withProvider(async (ts, rp) => {
    const b = browser();
    await logIn(ts, b, (await authorizationUrl(rp)).url, alice);
    const sso = await b.fetch((await authorizationUrl(rp, { prompt: 'none' })).url);
    assert.ok(new URL(sso.headers.get('location')!).searchParams.get('code'), 'logged in');
    const ended = await ts.admin('/admin/users/u-alice/sessions', { method: 'DELETE' });
    assert.equal(ended.status, 200);
    assert.deepEqual(await ended.json(), { sessions: 1 });
    const after = await b.fetch((await authorizationUrl(rp, { prompt: 'none' })).url);
    assert.equal(new URL(after.headers.get('location')!).searchParams.get('error'), 'login_required');
    assert.equal((await ts.admin('/admin/users/nobody/sessions', { method: 'DELETE' })).status, 404);
  }));

test('refresh tokens: rotated at each use; a reused one ends its family; they end with the session unless offline_access', () =>
  withProvider(async (ts, rp) => {
    const b = browser();
    const login = async (scope: string) => {
      const { url, verifier, state, nonce } = await authorizationUrl(rp, { scope, prompt: 'login' });
      const back = new URL((await logIn(ts, b, url, alice)).headers.get('location')!);
      return oidc.authorizationCodeGrant(rp, back, {
        pkceCodeVerifier: verifier,
        expectedState: state,
        expectedNonce: nonce,
      });
    };
    const first = await login('openid profile');
    assert.ok(first.refresh_token);
    const second = await oidc.refreshTokenGrant(rp, first.refresh_token);
    assert.ok(second.access_token);
    assert.ok(second.refresh_token && second.refresh_token !== first.refresh_token, 'rotated');
    const refresh = (token: string, extra: Record<string, string> = {}) =>
      postForm(`${ts.url}/token`, { grant_type: 'refresh_token', client_id: 'webui', refresh_token: token, ...extra });
    // Narrower scope is fine; wider is not.
    const narrower = await refresh(second.refresh_token, { scope: 'openid' });
    assert.equal(narrower.status, 200);
    assert.equal(narrower.body['scope'], 'openid');
    assert.equal(
      (await refresh(narrower.body['refresh_token'] as string, { scope: 'openid admin' })).body['error'],
      'invalid_scope',
    );
    // The first token again: a replay; the whole family ends, the newest token with it.
    assert.equal((await refresh(first.refresh_token)).body['error'], 'invalid_grant');
    const newest = await login('openid');
    const offline = await login('openid offline_access');
    // Ending the user's sessions ends the refresh tokens of the session, not the offline ones.
    assert.equal((await ts.admin('/admin/users/u-alice/sessions', { method: 'DELETE' })).status, 200);
    assert.equal((await refresh(newest.refresh_token!)).body['error'], 'invalid_grant');
    const kept = await refresh(offline.refresh_token!);
    assert.equal(kept.status, 200);
    assert.equal(typeof kept.body['refresh_token'], 'string');
  }));

test('logout: with the ID token of this session, at once and back to a registered URI with state; otherwise the user confirms; refresh tokens of the session end', () =>
  withProvider(async (ts, rp) => {
    const b = browser();
    const { url, verifier, state, nonce } = await authorizationUrl(rp, { scope: 'openid' });
    const back = new URL((await logIn(ts, b, url, alice)).headers.get('location')!);
    const tokens = await oidc.authorizationCodeGrant(rp, back, {
      pkceCodeVerifier: verifier,
      expectedState: state,
      expectedNonce: nonce,
    });
    assert.equal(rp.serverMetadata().end_session_endpoint, `${ts.url}/logout`);

    // An unregistered post_logout_redirect_uri: a page, no redirect, still logged in.
    const bad = await b.fetch(
      oidc.buildEndSessionUrl(rp, {
        id_token_hint: tokens.id_token!,
        post_logout_redirect_uri: 'https://attacker.example/',
      }).href,
    );
    assert.equal(bad.status, 400);
    assert.equal(bad.headers.get('location'), null);
    // Without a hint the user is asked; a cross-site confirmation is refused.
    const ask = await b.fetch(`${ts.url}/logout`);
    assert.equal(ask.status, 200);
    const csrf = /name="csrf" value="([^"]+)"/.exec(await ask.text())![1]!;
    const forged = await b.fetch(`${ts.url}/logout`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'https://attacker.example' },
      body: new URLSearchParams({ csrf }).toString(),
    });
    assert.equal(forged.status, 403);

    const out = await b.fetch(
      oidc.buildEndSessionUrl(rp, {
        id_token_hint: tokens.id_token!,
        post_logout_redirect_uri: LOGGED_OUT,
        state: 'bye',
      }).href,
    );
    assert.equal(out.status, 303);
    assert.equal(out.headers.get('location'), `${LOGGED_OUT}?state=bye`);
    const none = await b.fetch((await authorizationUrl(rp, { prompt: 'none' })).url);
    assert.equal(new URL(none.headers.get('location')!).searchParams.get('error'), 'login_required');
    const refreshed = await postForm(`${ts.url}/token`, {
      grant_type: 'refresh_token',
      client_id: 'webui',
      refresh_token: tokens.refresh_token!,
    });
    assert.equal(refreshed.body['error'], 'invalid_grant', "the session's refresh token ended with it");

    // The confirmation path: log in again, confirm on the page, logged out.
    await logIn(ts, b, (await authorizationUrl(rp)).url, alice);
    const page = await b.fetch(`${ts.url}/logout`);
    const token = /name="csrf" value="([^"]+)"/.exec(await page.text())![1]!;
    const confirmed = await b.fetch(`${ts.url}/logout`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: new URL(ts.url).origin },
      body: new URLSearchParams({ csrf: token }).toString(),
    });
    assert.equal(confirmed.status, 200);
    assert.match(await confirmed.text(), /You are signed out/);
    const after = await b.fetch((await authorizationUrl(rp, { prompt: 'none' })).url);
    assert.equal(new URL(after.headers.get('location')!).searchParams.get('error'), 'login_required');
  }));
