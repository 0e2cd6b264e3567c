// Headers only the gateway may set never reach the upstream from the client, under any spelling;
// claim values copied by jwtRules `outputClaimToHeaders` obey the same printable-ASCII rule as the
// route's claim headers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'undici';
import { ISSUER, startStack } from './internal/fixtures.js';

const POLICIES = {
  'ra.yaml': `apiVersion: security.istio.io/v1
kind: RequestAuthentication
metadata: { name: jwt, namespace: default }
spec:
  jwtRules:
    - issuer: ${ISSUER}
      jwksUri: {{JWKS}}
      outputClaimToHeaders: [{ header: x-jwt-sub, claim: sub }]
`,
  'ap.yaml': `apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: { name: allow-issuer, namespace: default }
spec:
  action: ALLOW
  rules:
    - from: [{ source: { requestPrincipals: ["${ISSUER}/*"] } }]
`,
};

test('spoofed identity headers (any spelling) are dropped; unsafe jwtRules claim values are refused', async (t) => {
  const s = await startStack(POLICIES);
  t.after(() => s.close());
  const alice = s.issuer.sign({ sub: 'alice' });
  const res = await request(`${s.url}/x`, {
    headers: {
      authorization: `Bearer ${alice}`,
      'x-tessera-request-principal': `${ISSUER}/admin`,
      x_jwt_sub: 'admin',
      'x-jwt-sub': 'admin',
    },
  });
  const echoed = (await res.body.json()) as { headers: Record<string, string | undefined> };
  assert.equal(res.statusCode, 200);
  assert.equal(echoed.headers['x-jwt-sub'], 'alice');
  assert.equal(echoed.headers['x-tessera-request-principal'], undefined);
  assert.equal(echoed.headers['x_jwt_sub'], undefined);

  // The same token sent as a header and as ?access_token= never reaches the upstream either way.
  const both = await request(`${s.url}/x?access_token=${alice}&keep=1`, {
    headers: { authorization: `Bearer ${alice}` },
  });
  const seen = (await both.body.json()) as { url: string; headers: Record<string, string | undefined> };
  assert.equal(both.statusCode, 200);
  assert.equal(seen.url, '/x?keep=1');
  assert.equal(seen.headers['authorization'], undefined);

  const before = s.upstream.received.length;
  for (const sub of ['a\r\nx-evil: 1', 'caf\u00e9', 'tab\there']) {
    const r = await request(`${s.url}/x`, { headers: { authorization: `Bearer ${s.issuer.sign({ sub })}` } });
    await r.body.dump();
    assert.equal(r.statusCode, 401, JSON.stringify(sub));
  }
  assert.equal(s.upstream.received.length, before, 'nothing reached the upstream');
});
