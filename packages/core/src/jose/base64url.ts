import { coreErrors } from '../errors/errors.js';
import { decodeSegment, isUrlSafeAscii } from './internal/base64url-core.js';

// RFC 7515 §2 / RFC 4648 §5: the URL-safe alphabet, no padding. Node's decoder accepts both
// alphabets, skips characters it does not know and ignores unused trailing bits, so two different
// strings could decode to the same bytes (ARCHITECTURE.md, "Platform facts"). We check.

/**
 * Decodes canonical base64url, or returns `undefined` when `input` is not canonical
 * ({@link isBase64Url}). Never throws.
 *
 * @example
 * ```ts
 * tryDecodeBase64Url('aGk'); // <Buffer 68 69>
 * tryDecodeBase64Url('aGk='); // undefined
 * ```
 */
export function tryDecodeBase64Url(input: string): Buffer | undefined {
  if (typeof input !== 'string' || !isUrlSafeAscii(input)) return undefined;
  return decodeSegment(input);
}

/**
 * True when `input` is canonical base64url (RFC 4648 §5) without padding: only the URL-safe
 * alphabet, a length that is not 1 modulo 4, and zero unused bits in the last character — so that
 * exactly one string encodes any byte sequence.
 *
 * @example
 * ```ts
 * isBase64Url('AQAB'); // true
 * isBase64Url('AQAB='); // false (padding)
 * isBase64Url('AR'); // false ('R' leaves unused bits set; canonical form is 'AQ')
 * ```
 */
export function isBase64Url(input: string): boolean {
  return tryDecodeBase64Url(input) !== undefined;
}

/**
 * Decodes canonical base64url; anything else throws `ERR_JWT_MALFORMED` (or the code given).
 *
 * @example
 * ```ts
 * decodeBase64Url('eyJhbGciOiJIUzI1NiJ9').toString(); // '{"alg":"HS256"}'
 * ```
 */
export function decodeBase64Url(
  input: string,
  code: 'ERR_JWT_MALFORMED' | 'ERR_JWK_INVALID' = 'ERR_JWT_MALFORMED',
): Buffer {
  const bytes = tryDecodeBase64Url(input);
  if (bytes === undefined) throw coreErrors.create(code, 'value is not canonical base64url (RFC 4648 §5, no padding)');
  return bytes;
}

/**
 * Encodes bytes (or a UTF-8 string) as base64url without padding (RFC 7515 §2).
 *
 * @example
 * ```ts
 * encodeBase64Url('{"alg":"HS256"}'); // 'eyJhbGciOiJIUzI1NiJ9'
 * ```
 */
export function encodeBase64Url(input: Uint8Array | string): string {
  return (
    typeof input === 'string'
      ? Buffer.from(input, 'utf8')
      : Buffer.isBuffer(input)
        ? input
        : Buffer.from(input.buffer, input.byteOffset, input.byteLength)
  ).toString('base64url');
}
