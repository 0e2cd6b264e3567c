import { coreErrors, createVerifier, type Clock, type KeySource, type TesseraVerifier } from '@tessera/core';
import type { RevocationStore } from '../storage/index.js';
import type { VerifiedToken } from '../grants/grant-module.js';
import { RING_ALGORITHMS } from '../internal/jose.js';

/** Options of {@link createTokenValidator}. */
export interface TokenValidatorOptions {
  readonly issuer: () => string;
  /** This service's published keys (the key ring). */
  readonly ownKeys: KeySource;
  /** Key sources of trusted external issuers, by issuer. */
  readonly trustedIssuers?: ReadonlyMap<string, KeySource>;
  readonly revocations: Pick<RevocationStore, 'isRevoked'>;
  readonly clock: Clock;
  readonly clockSkewSeconds: number;
}

/** Validates tokens presented to the service (exchange subject/actor tokens, introspection, revocation). */
export interface TokenValidator {
  /** Resolves to the verified claims; rejects with a `TesseraError` (`ERR_JWT_*`, `ERR_JWKS_*`) otherwise. */
  validate(token: string): Promise<VerifiedToken>;
}

/**
 * Creates the validator for tokens that come back to the service, on core's `createVerifier`
 * (RFC 8725 rules): signature against this service's key ring, or a trusted issuer's keys; `exp`
 * required, `nbf`/`iat` honoured with the clock skew; `sub` required. For this service's own
 * tokens also `typ: at+jwt` (RFC 9068 §4), a `jti`, and not revoked.
 *
 * @example
 * ```ts
 * const validator = createTokenValidator({ issuer: () => url, ownKeys: keyRing.keySource, revocations: storage.revocations, clock: Date.now, clockSkewSeconds: 60 });
 * const { payload } = await validator.validate(subjectToken);
 * ```
 */
export function createTokenValidator(options: TokenValidatorOptions): TokenValidator {
  let verifier: TesseraVerifier | undefined;
  let builtFor: string | undefined;
  const build = (own: string): TesseraVerifier => {
    const issuers = [{ issuer: own, keys: options.ownKeys }];
    for (const [issuer, keys] of options.trustedIssuers ?? []) issuers.push({ issuer, keys });
    // The verified-token cache stays off: a revoked token or a removed key must take effect at once.
    return createVerifier({
      issuers,
      algorithms: RING_ALGORITHMS,
      clockTolerance: options.clockSkewSeconds,
      requiredClaims: ['sub'],
      clock: options.clock,
      cache: false,
    });
  };
  return {
    async validate(token) {
      const own = options.issuer();
      if (verifier === undefined || builtFor !== own) {
        verifier = build(own);
        builtFor = own;
      }
      const { header, payload } = await verifier.verify(token);
      const mine = payload.iss === own;
      if (mine) {
        if (typeof header.typ !== 'string' || header.typ.toLowerCase() !== 'at+jwt')
          throw coreErrors.create('ERR_JWT_TYP_INVALID', 'not an access token of this service');
        if (typeof payload.jti !== 'string') throw coreErrors.create('ERR_JWT_CLAIM_MISSING', 'jti is missing');
        if (await options.revocations.isRevoked(payload.jti))
          throw coreErrors.create('ERR_JWT_CLAIM_INVALID', 'token is revoked');
      }
      return { payload, issuer: mine ? 'self' : payload.iss! };
    },
  };
}
