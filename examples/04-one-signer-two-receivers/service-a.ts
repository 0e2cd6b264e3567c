import express, { type Express } from 'express';
import { importSigningKey, signJwt, type SigningKey } from '@tessera/core';
import { httpCall } from '../internal/http-client.js';

/** Options of {@link createServiceA}. */
export interface ServiceAOptions {
  privateKeyPem: string;
  serviceBUrl: string;
  serviceCUrl: string;
  ca: string;
}

function tokenFor(key: SigningKey, audience: string, expired: boolean): string {
  const now = Math.floor(Date.now() / 1000);
  return signJwt(expired ? { iat: now - 90, exp: now - 60 } : {}, key, {
    issuer: 'https://service-issuer',
    subject: 'servicea',
    audience,
    ...(expired ? { issuedAt: false } : { expiresIn: 30 }),
  });
}

/**
 * Service A of scenario 4 (Express): `GET /scenario4[?expired=1]` signs one token for service B and
 * one for service C with its own key, calls both over HTTPS and answers
 * `{ serviceb: <B's answer>, servicec: <C's answer> }`.
 *
 * @example
 * ```ts
 * createServiceA({ privateKeyPem, serviceBUrl, serviceCUrl, ca }).listen(3000);
 * ```
 */
export function createServiceA(options: ServiceAOptions): Express {
  const key = importSigningKey(options.privateKeyPem, 'RS256', { kid: 'servicea' });
  const app = express();
  app.get('/scenario4', async (req, res) => {
    const expired = req.query['expired'] !== undefined;
    const call = async (url: string, audience: string) => {
      const answer = await httpCall(`${url}/scenario4-server`, {
        headers: { authorization: `Bearer ${tokenFor(key, audience, expired)}` },
        ca: options.ca,
      });
      return {
        status: answer.status,
        body: answer.json ?? answer.text,
        ...(answer.headers['www-authenticate'] ? { wwwAuthenticate: answer.headers['www-authenticate'] } : {}),
      };
    };
    try {
      const [serviceb, servicec] = await Promise.all([
        call(options.serviceBUrl, 'serviceb'),
        call(options.serviceCUrl, 'servicec'),
      ]);
      res.json({ serviceb, servicec });
    } catch (error) {
      res.status(502).json({ error: `a receiving service is unreachable: ${(error as Error).message}` });
    }
  });
  return app;
}
