import { createPrivateKey, createPublicKey, createSecretKey, KeyObject, type JsonWebKey } from 'node:crypto';
import { coreErrors } from '../errors/errors.js';
import { getAlgorithm, type AlgorithmSpec } from './algorithms.js';
import { tryDecodeBase64Url } from './base64url.js';
import { keyFacts, keyMismatch } from './internal/key-facts.js';
import type { Jwk, JwsAlgorithm, SigningKey, VerificationKey } from './types.js';

/**
 * Options of {@link importJwk}.
 *
 * @example
 * ```ts
 * const options: ImportJwkOptions = { alg: 'PS256', kid: 'rsa-2026-01' };
 * ```
 */
export interface ImportJwkOptions {
  /** The algorithm the key is for. Must equal the JWK's `alg` when it has one. */
  readonly alg?: JwsAlgorithm;
  /** Overrides the JWK's `kid`. */
  readonly kid?: string;
}

const invalid = (message: string): never => {
  throw coreErrors.create('ERR_JWK_INVALID', message);
};

// Public members per key type (RFC 7518 §6.2.1, §6.3.1; RFC 8037 §2), and the private ones.
const PUBLIC_MEMBERS: Readonly<Record<string, readonly string[]>> = {
  RSA: ['n', 'e'],
  EC: ['crv', 'x', 'y'],
  OKP: ['crv', 'x'],
  oct: ['k'],
};
const PRIVATE_MEMBERS: Readonly<Record<string, readonly string[]>> = {
  RSA: ['d', 'p', 'q', 'dp', 'dq', 'qi'],
  EC: ['d'],
  OKP: ['d'],
  oct: [],
};
const COORDINATE_BYTES: Readonly<Record<string, number>> = { 'P-256': 32, 'P-384': 48, 'P-521': 66, Ed25519: 32 };

function checkObject(jwk: unknown): asserts jwk is Jwk {
  if (typeof jwk !== 'object' || jwk === null || Array.isArray(jwk)) invalid('JWK must be a JSON object');
  const kty = (jwk as Jwk).kty;
  if (kty !== 'RSA' && kty !== 'EC' && kty !== 'OKP' && kty !== 'oct')
    invalid(`JWK kty ${JSON.stringify(String(kty))} is not supported`);
}

/** RFC 7517 §4.2, §4.3: a signature key says `use: "sig"` or nothing; `key_ops` must allow `op`. */
function checkUsage(jwk: Jwk, op: 'verify' | 'sign'): void {
  if (jwk.use !== undefined && jwk.use !== 'sig') invalid(`JWK use ${JSON.stringify(String(jwk.use))} is not "sig"`);
  if (jwk.key_ops !== undefined) {
    if (!Array.isArray(jwk.key_ops) || !jwk.key_ops.every((o) => typeof o === 'string'))
      invalid('JWK key_ops must be an array of strings');
    if (!jwk.key_ops.includes(op)) invalid(`JWK key_ops does not include "${op}"`);
  }
  if (jwk.kid !== undefined && typeof jwk.kid !== 'string') invalid('JWK kid must be a string');
}

/** The algorithm: explicit option, else the JWK's `alg`, else inferred where unambiguous. */
function decideAlgorithm(jwk: Jwk, explicit: JwsAlgorithm | undefined): AlgorithmSpec {
  if (jwk.alg !== undefined && typeof jwk.alg !== 'string') invalid('JWK alg must be a string');
  if (explicit !== undefined && jwk.alg !== undefined && explicit !== jwk.alg)
    invalid(`JWK alg ${jwk.alg} does not match the requested ${explicit}`);
  let alg: string | undefined = explicit ?? jwk.alg;
  if (alg === undefined) {
    // RFC 7517 §4.4 makes `alg` optional. EC and OKP keys name their curve, which fixes the
    // algorithm; an RSA key without `alg` is taken as RS256 (RFC 7518 §3.1 "Recommended"), and an
    // HMAC secret must say what it is for. An Ed25519 key stays `EdDSA`, as before RFC 9864, so
    // existing sets keep their meaning; the verifier also lets it verify `Ed25519` (algInferred).
    if (jwk.kty === 'EC')
      alg = ({ 'P-256': 'ES256', 'P-384': 'ES384', 'P-521': 'ES512' } as Record<string, string>)[String(jwk.crv)];
    else if (jwk.kty === 'OKP' && jwk.crv === 'Ed25519') alg = 'EdDSA';
    else if (jwk.kty === 'RSA') alg = 'RS256';
    if (alg === undefined) invalid(`cannot tell the algorithm of a ${jwk.kty} JWK without alg`);
  }
  const spec = getAlgorithm(alg);
  if (spec === undefined) return invalid(`JWK alg ${JSON.stringify(alg)} is not supported`);
  if (spec.kty !== jwk.kty) invalid(`${spec.alg} needs kty ${spec.kty}, the JWK has ${jwk.kty}`);
  if (spec.crv !== undefined && jwk.crv !== spec.crv)
    invalid(`${spec.alg} needs crv ${spec.crv}, the JWK has ${String(jwk.crv)}`);
  return spec;
}

/** Copies `names` from `jwk`, checking each is canonical base64url (`crv` excepted). */
function pickMembers(jwk: Jwk, names: readonly string[], required: boolean, into: Record<string, string>): void {
  for (const name of names) {
    const value = jwk[name];
    if (value === undefined && !required) continue;
    if (typeof value !== 'string' || value.length === 0) invalid(`JWK member ${name} is missing or not a string`);
    const text = value as string;
    if (name !== 'crv') {
      const bytes = tryDecodeBase64Url(text);
      if (bytes === undefined) invalid(`JWK member ${name} is not canonical base64url`);
      // RFC 7518 §6.2.1.2, §6.2.2.1; RFC 8037 §2: fixed-length coordinates and private scalars.
      const size = COORDINATE_BYTES[String(jwk.crv)];
      if (size !== undefined && (name === 'x' || name === 'y' || name === 'd') && bytes!.length !== size)
        invalid(`JWK member ${name} must be ${size} bytes for ${String(jwk.crv)}`);
    }
    into[name] = text;
  }
}

function check(spec: AlgorithmSpec, key: KeyObject): void {
  const mismatch = keyMismatch(spec, keyFacts(key), true);
  if (mismatch !== undefined) invalid(mismatch);
}

/**
 * Imports a public (or symmetric) JWK for verification, bound to exactly one algorithm (RFC 8725
 * §3.1). The algorithm is the `alg` option, else the JWK's `alg` (they must agree), else the one
 * its curve implies (EC, OKP), else RS256 for RSA; HMAC secrets need an explicit `alg`. An OKP
 * Ed25519 JWK without `alg` is bound to `EdDSA` and marked `algInferred`, so a verifier also
 * accepts it for `Ed25519` tokens (RFC 9864); one that declares `alg` verifies that one only.
 *
 * Rejected with `ERR_JWK_INVALID`: unknown `kty`, `use` other than `sig`, `key_ops` without
 * `verify`, a curve that does not fit the algorithm, coordinates of the wrong length, members that
 * are not canonical base64url, RSA moduli under 2048 bits, HMAC secrets shorter than the hash.
 * Private members are dropped: the returned `jwk` holds only public members plus `kid`, `use`, `alg`.
 *
 * @example
 * ```ts
 * const key = importJwk({ kty: 'EC', crv: 'P-256', x: '…', y: '…', kid: 'k1' });
 * key.alg; // 'ES256'
 * ```
 */
export function importJwk(jwk: Jwk, options: ImportJwkOptions = {}): VerificationKey {
  checkObject(jwk);
  checkUsage(jwk, 'verify');
  const spec = decideAlgorithm(jwk, options.alg);
  const members: Record<string, string> = { kty: jwk.kty };
  pickMembers(jwk, PUBLIC_MEMBERS[jwk.kty]!, true, members);
  let keyObject: KeyObject;
  try {
    keyObject =
      spec.kty === 'oct'
        ? createSecretKey(Buffer.from(members.k!, 'base64url'))
        : createPublicKey({ key: members as JsonWebKey, format: 'jwk' });
  } catch (error) {
    throw coreErrors.create('ERR_JWK_INVALID', `JWK cannot be imported: ${(error as Error).message}`, { cause: error });
  }
  check(spec, keyObject);
  const kid = options.kid ?? jwk.kid;
  const publicJwk: Jwk = { ...members, kty: jwk.kty, ...(kid === undefined ? {} : { kid }), use: 'sig', alg: spec.alg };
  const algInferred = options.alg === undefined && jwk.alg === undefined;
  return Object.freeze({
    kid,
    alg: spec.alg,
    ...(algInferred ? { algInferred } : {}),
    keyObject,
    jwk: Object.freeze(publicJwk),
  });
}

/**
 * Imports a key to sign with, bound to `alg`: a private JWK (or an `oct` JWK), a PKCS#8 / PKCS#1 /
 * SEC1 PEM private key, a private or secret `KeyObject`, or raw secret bytes for HS*. Plain strings
 * are never taken as HMAC secrets (a PEM public key used as an HMAC secret is the classic
 * algorithm-confusion attack, RFC 8725 §2.1). Same strength rules as {@link importJwk}.
 *
 * @example
 * ```ts
 * const signingKey = importSigningKey(readFileSync('key.pem', 'utf8'), 'RS256', { kid: 'k1' });
 * const token = signJwt({ sub: 'svc-a' }, signingKey, { expiresIn: 300 });
 * ```
 */
export function importSigningKey(
  key: Jwk | string | KeyObject | Uint8Array,
  alg: JwsAlgorithm,
  options: { readonly kid?: string } = {},
): SigningKey {
  const spec = getAlgorithm(alg);
  if (spec === undefined) return invalid(`alg ${JSON.stringify(String(alg))} is not supported`);
  let keyObject: KeyObject;
  let kid = options.kid;
  try {
    if (key instanceof KeyObject) {
      keyObject = key;
    } else if (typeof key === 'string') {
      if (spec.family === 'HMAC') return invalid('an HMAC secret must be bytes or an oct JWK, never a string');
      if (!key.includes('-----BEGIN')) return invalid('a string key must be PEM');
      keyObject = createPrivateKey(key);
    } else if (key instanceof Uint8Array) {
      if (spec.family !== 'HMAC') return invalid(`${alg} needs a private key, not raw bytes`);
      keyObject = createSecretKey(key);
    } else {
      checkObject(key);
      checkUsage(key, 'sign');
      decideAlgorithm(key, alg);
      const members: Record<string, string> = { kty: key.kty };
      pickMembers(key, PUBLIC_MEMBERS[key.kty]!, true, members);
      pickMembers(key, PRIVATE_MEMBERS[key.kty]!, key.kty !== 'RSA', members);
      if (key.kty === 'RSA' && members.d === undefined) invalid('RSA JWK has no private exponent d');
      keyObject =
        spec.kty === 'oct'
          ? createSecretKey(Buffer.from(members.k!, 'base64url'))
          : createPrivateKey({ key: members as JsonWebKey, format: 'jwk' });
      kid ??= key.kid;
    }
  } catch (error) {
    if ((error as { code?: unknown }).code === 'ERR_JWK_INVALID') throw error;
    throw coreErrors.create('ERR_JWK_INVALID', `signing key cannot be imported: ${(error as Error).message}`, {
      cause: error,
    });
  }
  if (keyObject.type === 'public') invalid('a public key cannot sign');
  check(spec, keyObject);
  return Object.freeze({ kid, alg: spec.alg, keyObject });
}
