import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';
import { namespaceOf } from '../policy/namespace-of.js';
import type { PolicyRequest } from '../policy/types.js';
import { coreErrors } from '../errors/errors.js';
import { canonicalAuthority } from './canonical-authority.js';
import { normalizePath, type NormalizePathOptions } from './normalize-path.js';

/**
 * Options of {@link policyRequestFromHttp}.
 *
 * @example
 * ```ts
 * policyRequestFromHttp(req, { routeLabels: { app: 'orders' }, routeNamespace: 'shop', trustedProxies: 1 });
 * ```
 */
export interface PolicyRequestFromHttpOptions {
  /** Path normalization (strict defaults: see `normalizePath`). */
  readonly normalize?: NormalizePathOptions;
  readonly routeLabels?: Readonly<Record<string, string>>;
  readonly routeNamespace?: string;
  /**
   * Proxies in front of this one that append to `X-Forwarded-For` and are trusted (Istio
   * `numTrustedProxies`, Envoy `xff_num_trusted_hops`). With N > 0 the remote IP is the N-th
   * address from the right; with 0 (default) the header is ignored and the remote IP is the peer.
   */
  readonly trustedProxies?: number;
}

/**
 * The mTLS peer principal: the client certificate's SPIFFE URI SAN without `spiffe://`
 * (`cluster.local/ns/default/sa/webui`). Only for a certificate the TLS layer verified
 * (`socket.authorized`), and only when there is exactly one SPIFFE URI (SPIFFE X509-SVID §2).
 *
 * @example
 * ```ts
 * const principal = peerPrincipalOf(req.socket); // 'cluster.local/ns/default/sa/webui' or undefined
 * ```
 */
export function peerPrincipalOf(socket: IncomingMessage['socket']): string | undefined {
  const tls = socket as Partial<TLSSocket>;
  if (tls.encrypted !== true || tls.authorized !== true || typeof tls.getPeerCertificate !== 'function')
    return undefined;
  const san = tls.getPeerCertificate().subjectaltname;
  if (typeof san !== 'string') return undefined;
  const ids = san
    .split(', ')
    .filter((s) => s.startsWith('URI:spiffe://'))
    .map((s) => s.slice('URI:spiffe://'.length));
  if (ids.length !== 1 || !/^[^/\s]+(\/[^\s]*)?$/.test(ids[0]!)) return undefined;
  return ids[0];
}

/**
 * Builds the {@link PolicyRequest} of a node:http request: normalized path and raw query (throws
 * `ERR_HTTP_PATH_INVALID` for a path it refuses), canonical host (`canonicalAuthority`, as the gateway and
 * `tessera policy check` read it; `ERR_HTTP_HOST_INVALID` when it has none), destination port, headers
 * (lists joined with `, `), peer and local addresses, SNI and the verified mTLS peer principal and
 * namespace.
 *
 * @example
 * ```ts
 * const request = policyRequestFromHttp(req, { routeLabels: route.labels, routeNamespace: route.namespace });
 * const decision = policySet.authorize(request, await policySet.authenticate(request));
 * ```
 */
export function policyRequestFromHttp(req: IncomingMessage, options: PolicyRequestFromHttpOptions = {}): PolicyRequest {
  const { path, query } = normalizePath(req.url ?? '', options.normalize);
  const socket = req.socket;
  let headers = req.headers as Record<string, string | string[] | undefined>;
  for (const name in headers) {
    if (typeof headers[name] !== 'string') {
      // Lists (`req.headersDistinct`, repeated headers) are joined as Envoy joins them.
      const copy: Record<string, string> = {};
      for (const k in headers) {
        const v = headers[k];
        if (v !== undefined) copy[k] = typeof v === 'string' ? v : v.length === 1 ? v[0]! : v.join(', ');
      }
      headers = copy;
      break;
    }
  }
  const sourceIp = socket.remoteAddress;
  let remoteIp = sourceIp;
  const trusted = options.trustedProxies ?? 0;
  const xff = headers['x-forwarded-for'];
  if (trusted > 0 && typeof xff === 'string') {
    const hops = xff
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s.length > 0);
    if (hops.length > 0) remoteIp = hops[Math.max(0, hops.length - trusted)];
  }
  const tls = socket as Partial<TLSSocket>;
  const sni = tls.encrypted === true && typeof tls.servername === 'string' ? tls.servername : undefined;
  const peerPrincipal = peerPrincipalOf(socket);
  const peerNamespace = namespaceOf(peerPrincipal);
  // The canonical authority the gateway and `tessera policy check` match too: one reading of the Host.
  const hostHeader = headers.host;
  let host = '';
  if (typeof hostHeader === 'string' && hostHeader !== '') {
    const authority = canonicalAuthority(hostHeader);
    if (authority === undefined)
      throw coreErrors.create('ERR_HTTP_HOST_INVALID', 'the Host header has no single canonical reading');
    host = authority.authority;
  }
  return {
    method: req.method ?? 'GET',
    host,
    path,
    ...(query === undefined ? {} : { query }),
    port: socket.localPort ?? 0,
    headers: headers as Record<string, string | undefined>,
    ...(sourceIp === undefined ? {} : { sourceIp }),
    ...(remoteIp === undefined ? {} : { remoteIp }),
    ...(socket.localAddress === undefined ? {} : { destinationIp: socket.localAddress }),
    ...(sni === undefined ? {} : { sni }),
    ...(peerPrincipal === undefined ? {} : { peerPrincipal }),
    ...(peerNamespace === undefined ? {} : { peerNamespace }),
    ...(options.routeLabels === undefined ? {} : { routeLabels: options.routeLabels }),
    ...(options.routeNamespace === undefined ? {} : { routeNamespace: options.routeNamespace }),
  };
}
