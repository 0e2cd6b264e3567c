// Consent and the end of a session (issue "People"): third-party clients ask once per scope, the
// answer is remembered and can be withdrawn; a session's end revokes its access tokens on the feed
// and tells the clients over the back channel (OpenID Connect Back-Channel Logout 1.0).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as jose from 'jose';
import * as oidc from 'openid-client';
import { decode, postForm, startService, type TestService } from './helpers.js';
import { browser, formOf, logIn, pkceAuthorizationUrl, postPage, type Browser } from './login-helpers.js';

const REDIRECT = 'http://localhost:4000/callback';
const alice = { username: 'alice', password: 'alice-password-123' };
const bob = { username: 'bob', password: 'bob-password-1234' };
const PARTNER = { id: 'partner', secret: 'partner-secret-0123456789' };
const READER = { id: 'feed-reader', secret: 'feed-reader-secret-0123456789' };

/** A client's back-channel logout endpoint: records the logout tokens it is sent. */
async function logoutReceiver(status = 200): Promise<{ url: string; tokens: string[]; close: () => Promise<void> }> {
  const tokens: string[] = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      assert.equal(req.headers['content-type'], 'application/x-www-form-urlencoded');
      tokens.push(new URLSearchParams(body).get('logout_token')!);
      res.writeHead(status, { 'cache-control': 'no-store' }).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/backchannel`,
    tokens,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

async function withProvider(
  fn: (ts: TestService, rp: oidc.Configuration, receiver: { tokens: string[] }) => Promise<void>,
  options: { receiverStatus?: number } = {},
): Promise<void> {
  const receiver = await logoutReceiver(options.receiverStatus);
  const ts = await startService({
    clients: [
      {
        id: PARTNER.id,
        secret: PARTNER.secret,
        grantTypes: ['authorization_code', 'refresh_token'],
        redirectUris: [REDIRECT],
        audiences: ['partner-api'],
        scopes: ['orders:read'],
        backchannelLogoutUri: receiver.url,
      },
      { id: READER.id, secret: READER.secret, revocations: true, introspect: true },
    ],
    users: [
      { id: 'u-alice', ...alice, name: 'Alice Liddell' },
      { id: 'u-bob', ...bob },
    ],
  });
  try {
    const rp = await oidc.discovery(new URL(ts.url), PARTNER.id, undefined, oidc.ClientSecretBasic(PARTNER.secret), {
      execute: [oidc.allowInsecureRequests],
    });
    await fn(ts, rp, receiver);
  } finally {
    await ts.stop();
    await receiver.close();
  }
}

const authorize = (rp: oidc.Configuration, extra: Record<string, string> = {}) =>
  pkceAuthorizationUrl(rp, { redirect_uri: REDIRECT, scope: 'openid profile', ...extra });

/** Answers the consent page `page` with `decision`. */
async function answerConsent(ts: TestService, b: Browser, page: Response, decision: 'allow' | 'deny') {
  assert.equal(page.status, 200);
  return postPage(ts, b, '/consent', { ...formOf(await page.text()), decision });
}

/** Logs in (when needed), consents, redeems the code: the tokens. */
async function signIn(ts: TestService, rp: oidc.Configuration, b: Browser, extra: Record<string, string> = {}) {
  const request = await authorize(rp, extra);
  let answer = b.jar.size === 0 ? await logIn(ts, b, request.url, alice) : await b.fetch(request.url);
  if (answer.status === 200) answer = await answerConsent(ts, b, answer, 'allow');
  assert.equal(answer.status, 303);
  return oidc.authorizationCodeGrant(rp, new URL(answer.headers.get('location')!), {
    pkceCodeVerifier: request.verifier,
    expectedState: request.state,
    expectedNonce: request.nonce,
  });
}

async function revokedJtis(ts: TestService): Promise<string[]> {
  const res = await fetch(`${ts.url}/revocations`, {
    headers: { authorization: `Basic ${Buffer.from(`${READER.id}:${READER.secret}`).toString('base64')}` },
  });
  return ((await res.json()) as { revocations: { jti: string }[] }).revocations.map((r) => r.jti);
}

test('consent: a third-party client asks once; deny goes back with access_denied, allow is remembered per scope; prompt=consent and prompt=none', () =>
  withProvider(async (ts, rp) => {
    const b = browser();
    const first = await authorize(rp);
    const page = await logIn(ts, b, first.url, alice);
    assert.equal(page.status, 200, 'logged in, now asked');
    const html = await page.clone().text();
    assert.match(html, /<h1>Allow access\?<\/h1>/);
    assert.match(html, /<strong>partner<\/strong> asks to use your account <strong>alice<\/strong>/);
    assert.match(html, /See your name and profile <code>profile<\/code>/);
    assert.match(page.headers.get('content-security-policy') ?? '', /form-action 'self' http:\/\/localhost:4000/);

    // Deny: back to the client with access_denied, state and iss; nothing remembered.
    const denied = await answerConsent(ts, b, page, 'deny');
    assert.equal(denied.status, 303);
    const back = new URL(denied.headers.get('location')!);
    assert.equal(back.searchParams.get('error'), 'access_denied');
    assert.equal(back.searchParams.get('state'), first.state);
    assert.equal(back.searchParams.get('iss'), ts.service.issuer);
    const none = await b.fetch((await authorize(rp, { prompt: 'none' })).url);
    assert.equal(new URL(none.headers.get('location')!).searchParams.get('error'), 'consent_required');

    // Allow: a code; afterwards the same scopes go straight through.
    const tokens = await signIn(ts, rp, b);
    assert.equal(decode(tokens.access_token).payload['sub'], 'u-alice');
    const again = await b.fetch((await authorize(rp)).url);
    assert.equal(again.status, 303);
    assert.ok(new URL(again.headers.get('location')!).searchParams.get('code'));

    // One more scope: only it is asked for.
    const wider = await b.fetch((await authorize(rp, { scope: 'openid profile orders:read' })).url);
    assert.equal(wider.status, 200);
    const widerHtml = await wider.clone().text();
    assert.match(widerHtml, /<code>orders:read<\/code>/);
    assert.doesNotMatch(widerHtml, /profile<\/code>/);
    assert.equal((await answerConsent(ts, b, wider, 'allow')).status, 303);
    const replayed = await postPage(ts, b, '/consent', { ...formOf(widerHtml), decision: 'allow' });
    assert.equal(replayed.status, 400, 'a consent form is answered once');
    // prompt=consent asks again for everything.
    const forced = await b.fetch((await authorize(rp, { prompt: 'consent' })).url);
    assert.equal(forced.status, 200);
    assert.match(await forced.text(), /profile<\/code>/);

    const listed = (await (await ts.admin('/admin/users/u-alice/consents')).json()) as {
      consents: { clientId: string; scopes: string[] }[];
    };
    assert.deepEqual(
      listed.consents.map((c) => [c.clientId, c.scopes]),
      [['partner', ['openid', 'orders:read', 'profile']]],
    );
  }));

test('the consent form: cross-site, a wrong CSRF token, a bad decision, a login post, another browser or session are refused; nothing is granted', () =>
  withProvider(async (ts, rp) => {
    const b = browser();
    const page = await logIn(ts, b, (await authorize(rp)).url, alice);
    const fields = formOf(await page.text());
    const cross = await b.fetch(`${ts.url}/consent`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'https://attacker.example' },
      body: new URLSearchParams({ ...fields, decision: 'allow' }).toString(),
    });
    assert.equal(cross.status, 403);
    assert.equal(
      (await postPage(ts, b, '/consent', { ...fields, csrf: 'x'.repeat(43), decision: 'allow' })).status,
      400,
    );
    assert.equal((await postPage(ts, b, '/consent', { ...fields, decision: 'maybe' })).status, 400);
    // The consent page's interaction is not a login form.
    assert.equal((await postPage(ts, b, '/login', { ...fields, ...alice })).status, 400);
    // Another browser (no session, not the interaction's cookie) cannot answer it.
    const other = browser();
    for (const [name, value] of b.jar) if (name.includes('interaction')) other.jar.set(name, value);
    assert.equal((await postPage(ts, other, '/consent', { ...fields, decision: 'allow' })).status, 400);
    // The session changed since the page was shown (bob logged in in another tab): refused.
    await logIn(ts, b, (await authorize(rp, { prompt: 'login' })).url, bob);
    for (const [name, value] of other.jar) b.jar.set(name, value);
    assert.equal((await postPage(ts, b, '/consent', { ...fields, decision: 'allow' })).status, 400);
    const consents = (await (await ts.admin('/admin/users/u-alice/consents')).json()) as { consents: unknown[] };
    assert.deepEqual(consents.consents, [], 'nothing granted');
  }));

test('withdrawing a consent (admin API): asked again, the refresh tokens refused, the access token on the revocation feed', () =>
  withProvider(async (ts, rp) => {
    const b = browser();
    const tokens = await signIn(ts, rp, b, { scope: 'openid profile offline_access' });
    assert.ok(tokens.refresh_token);
    const jti = decode(tokens.access_token).payload['jti'] as string;
    assert.equal((await ts.admin('/admin/users/u-alice/consents/partner', { method: 'DELETE' })).status, 204);
    assert.equal((await ts.admin('/admin/users/u-alice/consents/partner', { method: 'DELETE' })).status, 404);
    assert.equal((await ts.admin('/admin/users/nobody/consents')).status, 404);
    assert.equal((await ts.admin('/admin/users/u-alice/consents', { method: 'POST' })).status, 405);
    assert.ok((await revokedJtis(ts)).includes(jti), 'the access token is on the feed');
    const refreshed = await postForm(
      `${ts.url}/token`,
      { grant_type: 'refresh_token', refresh_token: tokens.refresh_token },
      PARTNER,
    );
    assert.equal(refreshed.body['error'], 'invalid_grant', 'even an offline refresh token ends with the consent');
    const asked = await b.fetch((await authorize(rp)).url);
    assert.equal(asked.status, 200);
    assert.match(await asked.text(), /Allow access\?/);
    const audit = (await (await ts.admin('/admin/audit?limit=100')).json()) as {
      entries: { action: string; target: string; details?: Record<string, unknown> }[];
    };
    const revoked = audit.entries.find((e) => e.action === 'consent.revoked');
    assert.deepEqual(revoked?.details, { client: 'partner', refreshTokens: 1, accessTokens: 1 });
  }));

test("a session's end: its access tokens on the feed, a logout token to the client's back channel (typ logout+jwt, sid, no nonce)", () =>
  withProvider(async (ts, rp, receiver) => {
    const b = browser();
    const tokens = await signIn(ts, rp, b);
    const refreshed = await oidc.refreshTokenGrant(rp, tokens.refresh_token!);
    const jtis = [tokens.access_token, refreshed.access_token].map((t) => decode(t).payload['jti'] as string);
    const sid = tokens.claims()!['sid'] as string;
    const out = await b.fetch(oidc.buildEndSessionUrl(rp, { id_token_hint: tokens.id_token! }).href);
    assert.equal(out.status, 200);

    const feed = await revokedJtis(ts);
    for (const jti of jtis) assert.ok(feed.includes(jti), `${jti} revoked`);
    const introspected = await postForm(`${ts.url}/introspect`, { token: refreshed.access_token }, READER);
    assert.equal(introspected.body['active'], false);

    assert.equal(receiver.tokens.length, 1);
    const logoutToken = receiver.tokens[0]!;
    const jwks = jose.createRemoteJWKSet(new URL(`${ts.url}/.well-known/jwks.json`));
    const { payload, protectedHeader } = await jose.jwtVerify(logoutToken, jwks, {
      issuer: ts.service.issuer,
      audience: PARTNER.id,
      typ: 'logout+jwt',
    });
    assert.equal(payload.sub, 'u-alice');
    assert.equal(payload['sid'], sid);
    assert.deepEqual(payload['events'], { 'http://schemas.openid.net/event/backchannel-logout': {} });
    assert.equal(payload['nonce'], undefined);
    assert.equal(typeof payload.jti, 'string');
    assert.ok(protectedHeader.kid);
    // The logout token is not an access token: this service's own verifier refuses it.
    const asAccess = await fetch(`${ts.url}/userinfo`, { headers: { authorization: `Bearer ${logoutToken}` } });
    assert.equal(asAccess.status, 401);

    // The admin ending the user's sessions tells the client too.
    await signIn(ts, rp, browser());
    assert.equal((await ts.admin('/admin/users/u-alice/sessions', { method: 'DELETE' })).status, 200);
    assert.equal(receiver.tokens.length, 2);
  }));

test('a back channel that fails is audited and the logout still completes', () =>
  withProvider(
    async (ts, rp, receiver) => {
      const b = browser();
      const tokens = await signIn(ts, rp, b);
      const out = await b.fetch(oidc.buildEndSessionUrl(rp, { id_token_hint: tokens.id_token! }).href);
      assert.equal(out.status, 200);
      assert.equal(receiver.tokens.length, 1, 'sent');
      const none = await b.fetch((await authorize(rp, { prompt: 'none' })).url);
      assert.equal(new URL(none.headers.get('location')!).searchParams.get('error'), 'login_required');
      const audit = (await (await ts.admin('/admin/audit?limit=100')).json()) as {
        entries: { action: string; target: string; details?: Record<string, unknown> }[];
      };
      const failed = audit.entries.find((e) => e.action === 'logout.backchannel.failed');
      assert.equal(failed?.target, 'partner');
      assert.equal(failed?.details?.['outcome'], 'answered 500');
    },
    { receiverStatus: 500 },
  ));
