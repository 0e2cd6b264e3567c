// Scenario 1 of the brief: central keys. The token service holds the keys (jwt-factory style, a key
// pair per service id); service A asks it for a token to call B; B checks the token once by asking
// the token service and once against its own cached copy of the JWKS. `?expired=1` shows the
// expired-token answer.
import { createServer } from 'node:http';
import { check } from '../internal/check.js';
import { httpCall } from '../internal/http-client.js';
import { closeServer, listen } from '../internal/listen.js';
import { runAsMain } from '../internal/run-as-main.js';
import { startTokenService } from '../internal/start-token-service.js';
import { describeVerification } from '../internal/verification-result.js';
import type { ExampleOptions, RunningExample } from '../types.js';
import { createServiceA } from './service-a.js';
import { createServiceB } from './service-b.js';

/** Describes B's answer with both checks: `200 valid=true sub=servicea aud=serviceb (token service: true, cached JWKS: true)`. */
function describe(status: number, body: unknown): string {
  const b = body as
    | {
        checkedBy?: {
          tokenService?: { valid?: boolean; error?: { name?: string } };
          cachedJwks?: { valid?: boolean; error?: { name?: string } };
        };
      }
    | undefined;
  const one = (r: { valid?: boolean; error?: { name?: string } } | undefined) =>
    r?.valid === true ? 'valid' : (r?.error?.name ?? 'invalid');
  return `${describeVerification(status, body)} (token service: ${one(b?.checkedBy?.tokenService)}, cached JWKS: ${one(b?.checkedBy?.cachedJwks)})`;
}

/**
 * Starts a token service, creates the keys of service A and B (`GET /admin/jwt-factory/keys/:id`),
 * then starts B and A.
 *
 * @example
 * ```ts
 * const example = await start();
 * await example.close();
 * ```
 */
export async function start(options: ExampleOptions = {}): Promise<RunningExample> {
  const ts = await startTokenService();
  const admin = { authorization: `Bearer ${ts.adminToken}` };
  for (const id of ['servicea', 'serviceb']) {
    const created = await httpCall(`${ts.url}/admin/jwt-factory/keys/${id}`, { headers: admin });
    if (created.status !== 200 && created.status !== 201)
      throw new Error(`cannot create key ${id}: ${created.status} ${created.text}`);
  }
  const serviceB = createServiceB({ tokenServiceUrl: ts.url, adminToken: ts.adminToken });
  const b = createServer(serviceB.app);
  const bUrl = await listen(b);
  const a = createServer(createServiceA({ tokenServiceUrl: ts.url, adminToken: ts.adminToken, serviceBUrl: bUrl }));
  const aUrl = await listen(a, options.port ?? 0);
  const call = async (url: string) => {
    const res = await httpCall(url);
    return describe(res.status, res.json);
  };
  return {
    id: '1',
    title: 'central keys (token service holds the keys)',
    urls: { 'token service': ts.url, servicea: aUrl, serviceb: bUrl },
    checks: [
      check(
        'GET servicea /scenario1',
        '200 valid=true sub=servicea aud=serviceb (token service: valid, cached JWKS: valid)',
        () => call(`${aUrl}/scenario1`),
      ),
      check(
        'GET servicea /scenario1?expired=1',
        '401 valid=false TokenExpiredError (token service: TokenExpiredError, cached JWKS: TokenExpiredError)',
        () => call(`${aUrl}/scenario1?expired=1`),
      ),
      check('GET serviceb /scenario1-server (no token)', '401 valid=false JsonWebTokenError', async () => {
        const res = await httpCall(`${bUrl}/scenario1-server`);
        return describeVerification(res.status, res.json);
      }),
      check('GET token service /admin/jwt-factory/utils/keys', '200 servicea,serviceb', async () => {
        const res = await httpCall(`${ts.url}/admin/jwt-factory/utils/keys`, { headers: admin });
        return `${res.status} ${((res.json as { keys?: string[] }).keys ?? []).sort().join(',')}`;
      }),
    ],
    hints: [`curl ${aUrl}/scenario1`, `curl '${aUrl}/scenario1?expired=1'`],
    async close() {
      await Promise.all([closeServer(a), closeServer(b)]);
      serviceB.close();
      await ts.close();
    },
  };
}

runAsMain(import.meta.url, start);
