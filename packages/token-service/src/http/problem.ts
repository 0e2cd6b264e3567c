import { STATUS_CODES } from 'node:http';
import { isTesseraError } from '@tessera/core';

/** An RFC 9457 problem document (plus Tessera's `code` extension member). */
export interface ProblemDocument {
  readonly type: string;
  readonly title: string;
  readonly status: number;
  readonly detail?: string;
  readonly code?: string;
}

/**
 * Turns any thrown value into RFC 9457 problem JSON for the admin API (ARCHITECTURE.md, "Errors").
 * `type` is `about:blank` (§4.2.1: the status says it all) and the stable Tessera code travels in the
 * `code` extension member. Storage that is down is a 503 with `ERR_STORE_UNAVAILABLE`. Other
 * unexposed errors become a bare 500; their details belong in the log.
 *
 * @example
 * ```ts
 * const problem = toProblem(tokenServiceErrors.create('ERR_ADMIN_NOT_FOUND', 'no client "x"'));
 * // { type: 'about:blank', title: 'Not Found', status: 404, detail: 'no client "x"', code: 'ERR_ADMIN_NOT_FOUND' }
 * ```
 */
export function toProblem(error: unknown): ProblemDocument {
  // Storage down: a 503 the caller may retry, with its stable code; the driver's message (hosts,
  // ports) stays in the log.
  if (isTesseraError(error) && error.code === 'ERR_STORE_UNAVAILABLE')
    return {
      type: 'about:blank',
      title: 'Service Unavailable',
      status: 503,
      detail: 'storage is unavailable; retry shortly',
      code: error.code,
    };
  if (isTesseraError(error) && error.expose) {
    return {
      type: 'about:blank',
      title: STATUS_CODES[error.status] ?? 'Error',
      status: error.status,
      detail: error.message,
      code: error.code,
    };
  }
  return { type: 'about:blank', title: 'Internal Server Error', status: 500 };
}
