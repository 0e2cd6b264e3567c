// Hostile input at the provider's browser endpoints (issue "People", "Tests"): open redirects,
// redirect_uri tricks, oversized and repeated parameters, wrong media types, planted cookies. Each
// is refused with a clear answer, never a 500, and nothing is stored for it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startService } from './helpers.js';

const REDIRECT = 'https://webui.example/callback';
const CHALLENGE = 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM';

test('hostile requests to /authorize, /login and /logout: refused cleanly, never a 500, nothing stored', async () => {
  const ts = await startService({
    clients: [
      {
        id: 'webui',
        public: true,
        firstParty: true,
        grantTypes: ['authorization_code'],
        redirectUris: [REDIRECT],
        audiences: ['api'],
      },
    ],
    users: [{ username: 'alice', password: 'alice-password-123' }],
  });
  try {
    const authorize = (params: Record<string, string>, extra = '') =>
      fetch(
        `${ts.url}/authorize?${new URLSearchParams({
          response_type: 'code',
          client_id: 'webui',
          redirect_uri: REDIRECT,
          scope: 'openid',
          code_challenge: CHALLENGE,
          code_challenge_method: 'S256',
          ...params,
        }).toString()}${extra}`,
        { redirect: 'manual' },
      );
    const noRedirect = [
      ['IDN look-alike host', { redirect_uri: 'https://webui.exаmple/callback' }],
      ['userinfo in front of the host', { redirect_uri: 'https://webui.example@attacker.example/callback' }],
      ['percent-encoded path', { redirect_uri: 'https://webui.example/%63allback' }],
      ['another port', { redirect_uri: 'https://webui.example:8443/callback' }],
      ['http instead of https', { redirect_uri: 'http://webui.example/callback' }],
      ['no redirect_uri', { redirect_uri: '' }],
      ['no client_id', { client_id: '' }],
      ['a control character in client_id', { client_id: 'web\nui' }],
    ] as const;
    for (const [what, params] of noRedirect) {
      const res = await authorize(params);
      assert.equal(res.status, 400, what);
      assert.equal(res.headers.get('location'), null, `${what}: no redirect`);
      assert.match(res.headers.get('content-security-policy') ?? '', /default-src 'none'/, what);
    }
    for (const [what, extra] of [
      ['state twice', '&state=a&state=b'],
      ['code_challenge twice', `&code_challenge=${CHALLENGE}`],
      ['scope twice', '&scope=openid'],
    ] as const) {
      const res = await authorize({}, extra);
      assert.ok(res.status === 400 || res.status === 303, what);
      if (res.status === 303)
        assert.equal(new URL(res.headers.get('location')!).searchParams.get('error'), 'invalid_request', what);
    }
    const long = await authorize({ state: 'x'.repeat(20_000) });
    assert.ok([400, 414, 431].includes(long.status), `an oversized request: ${long.status}`);
    const badMaxAge = await authorize({ max_age: '-5' });
    assert.equal(new URL(badMaxAge.headers.get('location')!).searchParams.get('error'), 'invalid_request');

    const login = (body: string, headers: Record<string, string> = {}) =>
      fetch(`${ts.url}/login`, {
        method: 'POST',
        redirect: 'manual',
        headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
        body,
      });
    assert.equal((await login('interaction=x&csrf=y&username=alice&password=alice-password-123')).status, 400);
    assert.equal((await login('{}', { 'content-type': 'application/json' })).status, 415);
    assert.equal((await login(`username=${'a'.repeat(200_000)}`)).status, 413);
    assert.equal((await login('username=a&username=b')).status, 400);
    assert.equal((await login('%zz=1')).status, 400);
    // Two interaction cookies (one planted beside the real one): neither is believed.
    const planted = await login('interaction=a&csrf=b', { cookie: 'tessera-interaction=a; tessera-interaction=b' });
    assert.equal(planted.status, 400);
    const logout = await fetch(`${ts.url}/logout?id_token_hint=not.a.jwt`, { redirect: 'manual' });
    assert.equal(logout.status, 400);
    const logoutRedirect = await fetch(`${ts.url}/logout?post_logout_redirect_uri=https%3A%2F%2Fattacker.example%2F`, {
      redirect: 'manual',
    });
    assert.equal(logoutRedirect.status, 400);
    assert.equal(logoutRedirect.headers.get('location'), null);
    const userinfo = await fetch(`${ts.url}/userinfo`, { headers: { authorization: 'Bearer a Bearer b' } });
    assert.ok(userinfo.status === 400 || userinfo.status === 401);
    // Nothing was stored for any of it: no session, no code.
    // (The state journal, which the store writes at start: a header, then a line per record stored or deleted.)
    const lines = readFileSync(join(ts.dataDir, 'state.jsonl'), 'utf8').trim().split('\n').slice(1);
    const stored = lines.map((line) => (JSON.parse(line) as { p?: { kind: string } }).p?.kind);
    assert.deepEqual(
      stored.filter((kind) => kind === 'session' || kind === 'code'),
      [],
    );
  } finally {
    await ts.stop();
  }
});
