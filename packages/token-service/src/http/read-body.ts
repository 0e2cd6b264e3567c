import type { IncomingMessage } from 'node:http';
import { tokenServiceErrors } from '../errors.js';

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
