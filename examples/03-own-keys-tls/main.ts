// Scenario 3 of the brief: own keys over TLS. Service A signs with its own private key; service B
// verifies with A's public key, over one-way TLS. `?expired=1` shows the expired-token answer.
import { createServer } from 'node:http';
import { generateKey, exportPem } from '@tessera/core';
import { createExampleCa } from '../internal/certificates.js';
import { check } from '../internal/check.js';
import { httpCall } from '../internal/http-client.js';
import { closeServer, listen } from '../internal/listen.js';
import { runAsMain } from '../internal/run-as-main.js';
import { describeVerification } from '../internal/verification-result.js';
import type { ExampleOptions, RunningExample } from '../types.js';
import { createServiceA } from './service-a.js';
import { createServiceB } from './service-b.js';

/**
 * Starts service B (HTTPS, self-signed CA made with openssl) and service A (HTTP, Express).
 *
 * @example
 * ```ts
 * const example = await start();
 * for (const c of example.checks) console.log(c.call, await c.run());
 * await example.close();
 * ```
 */
export async function start(options: ExampleOptions = {}): Promise<RunningExample> {
  // The brief's `POST /gen-keys`: a key pair for A. B only ever sees the public half.
  const key = generateKey('RS256', { kid: 'servicea' });
  const privateKeyPem = exportPem(key.signingKey);
  const publicKeyPem = exportPem(key.verificationKey);
  const ca = await createExampleCa();
  const b = createServiceB({ publicKeyPem, tls: await ca.issue('serviceb'), audience: 'serviceb' });
  const bUrl = await listen(b, 0, 'https');
  const a = createServer(createServiceA({ privateKeyPem, serviceBUrl: bUrl, ca: ca.caCert }));
  const aUrl = await listen(a, options.port ?? 0);
  const verdict = async (url: string, init: Parameters<typeof httpCall>[1] = {}) => {
    const res = await httpCall(url, init);
    return describeVerification(res.status, res.json);
  };
  return {
    id: '3',
    title: 'own keys over TLS',
    urls: { servicea: aUrl, serviceb: bUrl },
    checks: [
      check('GET servicea /scenario3', '200 valid=true sub=servicea aud=serviceb', () => verdict(`${aUrl}/scenario3`)),
      check('GET servicea /scenario3?expired=1', '401 valid=false TokenExpiredError', () =>
        verdict(`${aUrl}/scenario3?expired=1`),
      ),
      check('GET serviceb /scenario3-server (no token)', '401 valid=false JsonWebTokenError', () =>
        verdict(`${bUrl}/scenario3-server`, { ca: ca.caCert }),
      ),
      check('GET serviceb /scenario3-server over plain HTTP', 'refused: TLS only', async () => {
        try {
          const res = await httpCall(`${bUrl.replace('https:', 'http:')}/scenario3-server`, { timeoutMs: 2000 });
          return `${res.status}`;
        } catch {
          return 'refused: TLS only';
        }
      }),
    ],
    hints: [`curl ${aUrl}/scenario3`, `curl '${aUrl}/scenario3?expired=1'`],
    async close() {
      await Promise.all([closeServer(a), closeServer(b)]);
      await ca.dispose();
    },
  };
}

runAsMain(import.meta.url, start);
