import express, { type Express } from 'express';
import { importSigningKey, signJwt } from '@tessera/core';
import { httpCall } from '../internal/http-client.js';

/** Options of {@link createServiceA}. */
export interface ServiceAOptions {
  /** A's own private key (PEM); it never leaves service A. */
  privateKeyPem: string;
  /** Where service B listens (HTTPS). */
  serviceBUrl: string;
  /** CA certificate that signed B's TLS certificate. */
  ca: string;
}

/**
 * Service A of scenario 3 (Express): `GET /scenario3[?expired=1]` signs a short-lived token with
 * its own private key (`sub: servicea`, `aud: serviceb`, 30 s) and calls service B over HTTPS with
 * it, answering B's verdict. With `expired=1` the token is already expired.
 *
 * @example
 * ```ts
 * const app = createServiceA({ privateKeyPem, serviceBUrl: 'https://127.0.0.1:8443', ca });
 * app.listen(3000);
 * ```
 */
export function createServiceA(options: ServiceAOptions): Express {
  const key = importSigningKey(options.privateKeyPem, 'RS256', { kid: 'servicea' });
  const app = express();
  app.get('/scenario3', async (req, res) => {
    const now = Math.floor(Date.now() / 1000);
    const expired = req.query['expired'] !== undefined;
    // Seconds-long tokens, as the brief advises; the expired variant ended a minute ago.
    const token = signJwt(expired ? { iat: now - 90, exp: now - 60 } : {}, key, {
      issuer: 'https://service-issuer',
      subject: 'servicea',
      audience: 'serviceb',
      ...(expired ? { issuedAt: false } : { expiresIn: 30 }),
    });
    try {
      const answer = await httpCall(`${options.serviceBUrl}/scenario3-server`, {
        headers: { authorization: `Bearer ${token}` },
        ca: options.ca,
      });
      res.status(answer.status).type('application/json').send(answer.text);
    } catch (error) {
      res.status(502).json({ error: `service B unreachable: ${(error as Error).message}` });
    }
  });
  return app;
}
