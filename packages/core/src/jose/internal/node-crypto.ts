// The only place that turns an algorithm row into node:crypto calls (sign and verify), so the
// parameters RFC 8725 needs pinned are pinned once: RSA-PSS salt length = hash length (RFC 7518
// §3.5), ECDSA signatures as raw R‖S (`ieee-p1363`, RFC 7518 §3.4), HMAC compared in constant time.
import {
  constants,
  createHmac,
  sign,
  timingSafeEqual,
  verify,
  type KeyObject,
  type SignKeyObjectInput,
} from 'node:crypto';
import type { AlgorithmSpec } from '../algorithms.js';

/** A key with its node:crypto signing parameters, built once per signer rather than per token. */
export interface PreparedSigningKey {
  readonly spec: AlgorithmSpec;
  readonly keyObject: KeyObject;
  /** What `crypto.sign` takes: the KeyObject alone, or with the pinned padding / encoding. */
  readonly input: KeyObject | SignKeyObjectInput;
}

/** Assumes the key was checked against `spec` (see `keyMismatch`). */
export function prepareSigningKey(spec: AlgorithmSpec, key: KeyObject): PreparedSigningKey {
  switch (spec.family) {
    case 'RSASSA-PSS':
      return {
        spec,
        keyObject: key,
        input: { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: spec.hashLength },
      };
    case 'ECDSA':
      return { spec, keyObject: key, input: { key, dsaEncoding: 'ieee-p1363' } };
    case 'HMAC':
    case 'RSASSA-PKCS1-v1_5':
    case 'EdDSA':
      return { spec, keyObject: key, input: key };
  }
}

/** The JWS signature of `data`, synchronously on the calling thread. */
export function signBytes(key: PreparedSigningKey, data: Buffer): Buffer {
  const { spec } = key;
  // `hash` is undefined only for EdDSA, where node:crypto wants null (the hash is part of Ed25519).
  if (spec.family === 'HMAC') return createHmac(spec.hash!, key.keyObject).update(data).digest();
  return sign(spec.hash ?? null, data, key.input);
}

/**
 * The same signature, computed on libuv's thread pool (`crypto.sign` with a callback), so an RSA
 * signature (hundreds of µs) does not hold the event loop. HMAC stays synchronous: node:crypto has
 * no callback form for it, and a MAC costs less than the hand-off to the pool would.
 */
export function signBytesAsync(key: PreparedSigningKey, data: Buffer): Promise<Buffer> {
  const { spec } = key;
  if (spec.family === 'HMAC') return Promise.resolve(createHmac(spec.hash!, key.keyObject).update(data).digest());
  return new Promise((resolve, reject) => {
    sign(spec.hash ?? null, data, key.input, (error, signature) => (error ? reject(error) : resolve(signature)));
  });
}

/** Assumes the key was checked against `spec` and the signature length is right; never throws. */
export function verifyBytes(spec: AlgorithmSpec, key: KeyObject, data: Buffer, signature: Buffer): boolean {
  try {
    switch (spec.family) {
      case 'HMAC': {
        const mac = createHmac(spec.hash!, key).update(data).digest();
        return mac.length === signature.length && timingSafeEqual(mac, signature);
      }
      case 'RSASSA-PKCS1-v1_5':
        return verify(spec.hash, data, key, signature);
      case 'RSASSA-PSS':
        return verify(
          spec.hash,
          data,
          { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: spec.hashLength },
          signature,
        );
      case 'ECDSA':
        return verify(spec.hash, data, { key, dsaEncoding: 'ieee-p1363' }, signature);
      case 'EdDSA':
        return verify(null, data, key, signature);
    }
  } catch {
    // OpenSSL errors on malformed signatures (e.g. R or S out of range) mean "does not verify".
    return false;
  }
}
