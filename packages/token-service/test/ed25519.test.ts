// RFC 9864 registers `Ed25519` as a fully-specified JWS algorithm and deprecates the polymorphic
// `EdDSA`. The token service signs with either name, says so in its metadata, accepts both in
// client assertions and exchanged tokens, and its jwt-factory keys take `?alg=Ed25519`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SignJWT, createLocalJWKSet, exportJWK, generateKeyPair, jwtVerify, type JSONWebKeySet } from 'jose';
import { ACCESS_TOKEN_TYPE, EXCHANGE, decode, postForm, startService } from './helpers.js';

const A = { id: 'svc-a', secret: 'svc-a-secret-0123456789' };
const JWT_BEARER = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

test('an Ed25519 ring: metadata names it, tokens carry alg Ed25519, and an Ed25519 token is exchanged', async () => {
  const ts = await startService({
    keys: { algorithm: 'Ed25519' },
    clients: [
      {
        id: A.id,
        secret: A.secret,
        audiences: ['orders'],
        grantTypes: ['client_credentials', EXCHANGE],
        exchange: { subjectAudiences: ['orders'], targetAudiences: ['inventory'] },
      },
    ],
  });
  try {
    const meta = (await (await fetch(`${ts.url}/.well-known/oauth-authorization-server`)).json()) as Record<
      string,
      string[]
    >;
    assert.deepEqual(meta['access_token_signing_alg_values_supported'], ['Ed25519']);
    for (const name of ['Ed25519', 'EdDSA'])
      assert.ok(meta['token_endpoint_auth_signing_alg_values_supported']!.includes(name), name);

    const subject = (await postForm(`${ts.url}/token`, { grant_type: 'client_credentials' }, A)).body[
      'access_token'
    ] as string;
    assert.equal(decode(subject).header['alg'], 'Ed25519');
    const jwks = (await (await fetch(`${ts.url}/.well-known/jwks.json`)).json()) as JSONWebKeySet;
    // A verifier that knows only the deprecated name does not take the new one for it.
    await assert.rejects(jwtVerify(subject, createLocalJWKSet(jwks), { algorithms: ['EdDSA'] }), /alg/);

    const exchanged = await postForm(
      `${ts.url}/token`,
      {
        grant_type: EXCHANGE,
        subject_token: subject,
        subject_token_type: ACCESS_TOKEN_TYPE,
        actor_token: subject,
        actor_token_type: ACCESS_TOKEN_TYPE,
        audience: 'inventory',
      },
      A,
    );
    assert.equal(exchanged.status, 200, JSON.stringify(exchanged.body));
    const { protectedHeader, payload } = await jwtVerify(
      exchanged.body['access_token'] as string,
      createLocalJWKSet(jwks),
      { issuer: ts.service.issuer, audience: 'inventory', algorithms: ['Ed25519'] },
    );
    assert.equal(protectedHeader.alg, 'Ed25519');
    assert.equal(payload.sub, A.id);
  } finally {
    await ts.stop();
  }
});

test('a client whose Ed25519 key has no alg authenticates with Ed25519 and EdDSA assertions; one bound to EdDSA refuses Ed25519', async () => {
  const pair = await generateKeyPair('Ed25519', { extractable: true });
  const publicJwk = await exportJWK(pair.publicKey);
  const ts = await startService({
    clients: [
      { id: 'svc-any', jwks: { keys: [{ ...publicJwk, kid: 'k1' }] }, audiences: ['svc-b'] },
      { id: 'svc-old', jwks: { keys: [{ ...publicJwk, kid: 'k1', alg: 'EdDSA' }] }, audiences: ['svc-b'] },
    ],
    rateLimit: { enabled: false },
  });
  const request = async (client: string, alg: string) => {
    const now = Math.floor(Date.now() / 1000);
    const assertion = await new SignJWT({ jti: crypto.randomUUID() })
      .setProtectedHeader({ alg, kid: 'k1' })
      .setIssuer(client)
      .setSubject(client)
      .setAudience(ts.service.issuer)
      .setIssuedAt(now)
      .setExpirationTime(now + 60)
      .sign(pair.privateKey);
    return postForm(`${ts.url}/token`, {
      grant_type: 'client_credentials',
      client_assertion_type: JWT_BEARER,
      client_assertion: assertion,
    });
  };
  try {
    for (const alg of ['Ed25519', 'EdDSA']) {
      const r = await request('svc-any', alg);
      assert.equal(r.status, 200, `${alg}: ${JSON.stringify(r.body)}`);
    }
    assert.equal((await request('svc-old', 'EdDSA')).status, 200);
    const refused = await request('svc-old', 'Ed25519');
    assert.equal(refused.status, 401);
    assert.equal(refused.body['error'], 'invalid_client');
  } finally {
    await ts.stop();
  }
});

test('a jwt-factory key made with ?alg=Ed25519 issues Ed25519 tokens its verify accepts', async () => {
  const ts = await startService();
  try {
    const created = await ts.admin('/admin/jwt-factory/keys/servicea?alg=Ed25519');
    assert.equal(created.status, 201);
    assert.equal(((await created.json()) as { alg: string }).alg, 'Ed25519');
    const { token } = (await (
      await ts.admin('/admin/jwt-factory/issueToken/servicea', {
        method: 'POST',
        body: JSON.stringify({ aud: 'serviceb' }),
      })
    ).json()) as { token: string };
    assert.equal(decode(token).header['alg'], 'Ed25519');
    const verified = (await (
      await ts.admin('/admin/jwt-factory/verify/servicea', {
        method: 'POST',
        body: JSON.stringify({ token, aud: 'serviceb', sub: 'servicea' }),
      })
    ).json()) as { valid: boolean };
    assert.equal(verified.valid, true);
    const bad = await ts.admin('/admin/jwt-factory/keys/serviceb?alg=Ed448');
    assert.equal(bad.status, 400);
    const problem = (await bad.json()) as { code: string; detail: string };
    assert.equal(problem.code, 'ERR_ADMIN_BAD_REQUEST');
    assert.match(problem.detail, /Ed25519/);
  } finally {
    await ts.stop();
  }
});
