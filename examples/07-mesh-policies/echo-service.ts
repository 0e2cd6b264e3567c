import { createServer, type Server } from 'node:http';

/**
 * A workload behind the gateway (the brief's `webui` and `backend-api`): answers 200 with its name,
 * the path and which user (if any) the gateway let through. It checks nothing itself; the
 * gateway, as a sidecar would, enforces the mesh policies in front of it.
 *
 * @example
 * ```ts
 * const backend = createEchoService('backend-api');
 * ```
 */
export function createEchoService(name: string): Server {
  return createServer((req, res) => {
    const body = JSON.stringify({
      service: name,
      path: req.url,
      forwardedClientCert: req.headers['x-forwarded-client-cert'] !== undefined,
    });
    res.writeHead(200, { 'content-type': 'application/json' }).end(body);
  });
}
