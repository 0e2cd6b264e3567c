import express, { type Express } from 'express';
import { httpCall } from '../internal/http-client.js';

/** Options of {@link createServiceA}. */
export interface ServiceAOptions {
  tokenServiceUrl: string;
  adminToken: string;
  serviceBUrl: string;
}

/**
 * Service A of scenario 1 (Express). `GET /scenario1[?expired=1]` asks the token service for a
 * token to call B (`POST /admin/jwt-factory/issueToken/servicea`, `aud: serviceb`; the key stays
 * at the token service), calls B with it and answers B's verdict.
 *
 * @example
 * ```ts
 * createServiceA({ tokenServiceUrl, adminToken, serviceBUrl }).listen(3000);
 * ```
 */
export function createServiceA(options: ServiceAOptions): Express {
  const app = express();
  app.get('/scenario1', async (req, res) => {
    const expired = req.query['expired'] !== undefined;
    const issued = await httpCall(
      `${options.tokenServiceUrl}/admin/jwt-factory/issueToken/servicea${expired ? '?expired=1' : ''}`,
      {
        method: 'POST',
        headers: { authorization: `Bearer ${options.adminToken}`, 'content-type': 'application/json' },
        body: JSON.stringify({ aud: 'serviceb' }),
      },
    );
    const token = (issued.json as { token?: string } | undefined)?.token;
    if (token === undefined) {
      res.status(502).json({ error: `the token service did not issue a token (${issued.status})` });
      return;
    }
    const answer = await httpCall(`${options.serviceBUrl}/scenario1-server`, {
      headers: { authorization: `Bearer ${token}` },
    });
    res.status(answer.status).type('application/json').send(answer.text);
  });
  return app;
}
