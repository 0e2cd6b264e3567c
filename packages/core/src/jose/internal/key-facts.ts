// Facts about a KeyObject, computed once per KeyObject and cached: reading `asymmetricKeyDetails`
// crosses into C++ on every access, so the hot path must not do it per token.
import type { KeyObject } from 'node:crypto';
import type { AlgorithmSpec } from '../algorithms.js';

export interface KeyFacts {
  /** 'secret', 'rsa', 'rsa-pss', 'ec', 'ed25519', ... */
  readonly kind: string;
  readonly isPrivate: boolean;
  /** RSA modulus length in bits; secret length in bits for 'secret'. */
  readonly bits: number;
  /** EC named curve (node:crypto spelling). */
  readonly namedCurve: string | undefined;
}

const cache = new WeakMap<KeyObject, KeyFacts>();

export function keyFacts(key: KeyObject): KeyFacts {
  let facts = cache.get(key);
  if (facts === undefined) {
    if (key.type === 'secret') {
      facts = { kind: 'secret', isPrivate: true, bits: (key.symmetricKeySize ?? 0) * 8, namedCurve: undefined };
    } else {
      const details = key.asymmetricKeyDetails ?? {};
      facts = {
        kind: key.asymmetricKeyType ?? 'unknown',
        isPrivate: key.type === 'private',
        bits: details.modulusLength ?? 0,
        namedCurve: details.namedCurve,
      };
    }
    cache.set(key, facts);
  }
  return facts;
}

/**
 * Why `key` cannot be used with `spec`, or `undefined` when it fits. `checkStrength` adds the
 * minimum sizes (RSA ≥ 2048 bits always; HMAC secret ≥ hash length only when asked, because the
 * raw primitive must also verify Wycheproof MACs made with short keys — import enforces it).
 */
export function keyMismatch(spec: AlgorithmSpec, facts: KeyFacts, checkHmacLength: boolean): string | undefined {
  switch (spec.family) {
    case 'RSASSA-PKCS1-v1_5':
    case 'RSASSA-PSS':
      if (facts.kind !== 'rsa' && !(facts.kind === 'rsa-pss' && spec.family === 'RSASSA-PSS'))
        return `${spec.alg} needs an RSA key, got ${facts.kind}`;
      if (facts.bits < spec.minKeyBits)
        return `${spec.alg} needs an RSA key of at least ${spec.minKeyBits} bits (RFC 7518 §3.3), got ${facts.bits}`;
      return undefined;
    case 'ECDSA':
      if (facts.kind !== 'ec') return `${spec.alg} needs an EC key, got ${facts.kind}`;
      if (facts.namedCurve !== spec.namedCurve)
        return `${spec.alg} needs curve ${spec.crv} (RFC 7518 §3.4), got ${facts.namedCurve ?? 'unknown'}`;
      return undefined;
    case 'EdDSA':
      return facts.kind === 'ed25519' ? undefined : `${spec.alg} needs an Ed25519 key, got ${facts.kind}`;
    case 'HMAC':
      if (facts.kind !== 'secret') return `${spec.alg} needs a secret key, got ${facts.kind}`;
      if (checkHmacLength && facts.bits < spec.minKeyBits)
        return `${spec.alg} needs a secret of at least ${spec.minKeyBits / 8} bytes (RFC 7518 §3.2), got ${facts.bits / 8}`;
      return undefined;
  }
}
