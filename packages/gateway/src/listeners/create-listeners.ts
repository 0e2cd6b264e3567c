import { readFileSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import type { GatewayConfig, GatewayListenerConfig } from '../config/load-gateway-config.js';

/** A listener's server with its configuration. */
export interface Listener {
  readonly server: Server;
  readonly config: GatewayListenerConfig;
}

/** The entries a listener hands its requests to. */
export interface ListenerHandlers {
  request(listener: GatewayListenerConfig): (req: IncomingMessage, res: ServerResponse) => void;
  upgrade(listener: GatewayListenerConfig): (req: IncomingMessage, socket: Duplex, head: Buffer) => void;
  /** Answers a request whose handler threw (fail closed: 500, never passed through). */
  unexpected(res: ServerResponse): void;
}

const CLIENT_ERRORS: Record<number, [status: string, body: string]> = {
  400: ['Bad Request', 'Bad Request'],
  408: ['Request Timeout', 'request timeout'],
  431: ['Request Header Fields Too Large', 'request header fields too large'],
};

/**
 * Creates one server per configured listener (HTTP, TLS, mTLS) with the gateway's limits (header
 * size and count, request timeout), its requests and upgrades handed to the pipeline's entries,
 * and node's parse errors answered with 400, 408 or 431 before the connection closes.
 *
 * @example
 * ```ts
 * const listeners = createListeners(config, logger, { request, upgrade, unexpected });
 * ```
 */
export function createListeners(config: GatewayConfig, logger: Logger, handlers: ListenerHandlers): Listener[] {
  return config.listeners.map((listener) => {
    const common = {
      maxHeaderSize: config.limits.maxHeaderBytes,
      requestTimeout: config.limits.requestTimeoutMs,
      headersTimeout: Math.min(config.limits.requestTimeoutMs, 60_000),
      keepAliveTimeout: 5000,
      // Duplicate headers stay visible (req.headersDistinct) so conflicts can be refused.
      joinDuplicateHeaders: false,
    };
    const tls = listener.tls;
    const server: Server = tls
      ? createHttpsServer({
          ...common,
          cert: readFileSync(tls.cert),
          key: readFileSync(tls.key),
          ...(tls.clientCa ? { ca: readFileSync(tls.clientCa) } : {}),
          requestCert: tls.requestCert,
          rejectUnauthorized: tls.requireClientCert,
        })
      : createHttpServer(common);
    // Count one past the cap so "too many" is seen rather than silently truncated.
    server.maxHeadersCount = config.limits.maxHeaderCount + 1;
    // Nothing a request does may throw out of the handler (an exception there ends the process):
    // whatever escapes is logged and answered 500, never passed through (fail closed).
    const onRequest = handlers.request(listener);
    const onUpgrade = handlers.upgrade(listener);
    server.on('request', (req: IncomingMessage, res: ServerResponse) => {
      try {
        onRequest(req, res);
      } catch (err) {
        logger.error({ err }, 'unexpected error on a request; request denied');
        handlers.unexpected(res);
      }
    });
    server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      try {
        onUpgrade(req, socket, head);
      } catch (err) {
        logger.error({ err }, 'unexpected error on an upgrade; connection closed');
        socket.destroy();
      }
    });
    server.on('clientError', (err: NodeJS.ErrnoException, socket: Socket) => {
      if (!socket.writable || socket.destroyed) return;
      const status = err.code === 'HPE_HEADER_OVERFLOW' ? 431 : err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400;
      const [text, body] = CLIENT_ERRORS[status]!;
      socket.end(
        `HTTP/1.1 ${status} ${text}\r\ncontent-type: text/plain\r\ncontent-length: ${body.length}\r\nconnection: close\r\n\r\n${body}`,
      );
    });
    return { server, config: listener };
  });
}
