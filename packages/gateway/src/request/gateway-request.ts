import type { IncomingHttpHeaders } from 'node:http';

/**
 * The one normalized request the gateway builds per request (ARCHITECTURE.md, "Request path"): it
 * drives routing, authentication, authorization and the upstream request, so no two of them can
 * disagree about what the path or the host is.
 *
 * @example
 * ```ts
 * const r: GatewayRequest = { method: 'GET', scheme: 'http', host: 'api.local', port: 8080, path: '/admin', query: '', headers: {}, sourceIp: '127.0.0.1', remoteIp: '127.0.0.1', peerPrincipal: undefined, sni: undefined };
 * ```
 */
export interface GatewayRequest {
  /** Upper-case method. */
  readonly method: string;
  /** Scheme the client used on this listener. */
  readonly scheme: 'http' | 'https';
  /** Lower-case host without the port (`Host`, or `:authority`). */
  readonly host: string;
  /**
   * Lower-case authority as sent, port included (Istio matches `hosts` against it). In the decision
   * API this is the original request's host, not the Host of the call to the gateway.
   */
  readonly authority: string;
  /** Port of the listener that accepted the request (`destination.port`). */
  readonly port: number;
  /** Normalized path without the query (merge slashes, dot segments resolved, unreserved escapes decoded). */
  readonly path: string;
  /** The query string with its `?`, or `''`. Passed upstream unchanged. */
  readonly query: string;
  /** Headers as node:http parsed them (first Authorization / Host only, others joined). */
  readonly headers: IncomingHttpHeaders;
  /** Peer address of the TCP connection (`source.ip`). */
  readonly sourceIp: string;
  /** Original client address: from `X-Forwarded-For` when the peer is a trusted proxy, else the peer (`remote.ip`). */
  readonly remoteIp: string;
  /** The local address the connection arrived on (`destination.ip`), as the middleware reads it. */
  readonly destinationIp: string | undefined;
  /** mTLS peer principal from the client certificate's SPIFFE URI SAN, `cluster.local/ns/default/sa/webui`. */
  readonly peerPrincipal: string | undefined;
  /** TLS SNI (`connection.sni`). */
  readonly sni: string | undefined;
}
