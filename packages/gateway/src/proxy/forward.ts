import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Dispatcher, Pool } from 'undici';
import { UPSTREAM_TIMEOUT, UPSTREAM_UNAVAILABLE } from '../respond/outcome.js';
import { writeOutcome } from '../respond/write-outcome.js';
import { responseHeaders } from './hop-headers.js';

const TIMEOUT_CODES = new Set([
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'ETIMEDOUT',
]);

/**
 * Streams the request to the upstream pool and the response back (both ways without buffering).
 * Upstream failures before the response head → 502 (refused, reset, not HTTP) or 504 (timeouts);
 * after it, the client connection is cut, since a truncated body must not look complete.
 * `done(status, error)` is called once with the status the client got and, when the upstream
 * failed, why (`error` set: the 502/504 is the gateway's, not the upstream's).
 */
export function forward(
  pool: Pool,
  req: IncomingMessage,
  res: ServerResponse,
  method: string,
  path: string,
  headers: string[],
  done: (status: number, error?: string) => void,
  setCookies: readonly string[] = [],
): void {
  // A request without Content-Length or Transfer-Encoding has no body (RFC 9112 §6.3): send none,
  // rather than a chunked empty stream.
  const hasBody =
    req.headers['content-length'] !== undefined
      ? req.headers['content-length'] !== '0'
      : req.headers['transfer-encoding'] !== undefined;
  const opts: Dispatcher.RequestOptions = {
    method: method,
    path,
    headers,
    body: hasBody ? req : null,
  };
  let status = 0;
  pool.stream(
    opts,
    ({ statusCode, headers: h }) => {
      status = statusCode;
      const out = responseHeaders(h);
      // The gateway's own cookies (a refreshed login session) beside the upstream's, never over them.
      for (const cookie of setCookies) out.push('set-cookie', cookie);
      res.writeHead(statusCode, out);
      return res;
    },
    (err) => {
      if (!err) {
        done(status);
        return;
      }
      const code = (err as NodeJS.ErrnoException).code ?? '';
      if (res.headersSent) {
        res.destroy();
        done(status, code || err.message);
        return;
      }
      if (req.destroyed || res.destroyed) {
        done(499, 'client closed');
        return;
      }
      const timeout = TIMEOUT_CODES.has(code);
      const outcome = timeout ? UPSTREAM_TIMEOUT : UPSTREAM_UNAVAILABLE;
      writeOutcome(res, outcome);
      done(outcome.status, code || err.message);
    },
  );
}
