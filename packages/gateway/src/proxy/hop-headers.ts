// Hop-by-hop headers (RFC 9110 §7.6.1): they describe one connection and never cross a proxy.
// `host` and `expect` are set or handled by the gateway itself; `http2-settings` belongs to h2c.
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'http2-settings',
]);

/** True for a hop-by-hop header name (lower case), including every `proxy-*`. */
export function isHopByHop(name: string): boolean {
  return HOP_BY_HOP.has(name) || name.startsWith('proxy-');
}

/** Header names listed in `Connection` values (RFC 9110 §7.6.1), lower case. */
export function connectionNamed(values: string | readonly string[] | undefined): Set<string> | undefined {
  // The common values name no header: skip the split.
  if (values === undefined || values === 'keep-alive' || values === 'close' || values === 'Keep-Alive')
    return undefined;
  const out = new Set<string>();
  for (const v of typeof values === 'string' ? [values] : values) {
    for (const part of v.split(',')) {
      const name = part.trim().toLowerCase();
      if (name) out.add(name);
    }
  }
  return out.size ? out : undefined;
}

/**
 * Copies upstream response headers for the client: hop-by-hop headers and those named in the
 * response's own `Connection` are dropped. Returns a flat `[name, value, ...]` list for `writeHead`.
 */
export function responseHeaders(headers: Record<string, string | string[] | undefined>): string[] {
  const named = connectionNamed(headers['connection']);
  const out: string[] = [];
  for (const name in headers) {
    const value = headers[name];
    if (value === undefined || isHopByHop(name) || named?.has(name)) continue;
    if (typeof value === 'string') out.push(name, value);
    else for (const v of value) out.push(name, v);
  }
  return out;
}
