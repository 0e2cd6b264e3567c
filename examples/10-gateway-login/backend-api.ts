// backend-api behind its sidecar: answers with the user its sidecar vouched for (`x-user-sub`).
import { createServer, type Server } from 'node:http';

/**
 * Creates backend-api: `GET /data` answers the user from `x-user-sub` (set by the sidecar from
 * the verified token).
 *
 * @example
 * ```ts
 * const url = await listen(createBackendApi());
 * ```
 */
export function createBackendApi(): Server {
  return createServer((req, res) => {
    res
      .writeHead(200, { 'content-type': 'application/json' })
      .end(JSON.stringify({ service: 'backend-api', user: req.headers['x-user-sub'] ?? 'anonymous' }));
  });
}
