// Request authentication per second, in process (issue 2, "Service middleware"): what
// `createAuthenticator().authenticate()` adds on top of the verifier it wraps (bearer extraction
// with duplicate detection, exemption and requirement matching, RFC 6750 answers), side by side
// with the hand-written middleware logic people write around jsonwebtoken and fast-jwt
// (`/^Bearer (.+)$/` on `req.headers.authorization`, verify, check a scope). RS256, token cache
// off unless stated. Run alone: node --conditions=tessera-source --import tsx bench/middleware.bench.ts
import { pathToFileURL } from 'node:url';
import { createVerifier as fastVerifier } from 'fast-jwt';
import jsonwebtoken from 'jsonwebtoken';
import {
  compilePolicies,
  createAuthenticator,
  createVerifier,
  exportPem,
  generateKey,
  parsePolicies,
  signJwt,
  type JwtPayload,
  type RevocationSource,
} from '@tessera/core';
import { formatOps, measure, table, type BenchCase } from './internal/measure.js';

export default async function run(): Promise<void> {
  const key = generateKey('RS256');
  const issuer = 'https://issuer.bench';
  const token = signJwt({ sub: 'svc-a', scope: 'orders:read orders:write', jti: 'bench-token' }, key.signingKey, {
    issuer,
    audience: 'orders',
    expiresIn: 3600,
  });
  const pem = exportPem(key.verificationKey);
  const headers = { authorization: [`Bearer ${token}`], host: ['orders'], accept: ['*/*'] };
  const request = { method: 'POST', url: '/orders/42?x=1', headers };

  const verifier = createVerifier({ issuer, audience: 'orders', keys: { keys: [key.publicJwk] }, cache: false });
  const cachedVerifier = createVerifier({ issuer, audience: 'orders', keys: { keys: [key.publicJwk] } });
  const options = {
    realm: 'orders',
    exempt: ['GET /health', '/public/*'],
    requirements: [
      { route: 'POST /orders/*', scopes: ['orders:write'] },
      { route: '/admin/*', scopes: ['admin'] },
    ],
  };
  const auth = createAuthenticator({ verifier, ...options });
  const authCached = createAuthenticator({ verifier: cachedVerifier, ...options });
  // Issue #11: the same requests through 10 Istio policies (1 RequestAuthentication, 9
  // AuthorizationPolicies) and a revocation source holding 10,000 revoked jtis.
  const revoked = new Set(Array.from({ length: 10_000 }, (_, i) => `revoked-${i}`));
  const revocations: RevocationSource = { isRevoked: (jti) => revoked.has(jti) };
  const policyOptions = (cache: boolean) => ({
    ...options,
    labels: { app: 'orders' },
    policies: compilePolicies(
      parsePolicies(benchPolicies(issuer, JSON.stringify({ keys: [key.publicJwk] }))).documents,
      {
        revocations,
        tokenCache: cache,
      },
    ),
  });
  const authPolicies = createAuthenticator(policyOptions(false));
  const authPoliciesCached = createAuthenticator(policyOptions(true));
  for (const a of [authPolicies, authPoliciesCached]) {
    const r = await a.authenticate(request);
    if (!r.ok) throw new Error(`the bench policies refuse the request: ${r.status} ${r.body}`);
  }

  const hasScope = (payload: JwtPayload, scope: string) =>
    typeof payload.scope === 'string' && payload.scope.split(' ').includes(scope);
  const plainHeaders = { authorization: `Bearer ${token}` };
  const fast = fastVerifier({
    key: pem,
    algorithms: ['RS256'],
    allowedIss: issuer,
    allowedAud: 'orders',
    cache: false,
  });

  const cases: BenchCase[] = [
    { name: 'verifier.verify alone (floor)', fn: () => verifier.verify(token) },
    { name: 'tessera authenticate()', fn: () => auth.authenticate(request) },
    { name: 'tessera authenticate(), token cache on', fn: () => authCached.authenticate(request) },
    { name: 'tessera authenticate(), 10 policies + revocations', fn: () => authPolicies.authenticate(request) },
    {
      name: 'tessera authenticate(), 10 policies + revocations, cache on',
      fn: () => authPoliciesCached.authenticate(request),
    },
    {
      name: 'jsonwebtoken, hand-written middleware',
      fn: () => {
        const m = /^Bearer (.+)$/.exec(plainHeaders.authorization);
        const payload = jsonwebtoken.verify(m![1]!, pem, {
          algorithms: ['RS256'],
          issuer,
          audience: 'orders',
        }) as JwtPayload;
        return hasScope(payload, 'orders:write');
      },
    },
    {
      name: 'fast-jwt, hand-written middleware',
      fn: () => {
        const m = /^Bearer (.+)$/.exec(plainHeaders.authorization);
        return hasScope(fast(m![1]!) as JwtPayload, 'orders:write');
      },
    },
  ];
  const result = await measure(cases, { rounds: 8, sliceMs: 100 });
  const floor = 'verifier.verify alone (floor)';
  console.log(
    table(
      ['RS256 request authentication', 'ops/s', '× verify alone'],
      cases.map((c) => [c.name, formatOps(result.best(c.name)), (result.ratio(c.name, floor) ?? 0).toFixed(2)]),
    ),
  );
  // The issue's row: policies and revocation against authenticate() alone, cache off and on.
  const pairs: [string, string][] = [
    ['tessera authenticate(), 10 policies + revocations', 'tessera authenticate()'],
    ['tessera authenticate(), 10 policies + revocations, cache on', 'tessera authenticate(), token cache on'],
  ];
  console.log(
    table(
      ['with policies and revocations', '× authenticate() alone (target ≥ 0.9)'],
      pairs.map(([withPolicies, alone]) => [withPolicies, (result.ratio(withPolicies, alone) ?? 0).toFixed(2)]),
    ),
  );
}

/** Ten policies as a service might have them: who may call, on which paths, with which claims. */
function benchPolicies(issuer: string, jwks: string): string {
  const allow = (name: string, rule: string) => `---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: { name: ${name}, namespace: default }
spec:
  selector: { matchLabels: { app: orders } }
  action: ALLOW
  rules:
${rule}`;
  return `apiVersion: security.istio.io/v1
kind: RequestAuthentication
metadata: { name: jwt, namespace: default }
spec:
  jwtRules: [{ issuer: "${issuer}", audiences: [orders], jwks: '${jwks}' }]
${allow('readers', `    - from: [{ source: { requestPrincipals: ["${issuer}/svc-a"] } }]\n      to: [{ operation: { methods: [GET, HEAD], paths: ["/orders/*"] } }]\n`)}${allow('writers', `    - from: [{ source: { requestPrincipals: ["${issuer}/svc-a", "${issuer}/svc-b"] } }]\n      to: [{ operation: { methods: [POST, PUT], paths: ["/orders/*"] } }]\n      when: [{ key: "request.auth.claims[scope]", values: ["orders:write"] }]\n`)}${allow('health', `    - to: [{ operation: { paths: ["/health", "/ready"] } }]\n`)}${allow('metrics', `    - from: [{ source: { ipBlocks: ["10.0.0.0/8"] } }]\n      to: [{ operation: { paths: ["/metrics"] } }]\n`)}${allow('partners', `    - from: [{ source: { requestPrincipals: ["https://partner.example/*"] } }]\n      to: [{ operation: { paths: ["/partner/*"] } }]\n`)}${allow('admins', `    - from: [{ source: { requestPrincipals: ["${issuer}/admin"] } }]\n      to: [{ operation: { paths: ["/admin/*"] } }]\n`)}---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: { name: no-debug, namespace: default }
spec:
  action: DENY
  rules: [{ to: [{ operation: { paths: ["/debug/*", "/internal/*"] } }] }]
---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: { name: no-legacy-tier, namespace: default }
spec:
  action: DENY
  rules: [{ when: [{ key: "request.auth.claims[tier]", values: ["legacy"] }] }]
---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: { name: audit-writes, namespace: default }
spec:
  action: AUDIT
  rules: [{ to: [{ operation: { methods: [POST, PUT, DELETE] } }] }]
`;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await run();
