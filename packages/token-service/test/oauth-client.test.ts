// A real OAuth client library (oauth4webapi) runs client_credentials with all three client
// authentication methods and RFC 8693 token exchange against the running server; jose's
// createRemoteJWKSet + jwtVerify verify what it issues (issue 3, "Tests").
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as oauth from 'oauth4webapi';
import { createRemoteJWKSet, exportJWK, generateKeyPair, jwtVerify } from 'jose';
import { ACCESS_TOKEN_TYPE, EXCHANGE, decode, startService, type TestService } from './helpers.js';

let ts: TestService;
let as: oauth.AuthorizationServer;
let jwtClientKey: CryptoKey;
const insecure = { [oauth.allowInsecureRequests]: true } as const;

before(async () => {
  const pair = await generateKeyPair('ES256', { extractable: true });
  jwtClientKey = pair.privateKey;
  const publicJwk = { ...(await exportJWK(pair.publicKey)), kid: 'jwt-client-1', alg: 'ES256' };
  ts = await startService({
    clients: [
      {
        id: 'svc-a',
        secret: 'svc-a-secret-0123456789',
        audiences: ['svc-b', 'svc-c'],
        scopes: ['read', 'write'],
        introspect: true,
      },
      {
        id: 'svc-b',
        secret: 'svc-b-secret-0123456789',
        audiences: ['svc-c'],
        scopes: ['read'],
        grantTypes: ['client_credentials', EXCHANGE],
        exchange: { targetAudiences: ['svc-c'] },
      },
      { id: 'svc-jwt', jwks: { keys: [publicJwk] }, audiences: ['svc-b'], scopes: ['read'] },
    ],
  });
  const issuer = new URL(ts.service.issuer);
  as = await oauth.processDiscoveryResponse(
    issuer,
    await oauth.discoveryRequest(issuer, { algorithm: 'oauth2', ...insecure }),
  );
});
after(() => ts.stop());

async function verify(token: string, audience: string) {
  const jwks = createRemoteJWKSet(new URL(as.jwks_uri!), insecure as never);
  return jwtVerify(token, jwks, { issuer: as.issuer, audience, typ: 'at+jwt' });
}

test('discovery: both well-known documents name the endpoints, grants and auth methods', async () => {
  assert.equal(as.issuer, ts.service.issuer);
  assert.equal(as.token_endpoint, `${ts.url}/token`);
  assert.deepEqual(as.token_endpoint_auth_methods_supported, [
    'client_secret_basic',
    'client_secret_post',
    'private_key_jwt',
    'none',
  ]);
  assert.equal(as.authorization_endpoint, `${ts.url}/authorize`);
  assert.deepEqual(as.code_challenge_methods_supported, ['S256']);
  assert.deepEqual(as.response_types_supported, ['code']);
  assert.equal(as.authorization_response_iss_parameter_supported, true);
  assert.ok(as.grant_types_supported?.includes('client_credentials'));
  assert.ok(as.grant_types_supported?.includes(EXCHANGE));
  assert.ok(!as.grant_types_supported?.includes('password'), 'password grant is off by default');
  const oidc: unknown = await (await fetch(`${ts.url}/.well-known/openid-configuration`)).json();
  assert.deepEqual(oidc, JSON.parse(JSON.stringify(as)));
  const jwks = await fetch(as.jwks_uri!);
  assert.equal(jwks.headers.get('cache-control'), 'public, max-age=300');
  const { keys } = (await jwks.json()) as { keys: Record<string, unknown>[] };
  assert.equal(keys.length, 1);
  assert.equal(keys[0]!['alg'], 'RS256');
  assert.equal(keys[0]!['d'], undefined, 'no private member is published');
});

test('client_credentials with client_secret_basic, client_secret_post and private_key_jwt; jose verifies the tokens', async () => {
  const cases: [string, oauth.ClientAuth, string][] = [
    ['svc-a', oauth.ClientSecretBasic('svc-a-secret-0123456789'), 'svc-b'],
    ['svc-a', oauth.ClientSecretPost('svc-a-secret-0123456789'), 'svc-c'],
    ['svc-jwt', oauth.PrivateKeyJwt({ key: jwtClientKey, kid: 'jwt-client-1' }), 'svc-b'],
  ];
  for (const [clientId, auth, audience] of cases) {
    const client: oauth.Client = { client_id: clientId };
    const response = await oauth.clientCredentialsGrantRequest(as, client, auth, { audience, scope: 'read' }, insecure);
    assert.equal(response.headers.get('cache-control'), 'no-store');
    const result = await oauth.processClientCredentialsResponse(as, client, response);
    assert.equal(result.token_type, 'bearer');
    assert.equal(result.expires_in, 300);
    assert.equal(result.scope, 'read');
    const { payload, protectedHeader } = await verify(result.access_token, audience);
    assert.equal(protectedHeader.typ, 'at+jwt');
    assert.equal(typeof protectedHeader.kid, 'string');
    assert.equal(payload.sub, clientId);
    assert.equal(payload['client_id'], clientId);
    assert.equal(payload.aud, audience, 'one audience, as a string');
    assert.equal(payload.scope, 'read');
    assert.equal(payload.exp! - payload.iat!, 300);
    assert.match(payload.jti!, /^[0-9a-f-]{36}$/);
  }
});

test('private_key_jwt: a replayed client assertion is rejected (RFC 7523 §3)', async () => {
  let assertion = '';
  const capture: oauth.ClientAuth = async (as2, client, body, headers) => {
    await oauth.PrivateKeyJwt({ key: jwtClientKey, kid: 'jwt-client-1' })(as2, client, body, headers);
    assertion = body.get('client_assertion')!;
  };
  const client: oauth.Client = { client_id: 'svc-jwt' };
  await oauth.processClientCredentialsResponse(
    as,
    client,
    await oauth.clientCredentialsGrantRequest(as, client, capture, {}, insecure),
  );
  const replay: oauth.ClientAuth = (_as, _client, body) => {
    body.set('client_id', 'svc-jwt');
    body.set('client_assertion_type', 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer');
    body.set('client_assertion', assertion);
  };
  const response = await oauth.clientCredentialsGrantRequest(as, client, replay, {}, insecure);
  await assert.rejects(oauth.processClientCredentialsResponse(as, client, response), (e: unknown) => {
    assert.ok(e instanceof oauth.ResponseBodyError);
    assert.equal(e.error, 'invalid_client');
    assert.equal(e.status, 401);
    return true;
  });
});

test('token exchange: delegation records act, scope narrows, exp never beyond the subject token, audience rules hold', async () => {
  const a: oauth.Client = { client_id: 'svc-a' };
  const b: oauth.Client = { client_id: 'svc-b' };
  const aAuth = oauth.ClientSecretBasic('svc-a-secret-0123456789');
  const bAuth = oauth.ClientSecretBasic('svc-b-secret-0123456789');
  const subject = await oauth.processClientCredentialsResponse(
    as,
    a,
    await oauth.clientCredentialsGrantRequest(as, a, aAuth, { audience: 'svc-b', scope: 'read write' }, insecure),
  );
  const actor = await oauth.processClientCredentialsResponse(
    as,
    b,
    await oauth.clientCredentialsGrantRequest(as, b, bAuth, {}, insecure),
  );
  const response = await oauth.genericTokenEndpointRequest(
    as,
    b,
    bAuth,
    EXCHANGE,
    {
      subject_token: subject.access_token,
      subject_token_type: ACCESS_TOKEN_TYPE,
      actor_token: actor.access_token,
      actor_token_type: ACCESS_TOKEN_TYPE,
      audience: 'svc-c',
      scope: 'read',
    },
    insecure,
  );
  const exchanged = await oauth.processGenericTokenEndpointResponse(as, b, response);
  assert.equal(exchanged['issued_token_type'], ACCESS_TOKEN_TYPE);
  assert.equal(exchanged.scope, 'read');
  const { payload } = await verify(exchanged.access_token, 'svc-c');
  assert.equal(payload.sub, 'svc-a');
  assert.equal(payload['client_id'], 'svc-b');
  assert.deepEqual(payload['act'], { sub: 'svc-b' });
  assert.ok(payload.exp! <= (decode(subject.access_token).payload['exp'] as number));

  // svc-b may only exchange subject tokens addressed to it; the first result is for svc-c.
  const again = await oauth
    .processGenericTokenEndpointResponse(
      as,
      b,
      await oauth.genericTokenEndpointRequest(
        as,
        b,
        bAuth,
        EXCHANGE,
        {
          subject_token: exchanged.access_token,
          subject_token_type: ACCESS_TOKEN_TYPE,
          actor_token: actor.access_token,
          actor_token_type: ACCESS_TOKEN_TYPE,
          audience: 'svc-c',
        },
        insecure,
      ),
    )
    .catch((e: unknown) => e);
  assert.ok(again instanceof oauth.ResponseBodyError && again.error === 'invalid_request');

  // Widening the scope is refused.
  const wider = await oauth.genericTokenEndpointRequest(
    as,
    b,
    bAuth,
    EXCHANGE,
    {
      subject_token: subject.access_token,
      subject_token_type: ACCESS_TOKEN_TYPE,
      actor_token: actor.access_token,
      actor_token_type: ACCESS_TOKEN_TYPE,
      audience: 'svc-c',
      scope: 'read admin',
    },
    insecure,
  );
  await assert.rejects(
    oauth.processGenericTokenEndpointResponse(as, b, wider),
    (e: unknown) => e instanceof oauth.ResponseBodyError && e.error === 'invalid_scope',
  );
});

test('introspection and revocation through the client library', async () => {
  const a: oauth.Client = { client_id: 'svc-a' };
  const auth = oauth.ClientSecretPost('svc-a-secret-0123456789');
  const { access_token } = await oauth.processClientCredentialsResponse(
    as,
    a,
    await oauth.clientCredentialsGrantRequest(as, a, auth, {}, insecure),
  );
  const active = await oauth.processIntrospectionResponse(
    as,
    a,
    await oauth.introspectionRequest(as, a, auth, access_token, insecure),
  );
  assert.equal(active.active, true);
  assert.equal(active.sub, 'svc-a');
  assert.equal(active.client_id, 'svc-a');
  await oauth.processRevocationResponse(await oauth.revocationRequest(as, a, auth, access_token, insecure));
  const inactive = await oauth.processIntrospectionResponse(
    as,
    a,
    await oauth.introspectionRequest(as, a, auth, access_token, insecure),
  );
  assert.deepEqual(inactive, { active: false });
  // Revoking an unknown token is still 200 (RFC 7009 §2.2).
  await oauth.processRevocationResponse(await oauth.revocationRequest(as, a, auth, 'not-a-token', insecure));
});
