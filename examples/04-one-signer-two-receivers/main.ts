// Scenario 4 of the brief: service A signs for two receivers. B (node:https) and C (Fastify with
// Tessera's plugin) each verify with A's public key; they share one TLS certificate for simplicity.
import { createServer } from 'node:http';
import { exportPem, generateKey } from '@tessera/core';
import { createServiceB } from '../03-own-keys-tls/service-b.js';
import { createExampleCa } from '../internal/certificates.js';
import { check } from '../internal/check.js';
import { httpCall } from '../internal/http-client.js';
import { closeServer, listen } from '../internal/listen.js';
import { runAsMain } from '../internal/run-as-main.js';
import { describeVerification } from '../internal/verification-result.js';
import type { ExampleOptions, RunningExample } from '../types.js';
import { createServiceA } from './service-a.js';
import { createServiceC } from './service-c.js';

function describeBoth(status: number, body: unknown): string {
  const b = body as
    | {
        serviceb?: { status: number; body: unknown; wwwAuthenticate?: string };
        servicec?: { status: number; body: unknown; wwwAuthenticate?: string };
      }
    | undefined;
  if (status !== 200 || !b?.serviceb || !b.servicec) return `${status}`;
  const one = (r: { status: number; body: unknown; wwwAuthenticate?: string }) =>
    r.wwwAuthenticate
      ? `${r.status} ${/error="([^"]+)"/.exec(r.wwwAuthenticate)?.[1] ?? 'challenge'}`
      : describeVerification(r.status, r.body);
  return `serviceb: ${one(b.serviceb)}; servicec: ${one(b.servicec)}`;
}

/**
 * Starts services B and C (HTTPS) and A (HTTP).
 *
 * @example
 * ```ts
 * const example = await start();
 * await example.close();
 * ```
 */
export async function start(options: ExampleOptions = {}): Promise<RunningExample> {
  const key = generateKey('RS256', { kid: 'servicea' });
  const publicKeyPem = exportPem(key.verificationKey);
  const ca = await createExampleCa();
  const tls = await ca.issue('localhost');
  const b = createServiceB({ publicKeyPem, tls, audience: 'serviceb' });
  const bUrl = await listen(b, 0, 'https');
  const c = await createServiceC({ publicKeyPem, tls });
  await c.listen({ port: 0, host: '127.0.0.1' });
  const cUrl = `https://127.0.0.1:${(c.server.address() as { port: number }).port}`;
  const a = createServer(
    createServiceA({ privateKeyPem: exportPem(key.signingKey), serviceBUrl: bUrl, serviceCUrl: cUrl, ca: ca.caCert }),
  );
  const aUrl = await listen(a, options.port ?? 0);
  const both = async (url: string) => {
    const res = await httpCall(url);
    return describeBoth(res.status, res.json);
  };
  return {
    id: '4',
    title: 'one signer, two receivers',
    urls: { servicea: aUrl, serviceb: bUrl, servicec: cUrl },
    checks: [
      check(
        'GET servicea /scenario4',
        'serviceb: 200 valid=true sub=servicea aud=serviceb; servicec: 200 valid=true sub=servicea aud=servicec',
        () => both(`${aUrl}/scenario4`),
      ),
      check(
        'GET servicea /scenario4?expired=1',
        'serviceb: 401 valid=false TokenExpiredError; servicec: 401 invalid_token',
        () => both(`${aUrl}/scenario4?expired=1`),
      ),
      check('GET servicec /scenario4-server (no token)', '401 Bearer realm="servicec"', async () => {
        const res = await httpCall(`${cUrl}/scenario4-server`, { ca: ca.caCert });
        return `${res.status} ${String(res.headers['www-authenticate'])}`;
      }),
    ],
    hints: [`curl ${aUrl}/scenario4`, `curl '${aUrl}/scenario4?expired=1'`],
    async close() {
      await Promise.all([closeServer(a), closeServer(b), c.close()]);
      await ca.dispose();
    },
  };
}

runAsMain(import.meta.url, start);
