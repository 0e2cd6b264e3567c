import type { IncomingMessage, ServerResponse } from 'node:http';
import { tokenServiceErrors } from '../../errors.js';

/**
 * Reads the whole body up to `limit` bytes; beyond it, `ERR_TOKEN_SERVICE_BODY_TOO_LARGE`.
 *
 * @example
 * ```ts
 * const body = await readBody(req, 65_536);
 * ```
 */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) {
    req.resume();
    return Promise.reject(tokenServiceErrors.create('ERR_TOKEN_SERVICE_BODY_TOO_LARGE', 'request body too large'));
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    req.on('data', (chunk: Buffer) => {
      if (failed) return;
      size += chunk.length;
      if (size > limit) {
        failed = true;
        reject(tokenServiceErrors.create('ERR_TOKEN_SERVICE_BODY_TOO_LARGE', 'request body too large'));
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (!failed) resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size));
    });
    req.on('error', (err) => {
      if (!failed) {
        failed = true;
        reject(err);
      }
    });
  });
}

/**
 * Writes a JSON answer.
 *
 * @example
 * ```ts
 * sendJson(res, 200, { status: 'ok' }, { 'cache-control': 'no-store' });
 * ```
 */
export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Readonly<Record<string, string>> = {},
): void {
  const payload = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(payload),
    ...headers,
  });
  res.end(payload);
}

/**
 * True when the request body is declared `application/x-www-form-urlencoded` (parameters such as charset allowed).
 *
 * @example
 * ```ts
 * if (!isFormRequest(req)) throw invalidRequest();
 * ```
 */
export function isFormRequest(req: IncomingMessage): boolean {
  const type = req.headers['content-type'];
  if (type === undefined) return false;
  const base = type.split(';', 1)[0]!.trim().toLowerCase();
  return base === 'application/x-www-form-urlencoded';
}

/**
 * True when the request body is declared JSON.
 *
 * @example
 * ```ts
 * if (isJsonRequest(req)) body = JSON.parse(text);
 * ```
 */
export function isJsonRequest(req: IncomingMessage): boolean {
  const type = req.headers['content-type'];
  return type !== undefined && type.split(';', 1)[0]!.trim().toLowerCase() === 'application/json';
}
