import type { IncomingMessage } from 'node:http';
import { cookieValues } from '@tessera/core';

/**
 * The value of cookie `name` in the request, when it appears exactly once (two cookies of one name
 * are a planted one beside the real one: neither is believed).
 *
 * @example
 * ```ts
 * const sid = readCookie(req, '__Host-tessera-session');
 * ```
 */
export function readCookie(req: IncomingMessage, name: string): string | undefined {
  const found = cookieValues(req.headersDistinct.cookie, name);
  return found.length === 1 ? found[0] : undefined;
}

/** Options of {@link sessionCookie}. */
export interface CookieOptions {
  /** Served over TLS: `Secure` and the `__Host-` prefix. */
  readonly secure: boolean;
  /** Seconds; 0 deletes the cookie. */
  readonly maxAge: number;
}

/**
 * A `Set-Cookie` value for a provider cookie: `HttpOnly`, `SameSite=Lax`, `Path=/`, and on TLS
 * `Secure` with the `__Host-` prefix (RFC 6265bis §4.1.3.2: no `Domain`, so no sibling host can set
 * or read it). The name given is the base name; the prefix is added here.
 *
 * @example
 * ```ts
 * res.setHeader('set-cookie', sessionCookie('tessera-session', sid, { secure: true, maxAge: 43200 }));
 * ```
 */
export function sessionCookie(base: string, value: string, options: CookieOptions): string {
  const name = cookieName(base, options.secure);
  return [
    `${name}=${value}`,
    'Path=/',
    'HttpOnly',
    'SameSite=Lax',
    `Max-Age=${options.maxAge}`,
    ...(options.secure ? ['Secure'] : []),
  ].join('; ');
}

/** The cookie's name as sent: `__Host-<base>` on TLS, `<base>` otherwise. */
export function cookieName(base: string, secure: boolean): string {
  return secure ? `__Host-${base}` : base;
}

/** The base name of the provider's session cookie (`__Host-tessera-session` on TLS). */
export const SESSION_COOKIE = 'tessera-session';

/**
 * The browser's session id, when its session cookie holds one of the shape the provider issues
 * (32 random bytes, base64url); anything else is no session.
 *
 * @example
 * ```ts
 * const sid = readSessionId(req, issuer.startsWith('https:'));
 * ```
 */
export function readSessionId(req: IncomingMessage, secure: boolean): string | undefined {
  const sid = readCookie(req, cookieName(SESSION_COOKIE, secure));
  return sid !== undefined && /^[A-Za-z0-9_-]{43}$/.test(sid) ? sid : undefined;
}
