// Scenario 2 of the brief: fan-out. Service A gets a token for B and one for C from the token
// service (client_credentials, one audience per token), calls both, and returns both answers. B
// uses Tessera's node:http adapter, C its Express middleware; both verify against the token
// service's JWKS, cached.
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import { check } from '../internal/check.js';
import { httpCall } from '../internal/http-client.js';
import { closeServer, listen } from '../internal/listen.js';
import { clientCredentialsToken } from '../internal/oauth-client.js';
import { runAsMain } from '../internal/run-as-main.js';
import { startTokenService } from '../internal/start-token-service.js';
import { describeVerification } from '../internal/verification-result.js';
import type { ExampleOptions, RunningExample } from '../types.js';
import { createReceiver } from './receiver.js';
import { createServiceA } from './service-a.js';

/**
 * Starts the token service (client `servicea` may get tokens for `serviceb` and `servicec`), B, C and A.
 *
 * @example
 * ```ts
 * const example = await start();
 * await example.close();
 * ```
 */
export async function start(options: ExampleOptions = {}): Promise<RunningExample> {
  const secret = randomBytes(24).toString('base64url');
  const ts = await startTokenService({ clients: [{ id: 'servicea', secret, audiences: ['serviceb', 'servicec'] }] });
  const receiverB = createReceiver({ name: 'serviceb', issuer: ts.issuer, jwksUri: ts.jwksUri, framework: 'node' });
  const receiverC = createReceiver({ name: 'servicec', issuer: ts.issuer, jwksUri: ts.jwksUri, framework: 'express' });
  const bUrl = await listen(receiverB.server);
  const cUrl = await listen(receiverC.server);
  const a = createServer(
    createServiceA({ tokenServiceUrl: ts.url, clientSecret: secret, serviceBUrl: bUrl, serviceCUrl: cUrl }),
  );
  const aUrl = await listen(a, options.port ?? 0);
  return {
    id: '2',
    title: 'fan-out: A calls B and C',
    urls: { 'token service': ts.url, servicea: aUrl, serviceb: bUrl, servicec: cUrl },
    checks: [
      check(
        'GET servicea /scenario2',
        'serviceb: 200 valid=true sub=servicea aud=serviceb; servicec: 200 valid=true sub=servicea aud=servicec',
        async () => {
          const res = await httpCall(`${aUrl}/scenario2`);
          const body = res.json as { serviceb?: unknown; servicec?: unknown } | undefined;
          return res.status === 200
            ? `serviceb: ${describeVerification(200, body?.serviceb)}; servicec: ${describeVerification(200, body?.servicec)}`
            : `${res.status} ${res.text}`;
        },
      ),
      check('GET servicec /scenario2-server with the token meant for B', '401 invalid_token', async () => {
        const tokenB = await clientCredentialsToken(ts.url, 'servicea', secret, { audience: 'serviceb' });
        const res = await httpCall(`${cUrl}/scenario2-server`, { headers: { authorization: `Bearer ${tokenB}` } });
        return `${res.status} ${/error="([^"]+)"/.exec(String(res.headers['www-authenticate']))?.[1] ?? ''}`;
      }),
      check('POST token service /token for an audience servicea may not ask for', '400 invalid_target', async () => {
        try {
          await clientCredentialsToken(ts.url, 'servicea', secret, { audience: 'payments' });
          return '200';
        } catch (error) {
          return (
            /refused: (\d+) (\S+)/
              .exec((error as Error).message)
              ?.slice(1)
              .join(' ') ?? (error as Error).message
          );
        }
      }),
    ],
    hints: [`curl ${aUrl}/scenario2`],
    async close() {
      await Promise.all([closeServer(a), closeServer(receiverB.server), closeServer(receiverC.server)]);
      receiverB.close();
      receiverC.close();
      await ts.close();
    },
  };
}

runAsMain(import.meta.url, start);
