// backend-api (scenario 002): an Express app behind its sidecar. It trusts the sidecar for
// authentication and authorization (the RequestAuthentication and AuthorizationPolicies), and
// reads who the user is from the header the sidecar sets from the verified token.
import express from 'express';
import { createServer, type Server } from 'node:http';

/**
 * Creates backend-api: `GET /data` answers the user the sidecar vouched for (`x-user-sub`), and
 * `/admin` is an operator page the policies keep every user away from. Express routes without
 * regard to case, so its sidecar route sets `caseInsensitivePaths`: `/ADMIN` meets the same rule.
 *
 * @example
 * ```ts
 * const url = await listen(createBackendApi());
 * ```
 */
export function createBackendApi(): Server {
  const app = express();
  app.get('/data', (req, res) => {
    res.json({ service: 'backend-api', user: req.get('x-user-sub') ?? 'anonymous', items: ['a', 'b'] });
  });
  app.get('/admin', (_req, res) => {
    res.json({ service: 'backend-api', admin: true });
  });
  return createServer(app);
}
