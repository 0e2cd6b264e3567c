// One POST /token over a given keep-alive agent, for the token service benchmark's real client and
// its guessing workers alike.
import { request, type Agent } from 'node:http';

/**
 * POSTs `body` (a form) to `target` with `authorization`, reads the answer to its end, and
 * answers its status, or `'error'` when the connection failed.
 *
 * @example
 * ```ts
 * const status = await postTokenRequest(agent, new URL('/token', url), basic, 'grant_type=client_credentials');
 * ```
 */
export function postTokenRequest(agent: Agent, target: URL, authorization: string, body: string) {
  return new Promise<number | 'error'>((resolve) => {
    const req = request(
      {
        host: target.hostname,
        port: target.port,
        path: target.pathname,
        method: 'POST',
        agent,
        headers: { 'content-type': 'application/x-www-form-urlencoded', authorization },
      },
      (res) => {
        res.resume();
        res.once('end', () => resolve(res.statusCode!));
      },
    );
    req.once('error', () => resolve('error'));
    req.end(body);
  });
}
