import { tokenServiceErrors } from '../errors.js';

/**
 * Parses an `application/x-www-form-urlencoded` body the strict way RFC 6749 asks for:
 * a parameter sent twice is an error (§3.1: "MUST NOT be included more than once"), a parameter
 * without a value counts as omitted (§3.1), the encoding is UTF-8 (Appendix B) and a broken
 * percent-escape or invalid UTF-8 is rejected instead of being guessed at. Every failure throws
 * `ERR_TOKEN_INVALID_REQUEST`.
 *
 * @example
 * ```ts
 * const form = parseForm(Buffer.from('grant_type=client_credentials&scope=a+b'));
 * form.get('scope'); // 'a b'
 * ```
 */
export function parseForm(body: Buffer | string, maxParameters = 64): Map<string, string> {
  const text = typeof body === 'string' ? body : decodeUtf8(body);
  const form = new Map<string, string>();
  const seen = new Set<string>();
  if (text.length === 0) return form;
  const pairs = text.split('&');
  if (pairs.length > maxParameters) throw tokenServiceErrors.create('ERR_TOKEN_INVALID_REQUEST', 'too many parameters');
  for (const pair of pairs) {
    if (pair.length === 0) continue;
    const eq = pair.indexOf('=');
    const name = decodeComponent(eq === -1 ? pair : pair.slice(0, eq));
    const value = eq === -1 ? '' : decodeComponent(pair.slice(eq + 1));
    if (name.length === 0) throw tokenServiceErrors.create('ERR_TOKEN_INVALID_REQUEST', 'a parameter has no name');
    if (seen.has(name))
      throw tokenServiceErrors.create('ERR_TOKEN_INVALID_REQUEST', `parameter ${safeName(name)} is repeated`);
    seen.add(name);
    if (value.length > 0) form.set(name, value);
  }
  return form;
}

/**
 * Decodes one form-urlencoded component: `+` is a space, `%XX` a byte, the result UTF-8. Also the
 * decoder for the client id and secret inside HTTP Basic (RFC 6749 §2.3.1).
 *
 * @example
 * ```ts
 * decodeFormComponent('s%2Bcret+1'); // 's+cret 1'
 * ```
 */
export function decodeFormComponent(component: string): string {
  return decodeComponent(component);
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

function decodeUtf8(bytes: Buffer): string {
  try {
    return utf8.decode(bytes);
  } catch {
    throw tokenServiceErrors.create('ERR_TOKEN_INVALID_REQUEST', 'the body is not valid UTF-8');
  }
}

function decodeComponent(component: string): string {
  const plus = component.includes('+') ? component.replaceAll('+', ' ') : component;
  if (!plus.includes('%')) return plus;
  try {
    // decodeURIComponent throws URIError on a malformed escape and on escapes that are not UTF-8.
    return decodeURIComponent(plus);
  } catch {
    throw tokenServiceErrors.create('ERR_TOKEN_INVALID_REQUEST', 'malformed percent-encoding');
  }
}

function safeName(name: string): string {
  return /^[a-z_]{1,40}$/.test(name) ? name : '(unprintable)';
}
