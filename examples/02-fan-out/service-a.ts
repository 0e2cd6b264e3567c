import express, { type Express } from 'express';
import { httpCall } from '../internal/http-client.js';
import { clientCredentialsToken } from '../internal/oauth-client.js';

/** Options of {@link createServiceA}. */
export interface ServiceAOptions {
  tokenServiceUrl: string;
  clientSecret: string;
  serviceBUrl: string;
  serviceCUrl: string;
}

/**
 * Service A of scenario 2 (Express): `GET /scenario2` gets one token per receiver from the token
 * service (client_credentials, `audience=serviceb` and `audience=servicec`), calls B and C with
 * them at once, and answers `{ serviceb: …, servicec: … }`.
 *
 * @example
 * ```ts
 * createServiceA({ tokenServiceUrl, clientSecret, serviceBUrl, serviceCUrl }).listen(3000);
 * ```
 */
export function createServiceA(options: ServiceAOptions): Express {
  const app = express();
  app.get('/scenario2', async (_req, res) => {
    try {
      const [tokenB, tokenC] = await Promise.all([
        clientCredentialsToken(options.tokenServiceUrl, 'servicea', options.clientSecret, { audience: 'serviceb' }),
        clientCredentialsToken(options.tokenServiceUrl, 'servicea', options.clientSecret, { audience: 'servicec' }),
      ]);
      const [b, c] = await Promise.all([
        httpCall(`${options.serviceBUrl}/scenario2-server`, { headers: { authorization: `Bearer ${tokenB}` } }),
        httpCall(`${options.serviceCUrl}/scenario2-server`, { headers: { authorization: `Bearer ${tokenC}` } }),
      ]);
      res.json({ serviceb: b.json ?? { status: b.status }, servicec: c.json ?? { status: c.status } });
    } catch (error) {
      res.status(502).json({ error: (error as Error).message });
    }
  });
  return app;
}
