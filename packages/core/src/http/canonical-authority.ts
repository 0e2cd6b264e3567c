import { isIPv6 } from 'node:net';

/** A request's authority parsed once: what routes and policies match. */
export interface CanonicalAuthority {
  /** Lower-case host without a trailing dot; an IPv6 literal keeps its brackets (`[::1]`). */
  readonly host: string;
  /** The port when one was given (`1`–`65535`). */
  readonly port: number | undefined;
  /** `host` or `host:port`: what Istio's `hosts` match. */
  readonly authority: string;
}

// RFC 3986 §3.2.2 reg-name restricted to DNS labels (letters, digits, `-`, `_` as Kubernetes and
// some internal names use, `.`): anything else (`@`, quotes, `<`, spaces) has no single reading.
const REG_NAME = /^[a-z0-9_](?:[a-z0-9_-]{0,62})(?:\.[a-z0-9_](?:[a-z0-9_-]{0,62}))*$/;

/**
 * Parses a `Host` header (or the authority of an absolute-form target) into its canonical form
 * (RFC 9112 §3.2, RFC 3986 §3.2.2): lower case, no trailing dot, brackets only around an IPv6
 * literal, no userinfo, a decimal port in range. Returns `undefined` for anything else, which a
 * server answers with 400: a host with two readings (`admin.internal.` against `admin.internal`,
 * `[::1]@admin.internal`) is how a `hosts` rule gets passed.
 *
 * @example
 * ```ts
 * canonicalAuthority('Admin.Internal.:8080'); // { host: 'admin.internal', port: 8080, authority: 'admin.internal:8080' }
 * canonicalAuthority('[::1]"x'); // undefined
 * ```
 */
export function canonicalAuthority(value: string): CanonicalAuthority | undefined {
  if (value.length === 0 || value.length > 1024) return undefined;
  let host: string;
  let rest: string;
  if (value.charCodeAt(0) === 0x5b /* [ */) {
    const end = value.indexOf(']');
    if (end === -1) return undefined;
    const literal = value.slice(1, end);
    // Only an IPv6 literal goes in brackets (no zone id: it names the client's own interface).
    if (!isIPv6(literal) || literal.includes('%')) return undefined;
    host = `[${literal.toLowerCase()}]`;
    rest = value.slice(end + 1);
  } else {
    const colon = value.indexOf(':');
    host = (colon === -1 ? value : value.slice(0, colon)).toLowerCase();
    rest = colon === -1 ? '' : value.slice(colon);
    if (host.endsWith('.')) host = host.slice(0, -1);
    if (!REG_NAME.test(host) || host.length > 253) return undefined;
  }
  let port: number | undefined;
  if (rest.length > 0) {
    if (!/^:[0-9]{1,5}$/.test(rest)) return undefined;
    port = Number(rest.slice(1));
    if (port < 1 || port > 65_535) return undefined;
  }
  return { host, port, authority: port === undefined ? host : `${host}:${port}` };
}
