import type { WithdrawnKeys } from './revocation-feed.js';
import type { JwsHeader, KeySource, VerificationKey } from './types.js';

/**
 * Wraps a key source so that a withdrawn `kid` never verifies, whether the token names it or
 * carries no `kid` (then every key of the `alg` is tried). The wrapper's `version` moves with the
 * inner source's and with each withdrawal, and a verifier empties its verified-token cache when the
 * version moves (`KeySource.version`): tokens already verified with the key stop passing on the
 * next request, not when their cache entry expires. Filtering here, rather than waiting for the
 * JWKS to be refetched, also covers a JWKS cache or CDN that still serves the old set.
 *
 * @example
 * ```ts
 * const source = excludeWithdrawnKeys(createRemoteJwks(jwksUri), feed.withdrawnKeys);
 * ```
 */
export function excludeWithdrawnKeys(source: KeySource, withdrawn: WithdrawnKeys): KeySource {
  const keep = (keys: readonly VerificationKey[]): readonly VerificationKey[] =>
    keys.some((k) => k.kid !== undefined && withdrawn.has(k.kid))
      ? keys.filter((k) => k.kid === undefined || !withdrawn.has(k.kid))
      : keys;
  return {
    getKeys(header: JwsHeader) {
      if (typeof header.kid === 'string' && withdrawn.has(header.kid)) return [];
      const keys = source.getKeys(header);
      return Array.isArray(keys) ? keep(keys as readonly VerificationKey[]) : Promise.resolve(keys).then(keep);
    },
    get version() {
      // Both counters only grow, so their sum changes whenever either does.
      return (source.version ?? 0) + withdrawn.version;
    },
  };
}
