// RequestAuthentication with real tokens signed by the JOSE core, against inline JWKS and a real
// JWKS / discovery server on 127.0.0.1.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  compilePolicies,
  createLocalJwks,
  generateKey,
  isTesseraError,
  parsePolicies,
  signJwt,
  type CompilePoliciesOptions,
  type GeneratedKey,
  type Jwks,
  type PolicyRequest,
  type PolicySet,
  type TesseraErrorCode,
} from '@tessera/core';

const NOW = Date.UTC(2026, 0, 1);
const clock = () => NOW;
const ISSUER = 'https://idp.example';
const keyA = generateKey('ES256');
const keyB = generateKey('RS256');
const jwksOf = (...keys: GeneratedKey[]) => JSON.stringify({ keys: keys.map((k) => k.publicJwk) });

/** A token signed now, or an hour ago when `expired` (so its 5 minutes are over). */
function token(claims: Record<string, unknown>, key: GeneratedKey = keyA, expired = false): string {
  return signJwt({ iss: ISSUER, sub: 'alice', ...claims }, key.signingKey, {
    expiresIn: '5m',
    clock: expired ? () => NOW - 3_600_000 : clock,
  });
}

function request(over: Partial<PolicyRequest> = {}): PolicyRequest {
  return { method: 'GET', host: 'api.example', path: '/', port: 80, headers: {}, ...over };
}

function setOf(yaml: string, options: CompilePoliciesOptions = {}): PolicySet {
  return compilePolicies(parsePolicies(yaml).documents, { clock, ...options });
}

async function rejects(promise: Promise<unknown>, code: TesseraErrorCode, message?: RegExp): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(
      isTesseraError(error, code),
      `expected ${code}, got ${String((error as Error)?.message)} (${(error as { code?: string })?.code})`,
    );
    if (message) assert.match((error as Error).message, message);
    return true;
  });
}

const basic = (extra = '') => `
apiVersion: security.istio.io/v1
kind: RequestAuthentication
metadata: { name: jwt, namespace: default }
spec:
  jwtRules:
  - issuer: ${ISSUER}
    jwks: '${jwksOf(keyA)}'
${extra}
---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: { name: require-principal, namespace: default }
spec:
  rules:
  - from: [{ source: { requestPrincipals: ["${ISSUER}/*"] } }]
`;

test('a valid bearer token gives the identity, which AuthorizationPolicy matches', async () => {
  const set = setOf(basic('    audiences: [orders, billing]'));
  const t = token({ aud: ['billing'], azp: 'web', groups: ['a'] });
  const identity = await set.authenticate(request({ headers: { authorization: `Bearer ${t}` } }));
  assert.ok(identity);
  assert.equal(identity.requestPrincipal, `${ISSUER}/alice`);
  assert.equal(identity.issuer, ISSUER);
  assert.equal(identity.subject, 'alice');
  assert.deepEqual(identity.audiences, ['billing']);
  assert.equal(identity.presenter, 'web');
  assert.deepEqual(identity.claims.groups, ['a']);
  assert.deepEqual(identity.rule, { policy: 'default/jwt', index: 0, issuer: ISSUER });
  assert.deepEqual(identity.tokenLocation, { kind: 'header', name: 'authorization', prefix: 'Bearer ' });
  assert.equal(identity.forwardOriginalToken, false);
  assert.deepEqual(identity.headersToAdd, []);
  assert.equal(set.authorize(request(), identity).allowed, true);
  // The scheme is case-insensitive (RFC 7235 §2.1).
  assert.ok(await set.authenticate(request({ headers: { authorization: `bearer ${t}` } })));
});

test('no token: no identity, and the AuthorizationPolicy decides (Istio)', async () => {
  const set = setOf(basic());
  assert.equal(await set.authenticate(request()), undefined);
  assert.equal(await set.authenticate(request({ headers: { authorization: 'Basic dXNlcjpwYXNz' } })), undefined);
  const decision = set.authorize(request(), undefined);
  assert.equal(decision.allowed, false);
  assert.equal(decision.reason, 'no-allow-matched');
});

test('a present but invalid token is rejected with a stable code', async () => {
  const set = setOf(basic('    audiences: [orders]'));
  const auth = (t: string) => set.authenticate(request({ headers: { authorization: `Bearer ${t}` } }));
  await rejects(auth(token({ aud: 'orders' }, keyA, true)), 'ERR_JWT_EXPIRED');
  await rejects(auth(token({ aud: 'orders' }, keyB)), 'ERR_JWKS_NO_MATCHING_KEY');
  await rejects(auth(token({ aud: 'inventory' })), 'ERR_JWT_AUDIENCE_INVALID');
  await rejects(
    auth(token({ aud: 'orders', iss: 'https://evil.example' })),
    'ERR_JWT_ISSUER_INVALID',
    /Jwt issuer is not configured/,
  );
  await rejects(auth('not.a.jwt'), 'ERR_JWT_MALFORMED');
  const good = token({ aud: 'orders' });
  await rejects(auth(good.slice(0, -4) + (good.endsWith('AAAA') ? 'BBBB' : 'AAAA')), 'ERR_JWT_SIGNATURE_INVALID');
  // node:http joins duplicate custom headers with ", ": never a token.
  await rejects(auth(`${good}, Bearer ${good}`), 'ERR_JWT_MALFORMED');
});

test('default locations: Authorization Bearer and access_token; two different tokens conflict', async () => {
  const set = setOf(basic());
  const t1 = token({});
  const t2 = token({ sub: 'bob' });
  const viaQuery = await set.authenticate(request({ query: `x=1&access_token=${t1}` }));
  assert.deepEqual(viaQuery?.tokenLocation, { kind: 'param', name: 'access_token' });
  assert.equal(
    (await set.authenticate(request({ headers: { authorization: `Bearer ${t1}` }, query: `access_token=${t1}` })))
      ?.subject,
    'alice',
  );
  await rejects(
    set.authenticate(request({ headers: { authorization: `Bearer ${t1}` }, query: `access_token=${t2}` })),
    'ERR_AUTH_CREDENTIALS_CONFLICT',
  );
  await rejects(
    set.authenticate(request({ query: `access_token=${t1}&access_token=${t2}` })),
    'ERR_AUTH_CREDENTIALS_CONFLICT',
  );
});

test('fromHeaders (with prefix), fromParams and fromCookies replace the default locations', async () => {
  const set = setOf(
    basic(`    fromHeaders:
    - X-Jwt-Assertion
    - name: X-Auth
      prefix: "Token "
    fromParams: [jwt]
    fromCookies: [session]`),
  );
  const t = token({});
  const at = async (over: Partial<PolicyRequest>) => (await set.authenticate(request(over)))?.tokenLocation;
  assert.deepEqual(await at({ headers: { 'x-jwt-assertion': t } }), {
    kind: 'header',
    name: 'x-jwt-assertion',
    prefix: '',
  });
  assert.deepEqual(await at({ headers: { 'x-auth': `Token ${t}` } }), {
    kind: 'header',
    name: 'x-auth',
    prefix: 'Token ',
  });
  assert.equal(await at({ headers: { 'x-auth': t } }), undefined, 'without its prefix the header holds no token');
  assert.deepEqual(await at({ query: `jwt=${t}` }), { kind: 'param', name: 'jwt' });
  assert.deepEqual(await at({ headers: { cookie: `theme=dark; session=${t}` } }), { kind: 'cookie', name: 'session' });
  assert.equal(
    await at({ headers: { authorization: `Bearer ${t}` } }),
    undefined,
    'Authorization is not read any more',
  );
  assert.equal(await at({ query: `access_token=${t}` }), undefined);
});

test('several rules: a token valid for any rule of its issuer is accepted; issuers are bound to their keys', async () => {
  const set = setOf(`
apiVersion: security.istio.io/v1
kind: RequestAuthentication
metadata: { name: a, namespace: default }
spec:
  jwtRules:
  - issuer: ${ISSUER}
    audiences: [orders]
    jwks: '${jwksOf(keyA)}'
  - issuer: ${ISSUER}
    audiences: [billing]
    jwks: '${jwksOf(keyA)}'
    forwardOriginalToken: true
---
apiVersion: security.istio.io/v1
kind: RequestAuthentication
metadata: { name: b, namespace: istio-system }
spec:
  jwtRules:
  - issuer: https://other.example
    jwks: '${jwksOf(keyB)}'
`);
  const auth = (t: string) => set.authenticate(request({ headers: { authorization: `Bearer ${t}` } }));
  const second = await auth(token({ aud: 'billing' }));
  assert.deepEqual(second?.rule, { policy: 'default/a', index: 1, issuer: ISSUER });
  assert.equal(second?.forwardOriginalToken, true);
  const other = await auth(token({ iss: 'https://other.example' }, keyB));
  assert.equal(other?.requestPrincipal, 'https://other.example/alice');
  await rejects(auth(token({ aud: 'none' })), 'ERR_JWT_AUDIENCE_INVALID');
  // Key B never verifies a token claiming the first issuer, nor key A the other one.
  await rejects(auth(token({ aud: 'orders' }, keyB)), 'ERR_JWKS_NO_MATCHING_KEY');
  await rejects(auth(token({ iss: 'https://other.example' }, keyA)), 'ERR_JWKS_NO_MATCHING_KEY');
});

test('outputPayloadToHeader and outputClaimToHeaders (nested and array claims)', async () => {
  const set = setOf(
    basic(`    outputPayloadToHeader: X-Jwt-Payload
    outputClaimToHeaders:
    - { header: x-sub, claim: sub }
    - { header: X-Groups, claim: groups }
    - { header: x-tier, claim: org.tier }
    - { header: x-dotted, claim: "https://example.com/role" }
    - { header: x-admin, claim: admin }
    - { header: x-object, claim: org }
    - { header: x-missing, claim: nope }`),
  );
  const t = token({ groups: ['a', 'b', 3], org: { tier: 'gold' }, 'https://example.com/role': 'owner', admin: true });
  const identity = await set.authenticate(request({ headers: { authorization: `Bearer ${t}` } }));
  assert.ok(identity);
  const headers = Object.fromEntries(identity.headersToAdd);
  assert.equal(headers['x-jwt-payload'], t.split('.')[1]);
  assert.deepEqual(
    (JSON.parse(Buffer.from(headers['x-jwt-payload']!, 'base64url').toString()) as { org?: unknown }).org,
    { tier: 'gold' },
  );
  assert.equal(headers['x-sub'], 'alice');
  assert.equal(headers['x-groups'], 'a,b,3');
  assert.equal(headers['x-tier'], 'gold');
  assert.equal(headers['x-dotted'], 'owner');
  assert.equal(headers['x-admin'], 'true');
  assert.equal('x-object' in headers, false);
  assert.equal('x-missing' in headers, false);
});

test('RequestAuthentication selection: selector and namespaces', async () => {
  const set = setOf(`
apiVersion: security.istio.io/v1
kind: RequestAuthentication
metadata: { name: only-api, namespace: shop }
spec:
  selector: { matchLabels: { app: api } }
  jwtRules:
  - issuer: ${ISSUER}
    jwks: '${jwksOf(keyA)}'
`);
  const bad = 'Bearer not-even-a-jwt';
  assert.equal(set.hasRequestAuthentication(request({ routeNamespace: 'shop', routeLabels: { app: 'api' } })), true);
  assert.equal(set.hasRequestAuthentication(request({ routeNamespace: 'shop', routeLabels: { app: 'web' } })), false);
  // Not selected: the token is not looked at (Istio passes it through without a principal).
  assert.equal(
    await set.authenticate(
      request({ routeNamespace: 'shop', routeLabels: { app: 'web' }, headers: { authorization: bad } }),
    ),
    undefined,
  );
  assert.equal(
    await set.authenticate(
      request({ routeNamespace: 'default', routeLabels: { app: 'api' }, headers: { authorization: bad } }),
    ),
    undefined,
  );
  await rejects(
    set.authenticate(request({ routeNamespace: 'shop', routeLabels: { app: 'api' }, headers: { authorization: bad } })),
    'ERR_JWT_MALFORMED',
  );
});

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

test('jwksUri and OIDC discovery against a real server on 127.0.0.1; timeout applies', async (t) => {
  let base = '';
  let jwksHits = 0;
  const hanging = new Set<import('node:http').ServerResponse>();
  const server = createServer((req, res) => {
    if (req.url === '/.well-known/openid-configuration') {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ issuer: base, jwks_uri: `${base}/jwks.json` }));
    } else if (req.url === '/jwks.json') {
      jwksHits++;
      res.setHeader('content-type', 'application/json');
      res.end(jwksOf(keyA, keyB));
    } else if (req.url === '/slow') {
      hanging.add(res); // never answers: the rule's timeout must end the fetch
    } else {
      res.statusCode = 404;
      res.end();
    }
  });
  base = await listen(server);
  t.after(() => {
    for (const res of hanging) res.destroy();
    server.closeAllConnections();
    server.close();
  });
  const yaml = `
apiVersion: security.istio.io/v1
kind: RequestAuthentication
metadata: { name: remote, namespace: default }
spec:
  jwtRules:
  - issuer: ${base}
  - issuer: https://uri.example
    jwksUri: ${base}/jwks.json
  - issuer: https://slow.example
    jwksUri: ${base}/slow
    timeout: 200ms
`;
  const set = setOf(yaml);
  t.after(() => set.close());
  const auth = (tok: string) => set.authenticate(request({ headers: { authorization: `Bearer ${tok}` } }));
  const discovered = await auth(signJwt({ iss: base, sub: 'svc-a' }, keyA.signingKey, { expiresIn: '5m', clock }));
  assert.equal(discovered?.requestPrincipal, `${base}/svc-a`);
  const viaUri = await auth(
    signJwt({ iss: 'https://uri.example', sub: 'svc-b' }, keyB.signingKey, { expiresIn: '5m', clock }),
  );
  assert.equal(viaUri?.subject, 'svc-b');
  assert.ok(jwksHits >= 1);
  await rejects(
    auth(signJwt({ iss: 'https://slow.example', sub: 'x' }, keyA.signingKey, { expiresIn: '5m', clock })),
    'ERR_JWKS_FETCH_FAILED',
  );
});

test('injected key-source factories: createRemoteKeySource for remote rules, createKeySource for all', async () => {
  const yaml = `
apiVersion: security.istio.io/v1
kind: RequestAuthentication
metadata: { name: inj, namespace: default }
spec:
  jwtRules:
  - issuer: ${ISSUER}
    jwksUri: https://keys.example/jwks.json
    timeout: 1m30s
  - issuer: https://inline.example
    jwks: '${jwksOf(keyB)}'
`;
  const remoteCalls: import('@tessera/core').JwtKeySourceRequest[] = [];
  const set = setOf(yaml, {
    createRemoteKeySource: (r) => {
      remoteCalls.push(r);
      return createLocalJwks(JSON.parse(jwksOf(keyA)) as Jwks);
    },
  });
  assert.deepEqual(remoteCalls, [
    {
      issuer: ISSUER,
      jwksUri: 'https://keys.example/jwks.json',
      jwks: undefined,
      timeoutMs: 90_000,
      policy: 'default/inj',
      rule: 0,
    },
  ]);
  assert.equal(
    (await set.authenticate(request({ headers: { authorization: `Bearer ${token({})}` } })))?.subject,
    'alice',
  );
  const inline = signJwt({ iss: 'https://inline.example', sub: 'x' }, keyB.signingKey, { expiresIn: '5m', clock });
  assert.equal((await set.authenticate(request({ headers: { authorization: `Bearer ${inline}` } })))?.subject, 'x');

  const all: string[] = [];
  setOf(yaml, {
    createKeySource: (r) => {
      all.push(r.issuer);
      return createLocalJwks({ keys: [] });
    },
  });
  assert.deepEqual(all, [ISSUER, 'https://inline.example']);
});

test('authenticateSync gives the same answers, and ERR_JWKS_NOT_READY while remote keys are not loaded', async (t) => {
  const set = setOf(basic('    audiences: [orders]'));
  const ok = set.authenticateSync(request({ headers: { authorization: `Bearer ${token({ aud: 'orders' })}` } }));
  assert.equal(ok?.requestPrincipal, `${ISSUER}/alice`);
  assert.equal(set.authenticateSync(request()), undefined);
  assert.throws(
    () => set.authenticateSync(request({ headers: { authorization: `Bearer ${token({ aud: 'x' })}` } })),
    (e: unknown) => isTesseraError(e, 'ERR_JWT_AUDIENCE_INVALID'),
  );
  assert.throws(
    () =>
      set.authenticateSync(
        request({ headers: { authorization: `Bearer ${token({ aud: 'orders', iss: 'https://nope' })}` } }),
      ),
    (e: unknown) => isTesseraError(e, 'ERR_JWT_ISSUER_INVALID'),
  );

  const server = createServer((_req, res) => {
    res.setHeader('content-type', 'application/json');
    res.end(jwksOf(keyA));
  });
  const base = await listen(server);
  t.after(() => server.close());
  const remote = setOf(`
apiVersion: security.istio.io/v1
kind: RequestAuthentication
metadata: { name: r, namespace: default }
spec:
  jwtRules:
  - issuer: ${ISSUER}
    jwksUri: ${base}/jwks.json
`);
  t.after(() => remote.close());
  const r = request({ headers: { authorization: `Bearer ${token({})}` } });
  assert.throws(
    () => remote.authenticateSync(r),
    (e: unknown) => isTesseraError(e, 'ERR_JWKS_NOT_READY'),
  );
  await remote.warmup();
  assert.equal(remote.authenticateSync(r)?.subject, 'alice');
});
