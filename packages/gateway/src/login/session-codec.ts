import { deflateRawSync, inflateRawSync } from 'node:zlib';
import type { LoginSession } from './login-session.js';

/** Format of the encoded session; a session in another format is no session (the person logs in again). */
const FORMAT = 1;
/** An encoded session inflates to no more than this (a bound on what a forged-but-sealed value could cost). */
const MAX_INFLATED = 64 * 1024;

/**
 * A JWT as its decoded parts: header and payload as their bytes (latin1, so any byte survives), the
 * signature as it came. A token whose segments would not encode back to the same text is kept whole.
 */
type PackedToken = string | readonly [header: string, payload: string, signature: string];

function packToken(token: string): PackedToken {
  const parts = token.split('.');
  if (parts.length !== 3) return token;
  const header = Buffer.from(parts[0]!, 'base64url').toString('latin1');
  const payload = Buffer.from(parts[1]!, 'base64url').toString('latin1');
  const back = `${Buffer.from(header, 'latin1').toString('base64url')}.${Buffer.from(payload, 'latin1').toString('base64url')}.${parts[2]!}`;
  return back === token ? [header, payload, parts[2]!] : token;
}

function unpackToken(packed: unknown): string | undefined {
  if (typeof packed === 'string') return packed;
  if (!Array.isArray(packed) || packed.length !== 3 || !packed.every((p) => typeof p === 'string')) return undefined;
  const [header, payload, signature] = packed as [string, string, string];
  return `${Buffer.from(header, 'latin1').toString('base64url')}.${Buffer.from(payload, 'latin1').toString('base64url')}.${signature}`;
}

/**
 * A session as the few bytes sealed into its cookie (or Redis): the tokens' JSON decoded from
 * base64url and the whole deflated, since an access token and an ID token repeat most of each
 * other's claims. Sealed as JSON, a session took about 2.6 KB of cookie on every request; encoded,
 * about 1 KB, near a bearer token's size (the gateway-login bench). Only written at login and
 * refresh, and read once per process (the stores cache what they opened), so its cost is off the
 * request path.
 *
 * @example
 * ```ts
 * const bytes = encodeSession(session);
 * decodeSession(bytes); // the same session
 * ```
 */
export function encodeSession(session: LoginSession): Buffer {
  const { tokens } = session;
  const fields = [
    FORMAT,
    packToken(tokens.accessToken),
    packToken(tokens.idToken),
    tokens.refreshToken ?? null,
    tokens.expiresAt,
    session.sid ?? null,
    session.sub ?? null,
    session.at,
  ];
  return deflateRawSync(JSON.stringify(fields));
}

/**
 * The session {@link encodeSession} encoded, or undefined when the bytes are not one.
 *
 * @example
 * ```ts
 * const session = decodeSession(sealer.open(cookie, purpose) ?? Buffer.alloc(0));
 * ```
 */
export function decodeSession(bytes: Buffer): LoginSession | undefined {
  let fields: unknown;
  try {
    fields = JSON.parse(inflateRawSync(bytes, { maxOutputLength: MAX_INFLATED }).toString('utf8'));
  } catch {
    return undefined;
  }
  if (!Array.isArray(fields) || fields.length !== 8 || fields[0] !== FORMAT) return undefined;
  const [, access, id, refresh, expiresAt, sid, sub, at] = fields as unknown[];
  const accessToken = unpackToken(access);
  const idToken = unpackToken(id);
  const optional = (v: unknown) => (typeof v === 'string' ? v : v === null ? undefined : false);
  const refreshToken = optional(refresh);
  const sessionId = optional(sid);
  const subject = optional(sub);
  if (
    accessToken === undefined ||
    idToken === undefined ||
    refreshToken === false ||
    sessionId === false ||
    subject === false ||
    typeof expiresAt !== 'number' ||
    typeof at !== 'number'
  )
    return undefined;
  return { tokens: { accessToken, idToken, refreshToken, expiresAt }, sid: sessionId, sub: subject, at };
}
