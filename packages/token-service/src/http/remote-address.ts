import type { IncomingMessage } from 'node:http';

/**
 * The source address of a request: the socket's peer, or with `trustProxy` the right-most
 * `X-Forwarded-For` entry (the one the trusted proxy appended).
 *
 * @example
 * ```ts
 * limiter.take(remoteAddress(req, config.server.trustProxy));
 * ```
 */
export function remoteAddress(req: IncomingMessage, trustProxy: boolean): string {
  if (trustProxy) {
    // The right-most entry is the one the trusted proxy appended (the peer it saw); anything
    // left of it came from the client and could be rotated to dodge the per-address limit.
    const forwarded = req.headers['x-forwarded-for'];
    const last = typeof forwarded === 'string' ? forwarded.slice(forwarded.lastIndexOf(',') + 1).trim() : undefined;
    if (last) return last;
  }
  return req.socket.remoteAddress ?? 'unknown';
}
