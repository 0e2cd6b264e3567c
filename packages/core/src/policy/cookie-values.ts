// Reading cookies, once for all of Tessera: the verifier's `fromCookies`, the gateway's token
// location and its login sessions, and the token service's login pages all go through here, so no
// two of them read one request differently.

/** Each `name=value` pair of a `Cookie` header (or several, as `headersDistinct` gives them), in order. */
function* cookiePairs(header: string | readonly string[]): Generator<readonly [name: string, value: string]> {
  for (const line of typeof header === 'string' ? [header] : header)
    for (const part of line.split(';')) {
      const eq = part.indexOf('=');
      if (eq === -1) continue;
      let value = part.slice(eq + 1).trim();
      // A DQUOTE-wrapped value is the value inside (RFC 6265 §4.1.1).
      if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
      yield [part.slice(0, eq).trim(), value];
    }
}

/**
 * The values of cookie `name`, in order. More than one is the caller's to judge: a planted cookie
 * beside the real one.
 *
 * @example
 * ```ts
 * const [token] = cookieValues(req.headers.cookie, 'session');
 * ```
 */
export function cookieValues(header: string | readonly string[] | undefined, name: string): string[] {
  const out: string[] = [];
  if (header !== undefined) for (const [n, v] of cookiePairs(header)) if (n === name) out.push(v);
  return out;
}

/**
 * Every cookie of the header by name (values in order), read in one pass, for a reader that looks
 * up several names.
 *
 * @example
 * ```ts
 * const cookies = parseCookies(req.headers.cookie);
 * const sid = cookies.get('session')?.length === 1 ? cookies.get('session')![0] : undefined;
 * ```
 */
export function parseCookies(header: string | readonly string[] | undefined): ReadonlyMap<string, readonly string[]> {
  const out = new Map<string, string[]>();
  if (header !== undefined)
    for (const [n, v] of cookiePairs(header)) {
      const values = out.get(n);
      if (values === undefined) out.set(n, [v]);
      else values.push(v);
    }
  return out;
}
