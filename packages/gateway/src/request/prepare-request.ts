import type { IncomingMessage } from 'node:http';
import { canonicalAuthority, type CanonicalAuthority } from '@tessera/core';
import type { TLSSocket } from 'node:tls';
import type { GatewayListenerConfig } from '../config/load-gateway-config.js';
import type { GatewayContext, GatewayState } from '../context/gateway-context.js';
import type { RouteCounters } from '../ops/create-gateway-metrics.js';
import type { GatewayRequest } from './gateway-request.js';
import { normalizeRequestPath } from './normalize-request-path.js';
import type { CompiledRoute } from './route-table.js';
import { spiffePrincipal } from './spiffe-principal.js';

// `http://authority/path?query` or `https://…`: scheme case-insensitive (RFC 3986 §3.1), no
// userinfo (canonicalAuthority refuses `@`).
const ABSOLUTE_FORM = /^https?:\/\/([^/?#]*)([/?][^#]*)?$/i;
const EMPTY_AUTHORITY: CanonicalAuthority = { host: '', port: undefined, authority: '' };

/** A request after parsing and normalizing, with its route and the state it was decided under. */
export interface Prepared {
  readonly request: GatewayRequest;
  readonly route: CompiledRoute;
  readonly counters: RouteCounters;
  readonly state: GatewayState;
}

/** Why a request went no further than parsing: the status to answer and a detail for the log. */
export interface NotPrepared {
  readonly error: 400 | 404 | 431;
  readonly reason: string;
}

/** The request a decision-API call describes (the front proxy's view), in place of the call's own. */
export interface OriginalRequest {
  readonly method: string;
  /** Origin-form target: path and query. */
  readonly url: string;
  /** Original `Host`; `undefined` = the `Host` of the call. */
  readonly host: string | undefined;
  /** Original scheme when the front proxy says it (Traefik's `X-Forwarded-Proto`). */
  readonly scheme?: 'http' | 'https';
}

/**
 * Parses and normalizes a request once into a {@link GatewayRequest} and picks its route (the
 * first stage of every entry): the one normalized request drives routing, authentication,
 * authorization and the upstream request. A request that goes no further gets a {@link NotPrepared}.
 *
 * @example
 * ```ts
 * const p = prepareRequest(ctx, req, listener);
 * if ('error' in p) return refuse(p);
 * ```
 */
export function prepareRequest(
  ctx: GatewayContext,
  req: IncomingMessage,
  listener: GatewayListenerConfig,
  overrideUrl?: OriginalRequest,
  fallbackRoute?: string,
): Prepared | NotPrepared {
  const { config } = ctx;
  if (req.rawHeaders.length > config.limits.maxHeaderCount * 2) return { error: 431, reason: 'too many headers' };
  // Duplicates hide from req.headers (node keeps the first Authorization / Host): count them in
  // the raw list (ARCHITECTURE.md, "Platform facts").
  const raw = req.rawHeaders;
  let hosts = 0;
  let auths = 0;
  for (let i = 0; i < raw.length; i += 2) {
    const n = raw[i]!;
    if (n.length === 4 && n.toLowerCase() === 'host') hosts++;
    else if (n.length === 13 && n.toLowerCase() === 'authorization') auths++;
  }
  if (hosts > 1) return { error: 400, reason: 'duplicate Host header' };
  if (auths > 1) return { error: 400, reason: 'duplicate Authorization header' };
  let url = overrideUrl ? overrideUrl.url : (req.url ?? '');
  let hostHeader = overrideUrl?.host ?? req.headers.host ?? '';
  if (overrideUrl === undefined && url.charCodeAt(0) !== 0x2f /* / */) {
    // Absolute form (RFC 9112 §3.2.2): a server must accept it, and the target's authority is the
    // host, whatever Host says. Envoy does the same. Any other form has no place at a gateway.
    const absolute = ABSOLUTE_FORM.exec(url);
    if (absolute === null) return { error: 400, reason: 'request target is neither origin nor absolute form' };
    hostHeader = absolute[1]!;
    url =
      absolute[2] === undefined || absolute[2] === ''
        ? '/'
        : absolute[2].startsWith('?')
          ? `/${absolute[2]}`
          : absolute[2];
  }
  const q = url.indexOf('?');
  const rawPath = q === -1 ? url : url.slice(0, q);
  const path = normalizeRequestPath(rawPath, config.encodedSlashes);
  if (path === undefined) return { error: 400, reason: 'path cannot be normalized' };
  // The Host is parsed once into its canonical authority (RFC 9112 §3.2): routes match its host
  // part, policies its authority (with the port, as Istio does); what does not parse is a 400.
  const canonical = hostHeader === '' ? EMPTY_AUTHORITY : canonicalAuthority(hostHeader);
  if (canonical === undefined) return { error: 400, reason: 'bad Host header' };
  const host = canonical.host;
  const state = ctx.state();
  const route =
    state.routes.match(host, path) ??
    (fallbackRoute === undefined ? undefined : state.routes.routes.find((r) => r.config.name === fallbackRoute));
  if (route === undefined) return { error: 404, reason: 'no route' };
  if (!route.config.allowPathParameters && path.includes(';')) {
    return { error: 400, reason: 'path parameter (";") on a route that does not allow them' };
  }
  const socket = req.socket as TLSSocket;
  const sourceIp = stripV4Mapped(socket.remoteAddress ?? '');
  let remoteIp = sourceIp;
  const xffRaw = req.headers['x-forwarded-for'];
  if (xffRaw !== undefined && ctx.isTrustedProxy(sourceIp)) {
    const xff = Array.isArray(xffRaw) ? xffRaw.join(',') : xffRaw;
    // The right-most address a trusted proxy did not add is the client (walk from the right).
    const hops = xff
      .split(',')
      .map((s) => stripV4Mapped(s.trim()))
      .filter(Boolean);
    for (let i = hops.length - 1; i >= 0; i--) {
      remoteIp = hops[i]!;
      if (!ctx.isTrustedProxy(remoteIp)) break;
    }
  }
  const tls = listener.tls !== undefined;
  const request: GatewayRequest = {
    method: overrideUrl ? overrideUrl.method : (req.method ?? 'GET'),
    scheme: overrideUrl?.scheme ?? (tls ? 'https' : 'http'),
    host,
    authority: canonical.authority,
    port: socket.localPort ?? listener.port,
    // An upstream that routes without regard to case gets, and policies see, the lower-cased path:
    // the gateway authorizes exactly what it forwards.
    path: route.config.caseInsensitivePaths ? path.toLowerCase() : path,
    query: q === -1 ? '' : url.slice(q),
    headers: req.headers,
    sourceIp,
    remoteIp,
    destinationIp: socket.localAddress === undefined ? undefined : stripV4Mapped(socket.localAddress),
    peerPrincipal: tls && listener.tls?.requestCert ? spiffePrincipal(socket) : undefined,
    sni: tls ? socket.servername || undefined : undefined,
  };
  return { request, route, counters: ctx.metrics.route(route.config.name), state };
}

/** `1.2.3.4` for `::ffff:1.2.3.4` (a dual-stack socket's IPv4 peer), the address itself otherwise. */
export function stripV4Mapped(ip: string): string {
  return ip.startsWith('::ffff:') && ip.includes('.') ? ip.slice(7) : ip;
}
