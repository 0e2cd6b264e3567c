import type { TLSSocket } from 'node:tls';

/**
 * The peer principal of an mTLS connection, as Istio writes it: the client certificate's SPIFFE URI
 * SAN without `spiffe://` (`spiffe://cluster.local/ns/default/sa/webui` →
 * `cluster.local/ns/default/sa/webui`). Only an authorized (chain-verified) certificate counts, and
 * only a certificate with exactly one SPIFFE URI (the SPIFFE X.509-SVID rule).
 */
export function spiffePrincipal(socket: TLSSocket): string | undefined {
  if (!socket.authorized) return undefined;
  const cert = socket.getPeerCertificate(false);
  const san = cert?.subjectaltname;
  if (!san) return undefined;
  let found: string | undefined;
  // Node renders the SAN as `URI:spiffe://..., DNS:...`; values containing ", " are escaped as JSON strings.
  for (const part of splitSan(san)) {
    if (!part.startsWith('URI:')) continue;
    let value = part.slice(4);
    if (value.startsWith('"')) {
      try {
        value = JSON.parse(value) as string;
      } catch {
        return undefined;
      }
    }
    if (!value.startsWith('spiffe://')) continue;
    if (found !== undefined) return undefined;
    found = value;
  }
  if (found === undefined) return undefined;
  const principal = found.slice('spiffe://'.length);
  // A principal is trust-domain/path with printable characters only; anything else is not a SPIFFE ID we trust.
  if (!/^[A-Za-z0-9.\-_]+(\/[A-Za-z0-9.\-_~%!$&'()*+,;=:@]+)+$/.test(principal)) return undefined;
  return principal;
}

function splitSan(san: string): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < san.length) {
    const colon = san.indexOf(':', i);
    if (colon === -1) break;
    let end: number;
    if (san[colon + 1] === '"') {
      end = colon + 2;
      while (end < san.length && san[end] !== '"') end += san[end] === '\\' ? 2 : 1;
      end = san.indexOf(', ', end);
    } else end = san.indexOf(', ', colon);
    if (end === -1) end = san.length;
    out.push(san.slice(i, end));
    i = end + 2;
  }
  return out;
}
