import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';
import type { GatewayIdentity } from '../auth/verdict.js';
import type { GatewayContext } from '../context/gateway-context.js';
import { connectionNamed, isHopByHop } from '../proxy/hop-headers.js';
import type { Prepared } from '../request/prepare-request.js';
import { identityHeaders } from './identity-headers.js';

/** Outcome of building the upstream request headers. */
export type UpstreamHeaders = { ok: true; headers: string[]; query: string } | { ok: false; reason: string };

/**
 * Builds the upstream request head from the client's raw headers: hop-by-hop headers and those the
 * `Connection` header names are removed (RFC 9110 §7.6.1), every header the gateway sets is removed
 * then set (`X-Forwarded-*`, identity headers, the minted token), and the token is stripped unless
 * forwarding is asked for. Claims holding control characters reject or drop per the route.
 */
export function upstreamHeaders(
  ctx: GatewayContext,
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
    if (drop.has(name) || isHopByHop(name) || named?.has(name) || name.startsWith('x-envoy-')) continue;
    // `x_jwt_sub` reads as `x-jwt-sub` to upstreams that fold `_` into `-` (CGI, WSGI, Rack, PHP).
    if (name.includes('_') && drop.has(name.replaceAll('_', '-'))) continue;
    if (!forwardToken && name === tokenHeader) continue;
    if (minted !== undefined && name === m.mint!.header) continue;
    out.push(name, raw[i + 1]!);
  }
  // Only WebSocket is ever tunnelled (the upgrade entry checked the token).
  if (upgrade) out.push('connection', 'upgrade', 'upgrade', 'websocket');
  const r = p.request;
  if (route.preserveHost) out.push('host', r.authority || r.host);
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
  out.push('x-forwarded-host', typeof xfh === 'string' && xfh.length > 0 ? xfh : r.authority || r.host);
  // On an mTLS listener the verified peer certificate speaks, as Istio's sidecar sets it (Envoy's
  // SANITIZE_SET: the client's own copy was dropped above).
  if (r.peerPrincipal !== undefined) {
    const cert = (req.socket as TLSSocket).getPeerCertificate?.(false);
    const hash = cert?.raw ? createHash('sha256').update(cert.raw).digest('hex') : undefined;
    out.push('x-forwarded-client-cert', `${hash ? `Hash=${hash};` : ''}URI=spiffe://${r.peerPrincipal}`);
  }
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
