import type { IncomingMessage, ServerResponse } from 'node:http';
import { toErrorResponse } from '../http/to-error-response.js';
import type { VerifiedJwt } from '../jose/types.js';
import type { Authenticator, AuthenticatorOptions, AuthResult } from './create-authenticator.js';
import { resolveAuthenticator } from './internal/resolve-authenticator.js';

/** A node:http request after {@link withTessera}: `auth` is the verified token, `undefined` on exempt routes. */
export type AuthenticatedRequest = IncomingMessage & { auth?: VerifiedJwt };

/**
 * Authenticates a node:http request and, on failure, writes the RFC 6750 answer to `res`.
 * Resolves to the result: go on only when `result.ok`.
 *
 * @example
 * ```ts
 * const auth = createAuthenticator({ verifier, realm: 'orders' });
 * http.createServer(async (req, res) => {
 *   const result = await authenticateNodeRequest(auth, req, res);
 *   if (!result.ok) return;
 *   res.end(`hello ${result.token?.payload.sub}`);
 * });
 * ```
 */
export async function authenticateNodeRequest(
  authenticator: Authenticator,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<AuthResult> {
  const result = await authenticator.authenticate({
    method: req.method ?? 'GET',
    url: req.url ?? '/',
    headers: req.headersDistinct ?? req.headers,
    socket: req.socket,
  });
  if (!result.ok && !res.headersSent) res.writeHead(result.status, result.headers).end(result.body);
  return result;
}

/**
 * Wraps a node:http request handler so it runs only for authenticated requests (or exempt routes),
 * with `req.auth` set. A handler that throws or rejects after authentication gets a generic 500
 * (the error itself is not shown to the caller).
 *
 * @example
 * ```ts
 * http.createServer(withTessera((req, res) => res.end(req.auth?.payload.sub), { verifier, realm: 'orders' })).listen(8080);
 * ```
 */
export function withTessera(
  handler: (req: AuthenticatedRequest, res: ServerResponse) => void | Promise<void>,
  options: AuthenticatorOptions | Authenticator,
): (req: IncomingMessage, res: ServerResponse) => void {
  const authenticator = resolveAuthenticator(options);
  const realm = 'realm' in options && typeof options.realm === 'string' ? options.realm : undefined;
  return (req, res) => {
    authenticateNodeRequest(authenticator, req, res)
      .then(async (result) => {
        if (!result.ok) return;
        (req as AuthenticatedRequest).auth = result.token;
        await handler(req, res);
      })
      .catch((error: unknown) => {
        if (res.headersSent) {
          res.destroy();
          return;
        }
        const answer = toErrorResponse(error, { realm, authPath: false });
        res.writeHead(answer.status, answer.headers).end(answer.body);
      });
  };
}
