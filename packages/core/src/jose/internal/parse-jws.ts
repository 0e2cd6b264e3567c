// Strict JWS Compact Serialization (RFC 7515 §7.1) for JWTs (RFC 7519 §7.2): exactly three
// segments, canonical base64url, UTF-8 JSON objects, caps on size and depth (RFC 8725 §3.7, §3.2).
import { isUtf8 } from 'node:buffer';
import { coreErrors } from '../../errors/errors.js';
import { decodeSegment, isUrlSafeAscii } from './base64url-core.js';
import { parseJsonObject } from './strict-json.js';

export interface JwsLimits {
  readonly maxTokenLength: number;
  readonly maxJsonDepth: number;
}

export const DEFAULT_LIMITS: JwsLimits = Object.freeze({ maxTokenLength: 8192, maxJsonDepth: 16 });

const malformed = (message: string): never => {
  throw coreErrors.create('ERR_JWT_MALFORMED', message);
};

/** Index of the first and second `.`, after the structural checks; throws on anything else. */
export function splitToken(token: unknown, limits: JwsLimits): { first: number; second: number } {
  if (typeof token !== 'string') return malformed('token must be a string');
  if (token.length > limits.maxTokenLength) malformed(`token is longer than ${limits.maxTokenLength} characters`);
  const first = token.indexOf('.');
  const second = first < 0 ? -1 : token.indexOf('.', first + 1);
  if (second < 0 || token.indexOf('.', second + 1) >= 0)
    malformed('token must have exactly three segments (RFC 7515 §7.1)');
  if (first === 0 || second === first + 1 || second === token.length - 1) malformed('token has an empty segment');
  // Once for the whole token (RFC 7515 §2 base64url); decodeSegment checks the rest per segment.
  if (!isUrlSafeAscii(token)) malformed('token has characters outside base64url');
  return { first, second };
}

/** Decodes one base64url segment (of a token that passed splitToken) holding a UTF-8 JSON object. */
export function decodeJsonSegment(
  segment: string,
  what: 'header' | 'payload',
  limits: JwsLimits,
): Record<string, unknown> {
  const bytes = decodeSegment(segment);
  if (bytes === undefined) return malformed(`${what} is not canonical base64url`);
  const text = bytes.toString('utf8');
  // The decoder turns every invalid sequence into U+FFFD, so only then is the full check needed.
  if (text.includes('\uFFFD') && !isUtf8(bytes)) malformed(`${what} is not UTF-8`);
  const result = parseJsonObject(text, bytes, limits.maxJsonDepth);
  if (typeof result === 'string') malformed(`${what} ${result}`);
  return result as Record<string, unknown>;
}

/** Decodes the signature segment (of a token that passed splitToken). */
export function decodeSignature(segment: string): Buffer {
  const bytes = decodeSegment(segment);
  if (bytes === undefined) return malformed('signature is not canonical base64url');
  return bytes;
}
