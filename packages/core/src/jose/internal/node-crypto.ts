// The only place that turns an algorithm row into node:crypto calls (sign and verify), so the
// parameters RFC 8725 needs pinned are pinned once: RSA-PSS salt length = hash length (RFC 7518
// §3.5), ECDSA signatures as raw R‖S (`ieee-p1363`, RFC 7518 §3.4), HMAC compared in constant time.
import { constants, createHmac, sign, timingSafeEqual, verify, type KeyObject } from 'node:crypto';
import type { AlgorithmSpec } from '../algorithms.js';

export function signBytes(spec: AlgorithmSpec, key: KeyObject, data: Buffer): Buffer {
  switch (spec.family) {
    case 'HMAC':
      return createHmac(spec.hash!, key).update(data).digest();
    case 'RSASSA-PKCS1-v1_5':
      return sign(spec.hash, data, key);
    case 'RSASSA-PSS':
      return sign(spec.hash, data, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: spec.hashLength });
    case 'ECDSA':
      return sign(spec.hash, data, { key, dsaEncoding: 'ieee-p1363' });
    case 'EdDSA':
      return sign(null, data, key);
  }
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
