import type { IncomingMessage } from 'node:http';

/**
 * True when the request body is declared as `mediaType` (compared without parameters such as
 * `charset`, case-insensitively: RFC 9110 §8.3.1).
 *
 * @example
 * ```ts
 * if (!hasMediaType(req, 'application/x-www-form-urlencoded')) throw invalidRequest();
 * ```
 */
export function hasMediaType(
  req: IncomingMessage,
  mediaType: 'application/x-www-form-urlencoded' | 'application/json',
): boolean {
  const type = req.headers['content-type'];
  return type !== undefined && type.split(';', 1)[0]!.trim().toLowerCase() === mediaType;
}
