// The protected header checks of RFC 7515 §5.2 with the RFC 8725 rules, run once per distinct
// header segment (the verifier caches the result by segment).
import { getAlgorithm } from '../algorithms.js';
import type { JwsHeader } from '../types.js';
import { deepFreeze } from './deep-freeze.js';
import { fail, show } from './fail.js';

/** What a verifier accepts in a header, resolved from its options once. */
export interface HeaderRules {
  /** Every algorithm some trusted issuer allows (each issuer's own list is checked later). */
  readonly algorithms: ReadonlySet<string>;
  /** Expected `typ`, normalized (see {@link normalizeTyp}); undefined: not checked. */
  readonly typ: string | undefined;
  /** Expected `typ` as configured, for messages. */
  readonly typLabel: string | undefined;
  /** Extension names this application understands in `crit`. */
  readonly crit: ReadonlySet<string>;
}

/** RFC 7515 §4.1 and RFC 7516 §4.1: registered names that must not appear in `crit` (§4.1.11). */
export const REGISTERED_HEADERS: ReadonlySet<string> = new Set([
  'alg',
  'jku',
  'jwk',
  'kid',
  'x5u',
  'x5c',
  'x5t',
  'x5t#S256',
  'typ',
  'cty',
  'crit',
  'enc',
  'zip',
]);

/** RFC 7515 §4.1.9: media types compare case-insensitively, and `application/` may be left out. */
export function normalizeTyp(typ: string): string {
  const lower = typ.toLowerCase();
  return lower.startsWith('application/') ? lower.slice(12) : lower;
}

/**
 * Checks a parsed header and returns it frozen (it is shared by every token with the same
 * segment): `alg` supported, allowed and never `none`; `kid` and `typ` strings; `typ` as expected;
 * no JWE parameters (`enc`, `zip`), no nested token (`cty: JWT`), no `b64`; `crit` a non-empty list of present, unregistered and understood names.
 */
export function checkHeader(header: Record<string, unknown>, rules: HeaderRules): JwsHeader {
  const { alg, kid, typ } = header;
  if (typeof alg !== 'string') fail('ERR_JWT_MALFORMED', 'header alg must be a string');
  // RFC 8725 §3.1, §2.1: `none` (any case) and unknown names are never accepted.
  if (getAlgorithm(alg) === undefined) fail('ERR_JWT_ALG_NOT_ALLOWED', `alg ${show(alg)} is not supported`);
  if (!rules.algorithms.has(alg)) fail('ERR_JWT_ALG_NOT_ALLOWED', `alg ${show(alg)} is not allowed`);
  if (kid !== undefined && typeof kid !== 'string') fail('ERR_JWT_MALFORMED', 'header kid must be a string');
  if (typ !== undefined && typeof typ !== 'string') fail('ERR_JWT_MALFORMED', 'header typ must be a string');
  if (rules.typ !== undefined && (typ === undefined || normalizeTyp(typ) !== rules.typ)) {
    fail(
      'ERR_JWT_TYP_INVALID',
      `header typ ${typ === undefined ? 'is missing' : show(typ)}, expected ${show(rules.typLabel)}`,
    );
  }
  // RFC 7516 §4.1.2-4.1.3: `enc` and `zip` belong to a JWE. A JWS that carries them is a token built
  // to be read as the other kind by some library (RFC 8725 §2.8, §3.11); refuse it rather than guess.
  if (header.enc !== undefined || header.zip !== undefined)
    fail('ERR_JWT_MALFORMED', `header ${header.enc !== undefined ? 'enc' : 'zip'} (a JWE parameter) in a JWS`);
  // RFC 7519 §5.2: `cty: JWT` announces a nested token. Its inner claims would be another issuer's
  // (or another key's); RFC 8725 §2.7 counts nesting among the substitution attacks. Never unwrap.
  const { cty } = header;
  if (cty !== undefined && typeof cty !== 'string') fail('ERR_JWT_MALFORMED', 'header cty must be a string');
  if (cty !== undefined && normalizeTyp(cty) === 'jwt')
    fail('ERR_JWT_MALFORMED', 'header cty JWT (a nested token) is not accepted');
  // RFC 7797 §3: an unencoded payload changes what is signed; we never support it.
  if (header.b64 !== undefined) fail('ERR_JWT_CRIT_UNSUPPORTED', 'header b64 (RFC 7797) is not supported');
  const crit: unknown = header.crit;
  if (crit !== undefined) {
    // RFC 7515 §4.1.11: a non-empty array of names, each present in the header and understood.
    if (!Array.isArray(crit) || crit.length === 0) fail('ERR_JWT_MALFORMED', 'header crit must be a non-empty array');
    for (const name of crit as unknown[]) {
      if (typeof name !== 'string' || REGISTERED_HEADERS.has(name) || !Object.hasOwn(header, name))
        fail('ERR_JWT_MALFORMED', `header crit names ${show(name)}, which is registered or absent`);
      if (!rules.crit.has(name))
        fail('ERR_JWT_CRIT_UNSUPPORTED', `header crit names ${show(name)}, which is not understood`);
    }
  }
  return deepFreeze(header) as JwsHeader;
}
