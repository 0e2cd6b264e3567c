import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { toErrorResponse } from '../http/to-error-response.js';
import type { VerifiedJwt } from '../jose/types.js';
import type { Authenticator, AuthenticatorOptions } from './create-authenticator.js';
import { resolveAuthenticator } from './internal/resolve-authenticator.js';

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      /** The verified token, set by `tesseraExpress`; `undefined` on exempt routes. */
      auth?: VerifiedJwt;
    }
  }
}

/**
 * Express 5 middleware: authenticates every request (see {@link createAuthenticator}), sets
 * `req.auth` to the verified token and calls `next()`, or answers the RFC 6750 failure itself
 * (401 / 403 / 400, never a 500). Mount it before the routes; it reads `req.originalUrl`, so it
 * sees the full path even under a mount point. Express is only a type import: `@tessera/core` has
 * no runtime dependency on it.
 *
 * @example
 * ```ts
 * const app = express();
 * app.use(tesseraExpress({ verifier, realm: 'orders', exempt: ['GET /health'] }));
 * app.get('/orders', (req, res) => res.json({ caller: req.auth?.payload.sub }));
 * ```
 */
export function tesseraExpress(options: AuthenticatorOptions | Authenticator): RequestHandler {
  const authenticator = resolveAuthenticator(options);
  const realm = 'realm' in options && typeof options.realm === 'string' ? options.realm : undefined;
  return function tesseraAuth(req: Request, res: Response, next: NextFunction): void {
    authenticator
      .authenticate({
        method: req.method,
        url: req.originalUrl ?? req.url,
        headers: req.headersDistinct ?? req.headers,
        socket: req.socket,
      })
      .then(
        (result) => {
          if (result.ok) {
            req.auth = result.token;
            next();
            return;
          }
          res.writeHead(result.status, result.headers).end(result.body);
        },
        (error: unknown) => {
          // authenticate() never rejects; should it ever, the request is still denied (fail closed).
          const answer = toErrorResponse(error, { realm });
          if (!res.headersSent) res.writeHead(answer.status, answer.headers).end(answer.body);
        },
      );
  };
}
