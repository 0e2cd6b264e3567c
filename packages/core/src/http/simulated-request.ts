import type { PolicyRequest } from '../policy/types.js';
import { canonicalAuthority } from './canonical-authority.js';
import { normalizePath } from './normalize-path.js';

/** A request described by hand, for `tessera policy check` and the console's policy simulator. */
export interface SimulatedRequestInput {
  /** As sent: methods are case-sensitive (RFC 9110 §9.1), and so is the policies' matching. */
  readonly method: string;
  /** The request target's path (and query), as sent. */
  readonly path: string;
  /** The Host header. */
  readonly host: string;
  readonly port: number;
  /** Lower-case names; a value given twice is one comma-joined value. */
  readonly headers?: Readonly<Record<string, string>>;
  /** A bearer token, sent as `Authorization: Bearer …`. */
  readonly token?: string;
  /** The mTLS peer principal (`spiffe://` optional). */
  readonly peerPrincipal?: string;
  readonly sourceIp: string;
  /** The route's labels and namespace (what `selector.matchLabels` and namespaces select). */
  readonly labels?: Readonly<Record<string, string>>;
  readonly namespace: string;
  /** As the gateway's `encodedSlashes` and the route's `allowPathParameters` and `caseInsensitivePaths`. */
  readonly encodedSlashes?: 'reject' | 'decode' | 'keep';
  readonly allowPathParameters?: boolean;
  readonly caseInsensitivePaths?: boolean;
}

/**
 * The policy request the gateway would build for a request described by hand: the same path
 * normalization and Host parsing, so the same refusals (`refused`: the gateway's 400 and why).
 *
 * @example
 * ```ts
 * const built = simulatedRequest({ method: 'GET', path: '/data', host: 'api', port: 80, sourceIp: '10.0.0.1', namespace: 'default' });
 * if ('refused' in built) console.error(built.refused);
 * ```
 */
export function simulatedRequest(
  input: SimulatedRequestInput,
): { readonly request: PolicyRequest } | { readonly refused: string } {
  let normalized: ReturnType<typeof normalizePath>;
  try {
    normalized = normalizePath(input.path, {
      escapedSlashes: input.encodedSlashes ?? 'reject',
      pathParameters: input.allowPathParameters === true ? 'allow' : 'reject',
    });
  } catch (err) {
    return { refused: (err as Error).message };
  }
  const authority = canonicalAuthority(input.host);
  if (authority === undefined) return { refused: `the Host "${input.host}" does not parse` };
  const headers: Record<string, string> = { ...input.headers, host: input.host };
  if (input.token !== undefined) headers['authorization'] = `Bearer ${input.token}`;
  const path = input.caseInsensitivePaths === true ? normalized.path.toLowerCase() : normalized.path;
  return {
    request: {
      method: input.method,
      host: authority.authority,
      path,
      ...(normalized.query === undefined ? {} : { query: normalized.query }),
      port: input.port,
      headers,
      sourceIp: input.sourceIp,
      remoteIp: input.sourceIp,
      ...(input.peerPrincipal === undefined ? {} : { peerPrincipal: input.peerPrincipal.replace(/^spiffe:\/\//, '') }),
      routeLabels: input.labels ?? {},
      routeNamespace: input.namespace,
    },
  };
}
