import { toAsciiText } from './to-ascii-text.js';
/** The error codes of RFC 6750 §3.1. */
export type BearerErrorCode = 'invalid_request' | 'invalid_token' | 'insufficient_scope';

/** One `Bearer` challenge (RFC 6750 §3). */
export interface BearerChallenge {
  /** Protection space (RFC 7235 §2.2). */
  realm?: string;
  /** Leave out when the request carried no token at all (RFC 6750 §3.1, last paragraph). */
  error?: BearerErrorCode;
  /** Human-readable text for developers; cut to 256 characters. */
  errorDescription?: string;
  /** The scopes the resource needs, sent with `insufficient_scope` (RFC 6750 §3). */
  scope?: string | readonly string[];
}

const MAX_DESCRIPTION = 256;

/**
 * Renders an RFC 6750 §3 `WWW-Authenticate` value, e.g.
 * `Bearer realm="api", error="invalid_token", error_description="token expired"`.
 *
 * Values never break the header: `realm` is a quoted-string with `"` and `\` escaped (RFC 7230
 * §3.2.6); `error_description` and `scope` keep only the characters RFC 6750 §3 allows
 * (%x20-21 / %x23-5B / %x5D-7E), so CR, LF, quotes, backslashes and non-ASCII are replaced. The
 * result is always safe for `res.setHeader`.
 *
 * @example
 * ```ts
 * res.setHeader('WWW-Authenticate', formatWwwAuthenticate({ realm: 'orders', error: 'insufficient_scope', scope: ['orders:write'] }));
 * // Bearer realm="orders", error="insufficient_scope", scope="orders:write"
 * ```
 */
export function formatWwwAuthenticate(challenge: BearerChallenge = {}): string {
  const params: string[] = [];
  if (challenge.realm !== undefined) params.push(`realm="${quoteRealm(challenge.realm)}"`);
  if (challenge.error !== undefined) {
    params.push(`error="${challenge.error}"`);
    if (challenge.errorDescription !== undefined && challenge.errorDescription.length > 0) {
      let text = cleanNqs(challenge.errorDescription);
      if (text.length > MAX_DESCRIPTION) text = `${text.slice(0, MAX_DESCRIPTION - 3)}...`;
      params.push(`error_description="${text}"`);
    }
  }
  if (challenge.scope !== undefined) {
    const list = typeof challenge.scope === 'string' ? challenge.scope.split(' ') : challenge.scope;
    // scope-token = 1*( %x21 / %x23-5B / %x5D-7E ): no space, quote or backslash inside a token.
    const tokens = list.map((s) => s.replace(/[^\x21\x23-\x5B\x5D-\x7E]/g, '')).filter((s) => s.length > 0);
    if (tokens.length > 0) params.push(`scope="${tokens.join(' ')}"`);
  }
  return params.length === 0 ? 'Bearer' : `Bearer ${params.join(', ')}`;
}

function quoteRealm(value: string): string {
  // quoted-string allows obs-text, but setHeader refuses non-Latin-1 and a CR/LF would split the
  // header: keep printable ASCII only, escape the two characters quoted-pair exists for.
  return toAsciiText(value)
    .replace(/[^\x20-\x7E]/g, '?')
    .replace(/["\\]/g, (c) => `\\${c}`);
}

function cleanNqs(value: string): string {
  return toAsciiText(value)
    .replace(/[\r\n\t]+/g, ' ')
    .replace(/"/g, "'")
    .replace(/\\/g, '/')
    .replace(/[^\x20-\x21\x23-\x5B\x5D-\x7E]/g, '?');
}
