// Request authentication per second, in process (issue 2, "Service middleware"): what
// `createAuthenticator().authenticate()` adds on top of the verifier it wraps (bearer extraction
// with duplicate detection, exemption and requirement matching, RFC 6750 answers), side by side
// with the hand-written middleware logic people write around jsonwebtoken and fast-jwt
// (`/^Bearer (.+)$/` on `req.headers.authorization`, verify, check a scope). RS256, token cache
// off unless stated. Run alone: node --conditions=development --import tsx bench/middleware.bench.ts
import { pathToFileURL } from 'node:url';
import { createVerifier as fastVerifier } from 'fast-jwt';
import jsonwebtoken from 'jsonwebtoken';
import { createAuthenticator, createVerifier, exportPem, generateKey, signJwt, type JwtPayload } from '@tessera/core';
import { formatOps, measure, table, type BenchCase } from './internal/measure.js';

export default async function run(): Promise<void> {
  const key = generateKey('RS256');
  const issuer = 'https://issuer.bench';
  const token = signJwt({ sub: 'svc-a', scope: 'orders:read orders:write' }, key.signingKey, {
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
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await run();
