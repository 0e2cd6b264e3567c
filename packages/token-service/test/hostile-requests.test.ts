// Every malformed or hostile request answers the exact RFC error (RFC 6749 §5.2, RFC 8693 §2.2.2,
// RFC 7523, RFC 7009) and changes nothing stored: clients, keys, revocations and the audit log are
// compared before and after each one (issue 3, "Tests").
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { SignJWT, exportJWK, generateKeyPair } from 'jose';
import { ACCESS_TOKEN_TYPE, EXCHANGE, postForm, startService, type TestService } from './helpers.js';

let ts: TestService;
let token: string;
let clientKey: CryptoKey;
let otherKey: CryptoKey;
const A = { id: 'svc-a', secret: 'svc-a-secret-0123456789' };
const B = { id: 'svc-b', secret: 'svc-b-secret-0123456789' };

before(async () => {
  const pair = await generateKeyPair('ES256', { extractable: true });
  clientKey = pair.privateKey;
  otherKey = (await generateKeyPair('ES256')).privateKey;
  ts = await startService({
    clients: [
      { id: 'svc-a', secret: A.secret, audiences: ['svc-b'], scopes: ['read', 'write'], introspect: true },
      {
        id: 'svc-b',
        secret: B.secret,
        audiences: ['svc-c'],
        scopes: ['read'],
        grantTypes: ['client_credentials', EXCHANGE],
        exchange: { targetAudiences: ['svc-c'] },
      },
      {
        id: 'svc-jwt',
        jwks: { keys: [{ ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'ES256' }] },
        audiences: ['svc-b'],
      },
      { id: 'svc-off', secret: 'svc-off-secret-0123456789', audiences: ['svc-b'], enabled: false },
    ],
    rateLimit: { enabled: false },
  });
  const issued = await postForm(`${ts.url}/token`, { grant_type: 'client_credentials', audience: 'svc-b' }, A);
  token = issued.body['access_token'] as string;
});
after(() => ts.stop());

async function snapshot(): Promise<string> {
  const s = ts.service.storage;
  return JSON.stringify({
    clients: await s.clients.list(),
    keys: (await s.keys.list()).map((k) => ({ ...k, privateJwk: undefined })),
    audit: (await s.audit.list({ limit: 1000 })).length,
    revocations: await s.revocations.listSince(''),
  });
}

/** Sends raw HTTP/1.1 (for what fetch refuses to send: duplicate Authorization headers). */
function raw(head: string[], body: string): Promise<{ status: number; text: string }> {
  const { port } = new URL(ts.url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), '127.0.0.1', () => {
      socket.end([...head, `content-length: ${Buffer.byteLength(body)}`, 'connection: close', '', body].join('\r\n'));
    });
    let data = '';
    socket.on('data', (chunk: Buffer) => (data += chunk.toString()));
    socket.on('end', () =>
      resolve({ status: Number(data.split(' ')[1]), text: data.slice(data.indexOf('\r\n\r\n') + 4) }),
    );
    socket.on('error', reject);
  });
}

async function assertion(claims: Record<string, unknown>, key = clientKey, lifetime = 60): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ jti: crypto.randomUUID(), ...claims })
    .setProtectedHeader({ alg: 'ES256', kid: 'k1' })
    .setIssuedAt(now)
    .setExpirationTime(now + lifetime)
    .sign(key);
}

interface Case {
  readonly name: string;
  readonly send: () => Promise<{ status: number; headers?: Headers; body: Record<string, unknown> }>;
  readonly status: number;
  readonly error: string;
  readonly basicChallenge?: boolean;
}

const tokenUrl = () => `${ts.url}/token`;
const cc = { grant_type: 'client_credentials' };

const cases: Case[] = [
  {
    name: 'JSON body instead of a form',
    status: 400,
    error: 'invalid_request',
    send: async () => {
      const r = await fetch(tokenUrl(), {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"grant_type":"client_credentials"}',
      });
      return { status: r.status, headers: r.headers, body: (await r.json()) as Record<string, unknown> };
    },
  },
  {
    name: 'repeated parameter',
    status: 400,
    error: 'invalid_request',
    send: () => postForm(tokenUrl(), 'grant_type=client_credentials&grant_type=client_credentials', A),
  },
  {
    name: 'repeated scope',
    status: 400,
    error: 'invalid_request',
    send: () => postForm(tokenUrl(), 'grant_type=client_credentials&scope=read&scope=write', A),
  },
  {
    name: 'missing grant_type',
    status: 400,
    error: 'invalid_request',
    send: () => postForm(tokenUrl(), { scope: 'read' }, A),
  },
  {
    name: 'unknown grant_type',
    status: 400,
    error: 'unsupported_grant_type',
    send: () =>
      postForm(tokenUrl(), { grant_type: 'urn:ietf:params:oauth:grant-type:device_code', device_code: 'x' }, A),
  },
  {
    name: 'password grant while disabled',
    status: 400,
    error: 'unsupported_grant_type',
    send: () => postForm(tokenUrl(), { grant_type: 'password', username: 'u', password: 'p' }, A),
  },
  {
    name: 'malformed percent-encoding',
    status: 400,
    error: 'invalid_request',
    send: () => postForm(tokenUrl(), 'grant_type=client_credentials&scope=%zz', A),
  },
  {
    name: 'credentials in the query string',
    status: 400,
    error: 'invalid_request',
    send: () => postForm(`${tokenUrl()}?client_id=svc-a&client_secret=${A.secret}`, cc),
  },
  {
    name: 'body over the limit',
    status: 413,
    error: 'invalid_request',
    send: () => postForm(tokenUrl(), `grant_type=client_credentials&x=${'a'.repeat(70_000)}`, A),
  },
  {
    name: 'Basic with a wrong secret',
    status: 401,
    error: 'invalid_client',
    basicChallenge: true,
    send: () => postForm(tokenUrl(), cc, { id: 'svc-a', secret: 'wrong-secret-0123456789' }),
  },
  {
    name: 'Basic with an unknown client',
    status: 401,
    error: 'invalid_client',
    basicChallenge: true,
    send: () => postForm(tokenUrl(), cc, { id: 'nobody', secret: A.secret }),
  },
  {
    name: 'Basic without a colon',
    status: 401,
    error: 'invalid_client',
    basicChallenge: true,
    send: () =>
      postForm(tokenUrl(), cc, undefined, { authorization: 'Basic ' + Buffer.from('svc-a').toString('base64') }),
  },
  {
    name: 'disabled client',
    status: 401,
    error: 'invalid_client',
    basicChallenge: true,
    send: () => postForm(tokenUrl(), cc, { id: 'svc-off', secret: 'svc-off-secret-0123456789' }),
  },
  {
    name: 'client_secret_post with a wrong secret',
    status: 401,
    error: 'invalid_client',
    send: () => postForm(tokenUrl(), { ...cc, client_id: 'svc-a', client_secret: 'nope-nope-nope-nope' }),
  },
  {
    name: 'no client authentication',
    status: 401,
    error: 'invalid_client',
    send: () => postForm(tokenUrl(), { ...cc, client_id: 'svc-a' }),
  },
  {
    name: 'Bearer instead of client authentication',
    status: 401,
    error: 'invalid_client',
    send: () => postForm(tokenUrl(), cc, undefined, { authorization: `Bearer ${'x'.repeat(20)}` }),
  },
  {
    name: 'two authentication methods',
    status: 400,
    error: 'invalid_request',
    send: () => postForm(tokenUrl(), { ...cc, client_id: 'svc-a', client_secret: A.secret }, A),
  },
  {
    name: 'two Authorization headers',
    status: 400,
    error: 'invalid_request',
    send: async () => {
      const basic = 'Basic ' + Buffer.from(`svc-a:${A.secret}`).toString('base64');
      const r = await raw(
        [
          'POST /token HTTP/1.1',
          'host: 127.0.0.1',
          'content-type: application/x-www-form-urlencoded',
          `authorization: ${basic}`,
          `authorization: ${basic}`,
        ],
        'grant_type=client_credentials',
      );
      return { status: r.status, body: JSON.parse(r.text) as Record<string, unknown> };
    },
  },
  {
    name: 'scope beyond the client',
    status: 400,
    error: 'invalid_scope',
    send: () => postForm(tokenUrl(), { ...cc, scope: 'read admin' }, A),
  },
  {
    name: 'malformed scope',
    status: 400,
    error: 'invalid_scope',
    send: () => postForm(tokenUrl(), { ...cc, scope: 'read "x"' }, A),
  },
  {
    name: 'audience not allowed',
    status: 400,
    error: 'invalid_target',
    send: () => postForm(tokenUrl(), { ...cc, audience: 'svc-z' }, A),
  },
  {
    name: 'audience and a different resource',
    status: 400,
    error: 'invalid_target',
    send: () => postForm(tokenUrl(), { ...cc, audience: 'svc-b', resource: 'https://svc-b/' }, A),
  },
  {
    name: 'grant type not allowed for the client',
    status: 400,
    error: 'unauthorized_client',
    send: () =>
      postForm(
        tokenUrl(),
        { grant_type: EXCHANGE, subject_token: token, subject_token_type: ACCESS_TOKEN_TYPE, audience: 'svc-c' },
        A,
      ),
  },
  {
    name: 'exchange without subject_token',
    status: 400,
    error: 'invalid_request',
    send: () =>
      postForm(tokenUrl(), { grant_type: EXCHANGE, subject_token_type: ACCESS_TOKEN_TYPE, audience: 'svc-c' }, B),
  },
  {
    name: 'exchange with a garbage subject_token',
    status: 400,
    error: 'invalid_request',
    send: () =>
      postForm(
        tokenUrl(),
        { grant_type: EXCHANGE, subject_token: 'a.b.c', subject_token_type: ACCESS_TOKEN_TYPE, audience: 'svc-c' },
        B,
      ),
  },
  {
    name: 'exchange with an alg:none subject_token',
    status: 400,
    error: 'invalid_request',
    send: () => {
      const [, payload] = token.split('.');
      const none = `${Buffer.from('{"alg":"none","typ":"at+jwt"}').toString('base64url')}.${payload}.`;
      return postForm(
        tokenUrl(),
        { grant_type: EXCHANGE, subject_token: none, subject_token_type: ACCESS_TOKEN_TYPE, audience: 'svc-c' },
        B,
      );
    },
  },
  {
    name: 'exchange with a re-signed (tampered) subject_token',
    status: 400,
    error: 'invalid_request',
    send: () => {
      const [h, p, s] = token.split('.');
      const claims = JSON.parse(Buffer.from(p!, 'base64url').toString()) as Record<string, unknown>;
      const forged = `${h}.${Buffer.from(JSON.stringify({ ...claims, scope: 'read write admin' })).toString('base64url')}.${s}`;
      return postForm(
        tokenUrl(),
        { grant_type: EXCHANGE, subject_token: forged, subject_token_type: ACCESS_TOKEN_TYPE, audience: 'svc-c' },
        B,
      );
    },
  },
  {
    name: 'exchange with an unsupported subject_token_type',
    status: 400,
    error: 'invalid_request',
    send: () =>
      postForm(
        tokenUrl(),
        {
          grant_type: EXCHANGE,
          subject_token: token,
          subject_token_type: 'urn:ietf:params:oauth:token-type:saml2',
          audience: 'svc-c',
        },
        B,
      ),
  },
  {
    name: 'exchange with actor_token but no actor_token_type',
    status: 400,
    error: 'invalid_request',
    send: () =>
      postForm(
        tokenUrl(),
        {
          grant_type: EXCHANGE,
          subject_token: token,
          subject_token_type: ACCESS_TOKEN_TYPE,
          actor_token: token,
          audience: 'svc-c',
        },
        B,
      ),
  },
  {
    name: 'impersonation where it is not allowed',
    status: 400,
    error: 'invalid_request',
    send: () =>
      postForm(
        tokenUrl(),
        { grant_type: EXCHANGE, subject_token: token, subject_token_type: ACCESS_TOKEN_TYPE, audience: 'svc-c' },
        B,
      ),
  },
  {
    name: 'actor_token of another client',
    status: 400,
    error: 'invalid_request',
    send: () =>
      postForm(
        tokenUrl(),
        {
          grant_type: EXCHANGE,
          subject_token: token,
          subject_token_type: ACCESS_TOKEN_TYPE,
          actor_token: token,
          actor_token_type: ACCESS_TOKEN_TYPE,
          audience: 'svc-c',
        },
        B,
      ),
  },
  {
    name: 'exchange into an audience not allowed',
    status: 400,
    error: 'invalid_target',
    send: () =>
      postForm(
        tokenUrl(),
        { grant_type: EXCHANGE, subject_token: token, subject_token_type: ACCESS_TOKEN_TYPE, audience: 'svc-z' },
        B,
      ),
  },
  {
    name: 'client assertion for another audience',
    status: 401,
    error: 'invalid_client',
    send: async () =>
      postForm(tokenUrl(), {
        ...cc,
        client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
        client_assertion: await assertion({ iss: 'svc-jwt', sub: 'svc-jwt', aud: 'https://elsewhere.example' }),
      }),
  },
  {
    name: 'client assertion living too long',
    status: 401,
    error: 'invalid_client',
    send: async () =>
      postForm(tokenUrl(), {
        ...cc,
        client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
        client_assertion: await assertion({ iss: 'svc-jwt', sub: 'svc-jwt', aud: ts.service.issuer }, clientKey, 3600),
      }),
  },
  {
    name: 'client assertion signed by another key',
    status: 401,
    error: 'invalid_client',
    send: async () =>
      postForm(tokenUrl(), {
        ...cc,
        client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
        client_assertion: await assertion({ iss: 'svc-jwt', sub: 'svc-jwt', aud: ts.service.issuer }, otherKey),
      }),
  },
  {
    name: 'client assertion with iss ≠ sub',
    status: 401,
    error: 'invalid_client',
    send: async () =>
      postForm(tokenUrl(), {
        ...cc,
        client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
        client_assertion: await assertion({ iss: 'svc-a', sub: 'svc-jwt', aud: ts.service.issuer }),
      }),
  },
  {
    name: 'unknown client_assertion_type',
    status: 401,
    error: 'invalid_client',
    send: async () => postForm(tokenUrl(), { ...cc, client_assertion_type: 'urn:example:saml', client_assertion: 'x' }),
  },
  {
    name: 'introspection without client authentication',
    status: 401,
    error: 'invalid_client',
    send: () => postForm(`${ts.url}/introspect`, { token }),
  },
  {
    name: "revocation of another client's token",
    status: 400,
    error: 'unauthorized_client',
    send: () => postForm(`${ts.url}/revoke`, { token }, B),
  },
];

for (const c of cases) {
  test(`hostile: ${c.name} → ${c.status} ${c.error}, nothing stored changes`, async () => {
    const before = await snapshot();
    const answer = await c.send();
    assert.equal(answer.status, c.status);
    assert.equal(answer.body['error'], c.error);
    assert.deepEqual(
      Object.keys(answer.body).filter((k) => k !== 'error' && k !== 'error_description'),
      [],
    );
    if (answer.headers !== undefined) {
      assert.equal(answer.headers.get('cache-control'), 'no-store');
      const challenge = answer.headers.get('www-authenticate');
      if (c.basicChallenge) assert.match(challenge ?? '', /^Basic realm="/);
      else assert.equal(challenge, null);
    }
    assert.equal(await snapshot(), before);
  });
}

test('the token survives every attempt: still active afterwards', async () => {
  const r = await postForm(`${ts.url}/introspect`, { token }, A);
  assert.equal(r.body['active'], true);
});

test('a client cannot inject act: form parameters never reach the claims', async () => {
  const r = await postForm(
    tokenUrl(),
    { ...cc, act: '{"sub":"root"}', sub: 'root', client_id: 'svc-a', iss: 'https://evil' },
    A,
  );
  assert.equal(r.status, 200);
  const claims = JSON.parse(
    Buffer.from((r.body['access_token'] as string).split('.')[1]!, 'base64url').toString(),
  ) as Record<string, unknown>;
  assert.equal(claims.act, undefined);
  assert.equal(claims.sub, 'svc-a');
  assert.equal(claims.iss, ts.service.issuer);
});
