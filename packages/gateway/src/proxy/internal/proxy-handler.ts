import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TLSSocket } from 'node:tls';
import type { Logger } from 'pino';
import { formatWwwAuthenticate } from '@tessera/core';
import type { GatewayConfig, GatewayListenerConfig } from '../../config/load-gateway-config.js';
import type { GatewayRequest } from '../../auth/gateway-request.js';
import type { Enforcer, GatewayIdentity, Verdict } from '../../auth/verdict.js';
import type { GatewayMetrics, RouteCounters } from '../../ops/create-gateway-metrics.js';
import type { TokenMinter } from '../../mutate/create-token-minter.js';
import { claimHeaderValue } from '../../mutate/claim-header-value.js';
import { connectionNamed, isHopByHop, responseHeaders } from './hop-headers.js';
import { normalizeRequestPath } from './normalize-request-path.js';
import type { CompiledRoute, RouteTable } from './route-table.js';
import { spiffePrincipal } from './spiffe-principal.js';

/** What a reload swaps atomically: routes and the compiled policy set travel together. */
export interface GatewayState {
  readonly routes: RouteTable;
  readonly enforcer: Enforcer;
}

/** Everything the request path needs, built once by `createGateway`. */
export interface HandlerContext {
  readonly config: GatewayConfig;
  state(): GatewayState;
  readonly metrics: GatewayMetrics;
  readonly logger: Logger | undefined;
  readonly minter: TokenMinter | undefined;
  isTrustedProxy(ip: string): boolean;
  draining(): boolean;
}

/** A request after parsing and normalizing; `undefined` fields mean the request was answered already. */
export interface Prepared {
  readonly request: GatewayRequest;
  readonly route: CompiledRoute;
  readonly counters: RouteCounters;
  readonly state: GatewayState;
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

const TEXT = 'text/plain; charset=utf-8';

/** Sends a short plain-text answer; `Connection: close` when the request could not be trusted to frame. */
export function answer(
  res: ServerResponse,
  status: number,
  body: string,
  headers?: Record<string, string>,
  close = false,
): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const h: Record<string, string | number> = {
    'content-type': TEXT,
    'content-length': Buffer.byteLength(body),
    ...headers,
  };
  if (close) h.connection = 'close';
  res.writeHead(status, h);
  res.end(body);
}

/** Answers a verdict that is not `allow`: 401 (Envoy texts + RFC 6750 challenge), 403 `RBAC: access denied`, 400. */
export function answerDenied(res: ServerResponse, verdict: Exclude<Verdict, { kind: 'allow' }>, realm: string): void {
  if (verdict.kind === 'unauthenticated') {
    const challenge = formatWwwAuthenticate(verdict.invalidToken ? { realm, error: 'invalid_token' } : { realm });
    answer(res, 401, verdict.body, { 'www-authenticate': challenge });
  } else if (verdict.kind === 'denied') {
    const r = verdict.response;
    if (r === undefined) answer(res, 403, 'RBAC: access denied');
    else {
      // A CUSTOM provider's own answer (Envoy ext_authz relays status, body and listed headers).
      const headers: Record<string, string> = {};
      for (const [k, v] of r.headers) headers[k] = v;
      answer(res, r.status, r.body, headers);
    }
  } else answer(res, 400, 'Bad Request');
}

/**
 * Parses and normalizes a request once into a {@link GatewayRequest} and picks its route; answers
 * 400/404/431 itself and returns `undefined` when the request goes no further.
 */
export function prepare(
  ctx: HandlerContext,
  req: IncomingMessage,
  listener: GatewayListenerConfig,
  overrideUrl?: OriginalRequest,
  fallbackRoute?: string,
): Prepared | { error: number; reason: string } {
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
  const url = overrideUrl ? overrideUrl.url : (req.url ?? '');
  const q = url.indexOf('?');
  const rawPath = q === -1 ? url : url.slice(0, q);
  const path = normalizeRequestPath(rawPath, config.encodedSlashes);
  if (path === undefined) return { error: 400, reason: 'path cannot be normalized' };
  const hostHeader = overrideUrl?.host ?? req.headers.host ?? '';
  const host = hostOnly(hostHeader);
  if (host === undefined) return { error: 400, reason: 'bad Host header' };
  const state = ctx.state();
  const route =
    state.routes.match(host, path) ??
    (fallbackRoute === undefined ? undefined : state.routes.routes.find((r) => r.config.name === fallbackRoute));
  if (route === undefined) return { error: 404, reason: 'no route' };
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
    authority: hostHeader.toLowerCase(),
    port: socket.localPort ?? listener.port,
    path,
    query: q === -1 ? '' : url.slice(q),
    headers: req.headers,
    sourceIp,
    remoteIp,
    peerPrincipal: tls && listener.tls?.requestCert ? spiffePrincipal(socket) : undefined,
    sni: tls ? socket.servername || undefined : undefined,
  };
  return { request, route, counters: ctx.metrics.route(route.config.name), state };
}

/** Lower-case host without port; `undefined` when the value is not a plausible host. */
function hostOnly(value: string): string | undefined {
  if (value.length === 0) return '';
  let host = value;
  if (host.charCodeAt(0) === 0x5b) {
    const end = host.indexOf(']');
    if (end === -1) return undefined;
    host = host.slice(0, end + 1);
  } else {
    const colon = host.indexOf(':');
    if (colon !== -1) {
      if (!/^\d{1,5}$/.test(host.slice(colon + 1))) return undefined;
      host = host.slice(0, colon);
    }
  }
  if (!/^[A-Za-z0-9.\-_[\]:]*$/.test(host)) return undefined;
  return host.toLowerCase();
}

export function stripV4Mapped(ip: string): string {
  return ip.startsWith('::ffff:') && ip.includes('.') ? ip.slice(7) : ip;
}

/** `realm` for `WWW-Authenticate`: the configured one, or the request URL as Envoy does. */
export function realmOf(ctx: HandlerContext, r: GatewayRequest): string {
  return ctx.config.realm ?? `${r.scheme}://${r.authority || r.host}${r.path}`;
}

/** Records the verdict in the route's counters (Envoy's jwt_authn and rbac stats). */
export function count(counters: RouteCounters, verdict: Verdict): void {
  if (verdict.kind === 'unauthenticated') {
    counters.jwtDenied.inc();
    return;
  }
  if (verdict.kind === 'bad-request') return;
  counters.jwtAllowed.inc();
  if (verdict.kind === 'allow') counters.allowed.inc();
  else counters.denied.inc();
  if (verdict.dryRun === 'allow') counters.dryRunAllowed.inc();
  else if (verdict.dryRun === 'deny') counters.dryRunDenied.inc();
}

/** Headers the gateway sets itself on the upstream request; a client copy of any of them is dropped. */
const ALWAYS_MANAGED = [
  'x-forwarded-for',
  'x-forwarded-proto',
  'x-forwarded-host',
  'x-forwarded-port',
  'forwarded',
  'x-real-ip',
  'x-envoy-external-address',
  'x-tessera-principal',
  'x-tessera-request-principal',
  'x-tessera-route',
  'expect',
  'host',
];

/** The set of header names to drop from the client's request for this route and identity rules. */
export function managedHeaders(route: CompiledRoute, enforcer: Enforcer, config: GatewayConfig): Set<string> {
  const set = new Set<string>(ALWAYS_MANAGED);
  for (const p of config.policies.extensionProviders) for (const h of p.headersToUpstreamOnAllow) set.add(h);
  for (const h of enforcer.managedHeaders) set.add(h);
  const m = route.config.mutations;
  for (const c of m.claimsToHeaders) set.add(c.header);
  if (m.payloadHeader) set.add(m.payloadHeader);
  if (m.mint) set.add(m.mint.header);
  return set;
}

/** Outcome of building the upstream request headers. */
export type UpstreamHeaders = { ok: true; headers: string[]; query: string } | { ok: false; reason: string };

/**
 * Builds the upstream request head from the client's raw headers: hop-by-hop headers and those the
 * `Connection` header names are removed (RFC 9110 §7.6.1), every header the gateway sets is removed
 * then set (`X-Forwarded-*`, identity headers, the minted token), and the token is stripped unless
 * forwarding is asked for. Claims holding control characters reject or drop per the route.
 */
export function upstreamHeaders(
  ctx: HandlerContext,
  req: IncomingMessage,
  p: Prepared,
  identity: GatewayIdentity | undefined,
  minted: string | undefined,
  drop: ReadonlySet<string>,
  upgrade: boolean,
  extra: readonly (readonly [string, string])[],
): UpstreamHeaders {
  const raw = req.rawHeaders;
  const named = connectionNamed(req.headers.connection);
  const route = p.route.config;
  const m = route.mutations;
  const forwardToken = identity === undefined ? true : (m.forwardOriginalToken ?? identity.forwardOriginalToken);
  const tokenHeader = identity?.tokenHeader;
  const out: string[] = [];
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!.toLowerCase();
    if (drop.has(name) || isHopByHop(name) || named?.has(name)) continue;
    // `x_jwt_sub` reads as `x-jwt-sub` to upstreams that fold `_` into `-` (CGI, WSGI, Rack, PHP).
    if (name.includes('_') && drop.has(name.replaceAll('_', '-'))) continue;
    if (!forwardToken && name === tokenHeader) continue;
    if (minted !== undefined && name === m.mint!.header) continue;
    out.push(name, raw[i + 1]!);
  }
  if (upgrade) out.push('connection', 'upgrade', 'upgrade', req.headers.upgrade ?? 'websocket');
  const r = p.request;
  if (route.preserveHost) out.push('host', req.headers.host ?? r.host);
  // X-Forwarded-For: append the peer to what a trusted proxy sent; otherwise start afresh.
  const xff = req.headers['x-forwarded-for'];
  out.push(
    'x-forwarded-for',
    xff !== undefined && ctx.isTrustedProxy(r.sourceIp)
      ? `${Array.isArray(xff) ? xff.join(', ') : xff}, ${r.sourceIp}`
      : r.sourceIp,
  );
  const trusted = ctx.isTrustedProxy(r.sourceIp);
  const xfp = trusted ? req.headers['x-forwarded-proto'] : undefined;
  out.push('x-forwarded-proto', typeof xfp === 'string' && (xfp === 'http' || xfp === 'https') ? xfp : r.scheme);
  const xfh = trusted ? req.headers['x-forwarded-host'] : undefined;
  out.push('x-forwarded-host', typeof xfh === 'string' && xfh.length > 0 ? xfh : (req.headers.host ?? r.host));
  const ident = identityHeaders(p, identity, minted);
  if (!ident.ok) return ident;
  for (const h of ident.headers) out.push(h);
  for (const [k, v] of extra) out.push(k, v);
  let query = r.query;
  // Strip the token from the query wherever it is: the parameter it was read from, and any other
  // parameter carrying the same token (sent both as a header and as `?access_token=`).
  if (
    identity !== undefined &&
    !forwardToken &&
    query.length > 1 &&
    (identity.tokenParam !== undefined || query.includes(identity.token.slice(0, 16)))
  ) {
    const params = new URLSearchParams(query.slice(1));
    if (identity.tokenParam !== undefined) params.delete(identity.tokenParam);
    for (const [name, value] of [...params]) if (value === identity.token) params.delete(name, value);
    const s = params.toString();
    query = s.length ? `?${s}` : '';
  }
  return { ok: true, headers: out, query };
}

/**
 * The headers the gateway adds for a verified caller: claims (jwtRule `outputClaimToHeaders` and
 * route `claimsToHeaders`), the payload header, and the minted token. Used for the upstream request
 * and for the decision API's 200 answer.
 */
export function identityHeaders(
  p: Prepared,
  identity: GatewayIdentity | undefined,
  minted: string | undefined,
): { ok: true; headers: string[] } | { ok: false; reason: string } {
  const out: string[] = [];
  const m = p.route.config.mutations;
  if (identity !== undefined) {
    // jwtRules `outputClaimToHeaders`: the same printable-ASCII rule as the route's claim headers.
    for (const [name, value] of identity.headersToAdd) {
      if (!isPrintableAscii(value)) {
        if (m.onUnsafeClaim === 'reject')
          return { ok: false, reason: `header ${name} from a claim holds characters a header cannot carry` };
        continue;
      }
      out.push(name, value);
    }
    for (const rule of m.claimsToHeaders) {
      const v = claimHeaderValue(identity.payload, rule.claim);
      if (v === undefined) continue;
      if (v === null) {
        if (m.onUnsafeClaim === 'reject')
          return { ok: false, reason: `claim ${rule.claim} holds characters a header cannot carry` };
        continue;
      }
      out.push(rule.header, v);
    }
    if (m.payloadHeader !== undefined) {
      // Envoy forwards the token's own base64url payload segment.
      const first = identity.token.indexOf('.');
      out.push(m.payloadHeader, identity.token.slice(first + 1, identity.token.indexOf('.', first + 1)));
    }
  }
  if (minted !== undefined) {
    const h = m.mint!.header;
    out.push(h, h === 'authorization' ? `Bearer ${minted}` : minted);
  }
  return { ok: true, headers: out };
}

/** Writes the upstream response to the client (hop-by-hop headers removed). */
export function writeUpstreamHead(
  res: ServerResponse,
  statusCode: number,
  headers: Record<string, string | string[] | undefined>,
): void {
  res.writeHead(statusCode, responseHeaders(headers));
}

function isPrintableAscii(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x20 || c > 0x7e) return false;
  }
  return true;
}
