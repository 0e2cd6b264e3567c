import type { ServerResponse } from 'node:http';

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
