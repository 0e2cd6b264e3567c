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
/** The connection caps of one listener (`limits.maxConnectionsPer*`). */
interface ConnectionCaps {
  readonly perListener: number;
  readonly perSource: number;
  isTrustedProxy(ip: string): boolean;
}

/**
 * Caps a server's open connections, in total and per source address, so that enough half-sent
 * requests or held streams from one client cannot take the listener from everyone else. A
 * connection over a cap is closed at once, before a byte is read (and before any TLS handshake).
 */
function capConnections(server: Server, caps: ConnectionCaps, onRefused: (source: string, cap: string) => void): void {
  let open = 0;
  const perSource = new Map<string, number>();
  server.on('connection', (socket: Socket) => {
    const source = socket.remoteAddress ?? '';
    const counted = !caps.isTrustedProxy(source.startsWith('::ffff:') ? source.slice(7) : source);
    const mine = counted ? (perSource.get(source) ?? 0) : 0;
    if (open >= caps.perListener || mine >= caps.perSource) {
      onRefused(source, open >= caps.perListener ? 'listener' : 'source');
      socket.destroy();
      return;
    }
    open++;
    if (counted) perSource.set(source, mine + 1);
    socket.once('close', () => {
      open--;
      if (!counted) return;
      const left = (perSource.get(source) ?? 1) - 1;
      if (left === 0) perSource.delete(source);
      else perSource.set(source, left);
    });
  });
}

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
 * size and count, request timeout, open connections per listener and per source), its requests and upgrades handed to the pipeline's entries,
 * and node's parse errors answered with 400, 408 or 431 before the connection closes.
 *
 * @example
 * ```ts
 * const listeners = createListeners(config, logger, { request, upgrade, unexpected }, ctx.isTrustedProxy);
 * ```
 */
export function createListeners(
  config: GatewayConfig,
  logger: Logger,
  handlers: ListenerHandlers,
  isTrustedProxy: (ip: string) => boolean,
): Listener[] {
  const caps: ConnectionCaps = {
    perListener: config.limits.maxConnectionsPerListener,
    perSource: config.limits.maxConnectionsPerSource,
    isTrustedProxy,
  };
  // One warning per source and cap a minute is enough to see an attack without flooding the log.
  const warned = new Map<string, number>();
  const onRefused = (source: string, cap: string) => {
    const key = `${source} ${cap}`;
    const now = Date.now();
    if ((warned.get(key) ?? 0) > now - 60_000) return;
    warned.set(key, now);
    if (warned.size > 1000) warned.clear();
    logger.warn({ source, cap }, 'connection refused: connection cap reached');
  };
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
    capConnections(server, caps, onRefused);
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
