// private_key_jwt (RFC 7523 as updated by draft-ietf-oauth-rfc7523bis): a client assertion's `aud`
// must be this server's issuer identifier as a single string. The token endpoint URL, or an array
// (even one containing the issuer), is refused with invalid_client; `typ: client-authentication+jwt`
// is accepted but not required (hardening issue, task 3).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { SignJWT, exportJWK, generateKeyPair } from 'jose';
import { postForm, startService, type TestService } from './helpers.js';

const JWT_BEARER = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
let ts: TestService;
let key: CryptoKey;

before(async () => {
  const pair = await generateKeyPair('ES256', { extractable: true });
  key = pair.privateKey;
  ts = await startService({
    clients: [
      {
        id: 'svc-jwt',
        jwks: { keys: [{ ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'ES256' }] },
        audiences: ['svc-b'],
      },
    ],
    rateLimit: { enabled: false },
  });
});
after(() => ts.stop());

async function assertion(aud: unknown, typ?: string): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ jti: crypto.randomUUID(), iss: 'svc-jwt', sub: 'svc-jwt', aud: aud as string })
    .setProtectedHeader({ alg: 'ES256', kid: 'k1', ...(typ === undefined ? {} : { typ }) })
    .setIssuedAt(now)
    .setExpirationTime(now + 60)
    .sign(key);
}

const requestToken = async (aud: unknown, typ?: string) =>
  postForm(`${ts.url}/token`, {
    grant_type: 'client_credentials',
    client_assertion_type: JWT_BEARER,
    client_assertion: await assertion(aud, typ),
  });

const refused = [
  { name: 'an array holding only the issuer', aud: () => [ts.service.issuer] },
  { name: 'an array holding the issuer and another audience', aud: () => [ts.service.issuer, 'https://other.example'] },
  { name: 'the token endpoint URL', aud: () => `${ts.url}/token` },
  { name: 'an array holding the issuer and the token endpoint URL', aud: () => [ts.service.issuer, `${ts.url}/token`] },
  { name: 'another server', aud: () => 'https://other.example' },
];

for (const c of refused) {
  for (const typ of [undefined, 'client-authentication+jwt']) {
    test(`client assertion with aud = ${c.name} (typ ${typ ?? 'absent'}) → 401 invalid_client`, async () => {
      const r = await requestToken(c.aud(), typ);
      assert.equal(r.status, 401);
      assert.equal(r.body['error'], 'invalid_client');
      assert.equal(r.body['access_token'], undefined);
    });
  }
}

for (const typ of [undefined, 'client-authentication+jwt', 'application/client-authentication+jwt', 'JWT']) {
  test(`client assertion with aud = the issuer string (typ ${typ ?? 'absent'}) → token issued`, async () => {
    const r = await requestToken(ts.service.issuer, typ);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(typeof r.body['access_token'], 'string');
  });
}

test('a client assertion typed for something else (typ at+jwt) → 401 invalid_client', async () => {
  const r = await requestToken(ts.service.issuer, 'at+jwt');
  assert.equal(r.status, 401);
  assert.equal(r.body['error'], 'invalid_client');
});

test('the discovery document names the issuer the assertion must use as its audience', async () => {
  const meta = (await (await fetch(`${ts.url}/.well-known/oauth-authorization-server`)).json()) as Record<
    string,
    unknown
  >;
  assert.equal(meta['issuer'], ts.service.issuer);
  assert.ok((meta['token_endpoint_auth_methods_supported'] as string[]).includes('private_key_jwt'));
});
