import type { ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Outcome } from './outcome.js';

const TEXT = 'text/plain; charset=utf-8';

/**
 * Writes an outcome as the HTTP answer. When the head was already sent (an upstream that failed
 * mid-body), the connection is cut instead: a truncated body must not look complete.
 *
 * @example
 * ```ts
 * writeOutcome(res, denied('deny-matched ns/p rule 0'));
 * ```
 */
export function writeOutcome(res: ServerResponse, outcome: Outcome): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const h: Record<string, string | number | readonly string[]> = {
    'content-type': TEXT,
    'content-length': Buffer.byteLength(outcome.body),
    ...outcome.headers,
  };
  if (outcome.close === true) h.connection = 'close';
  res.writeHead(outcome.status, h as Record<string, string | number | string[]>);
  res.end(outcome.body);
}

/** Writes a short plain-text answer that is not a refusal (admin endpoints, the decision API's 200). */
export function writeText(res: ServerResponse, status: number, body: string, headers?: Record<string, string>): void {
  writeOutcome(res, { status, body, headers: headers ?? {}, reason: 'allowed', detail: '' });
}

const STATUS_TEXT: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  431: 'Request Header Fields Too Large',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
};

/**
 * Writes an outcome on the raw socket of an upgrade request (no 101 was sent) and closes it:
 * the same status, headers and body as over HTTP.
 *
 * @example
 * ```ts
 * writeUpgradeOutcome(socket, refusalOf(verdict, realm));
 * ```
 */
export function writeUpgradeOutcome(socket: Duplex, outcome: Outcome): void {
  if (socket.destroyed) return;
  const body = outcome.body;
  let head = `HTTP/1.1 ${outcome.status} ${STATUS_TEXT[outcome.status] ?? 'Error'}\r\ncontent-type: ${TEXT}\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n`;
  for (const [k, v] of Object.entries(outcome.headers))
    for (const line of typeof v === 'string' ? [v] : v) head += `${k}: ${line}\r\n`;
  socket.end(`${head}\r\n${body}`);
}
