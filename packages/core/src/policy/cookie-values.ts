// Reading cookies, once for all of Tessera: the verifier's `fromCookies`, the gateway's token
// location and its login sessions, and the token service's login pages all go through here, so no
// two of them read one request differently.

/**
 * Calls `visit` with each `name=value` pair of a `Cookie` header (or several, as
 * `headersDistinct` gives them), in order, and the pair as sent. A plain loop, not a generator:
 * the gateway reads a login session's cookies on every request.
 */
function eachCookie(
  header: string | readonly string[],
  visit: (name: string, value: string, pair: string) => void,
): void {
  const lines = typeof header === 'string' ? [header] : header;
  for (const line of lines) {
    let start = 0;
    while (start <= line.length) {
      let end = line.indexOf(';', start);
      if (end === -1) end = line.length;
      const part = line.slice(start, end);
      start = end + 1;
      const eq = part.indexOf('=');
      if (eq === -1) continue;
      let value = part.slice(eq + 1).trim();
      // A DQUOTE-wrapped value is the value inside (RFC 6265 §4.1.1).
      if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
      visit(part.slice(0, eq).trim(), value, part.trim());
    }
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
  if (header !== undefined)
    eachCookie(header, (n, v) => {
      if (n === name) out.push(v);
    });
  return out;
}

/** A `Cookie` header split by {@link splitCookies}. */
export interface SplitCookies {
  /** The selected cookies by name, values in order. */
  readonly selected: ReadonlyMap<string, readonly string[]>;
  /** The other pairs as sent, joined with `; ` (a `Cookie` header to pass on), or undefined when none. */
  readonly rest: string | undefined;
}

/**
 * Reads the cookies `select` picks, and keeps the others as a header to pass on, in one pass: the
 * gateway's login reads its own cookies and forwards the rest without them.
 *
 * @example
 * ```ts
 * const { selected, rest } = splitCookies(req.headers.cookie, (name) => name.startsWith('gw-session.'));
 * ```
 */
export function splitCookies(
  header: string | readonly string[] | undefined,
  select: (name: string) => boolean,
): SplitCookies {
  const selected = new Map<string, string[]>();
  let rest: string | undefined;
  if (header !== undefined)
    eachCookie(header, (name, value, pair) => {
      if (!select(name)) rest = rest === undefined ? pair : `${rest}; ${pair}`;
      else {
        const values = selected.get(name);
        if (values === undefined) selected.set(name, [value]);
        else values.push(value);
      }
    });
  return { selected, rest };
}
