import type { Logger } from 'pino';
import type { EventBus, RevocationStore } from '../storage/index.js';
import { revokeTokenFamily, type RevokeTokenFamilyOptions, type TokenFamilyRevocation } from './revoke-token-family.js';

/** What {@link revokeAndPublish} needs besides the token. */
export interface RevokeAndPublishDeps {
  readonly revocations: Pick<RevocationStore, 'revoke' | 'listChildren'>;
  readonly events: Pick<EventBus, 'publish'>;
  readonly logger?: Logger;
}

/**
 * Revokes a token and its exchanged family ({@link revokeTokenFamily}) and publishes each new
 * entry as `revocation.added`, so the other replicas' streams carry it at once. A publication that
 * fails is logged, not thrown: the entry is stored, and the replicas' heartbeat catch-up reads it.
 * One place for every revoker: `POST /revoke`, a replayed authorization code, an ended login session.
 *
 * @example
 * ```ts
 * const family = await revokeAndPublish(storage, { root: { jti, exp: exp * 1000 }, clientId });
 * ```
 */
export async function revokeAndPublish(
  deps: RevokeAndPublishDeps,
  options: Omit<RevokeTokenFamilyOptions, 'revocations'>,
): Promise<TokenFamilyRevocation> {
  const family = await revokeTokenFamily({ ...options, revocations: deps.revocations });
  if (family.truncated)
    deps.logger?.warn(
      { jti: options.root.jti, reached: family.reached },
      'token family too large or too deep: the revocation stopped at its bound',
    );
  for (const entry of family.added)
    await deps.events
      .publish({ type: 'revocation.added', data: { jti: entry.jti, exp: Math.floor(entry.exp / 1000) } })
      .catch((err: unknown) => deps.logger?.warn({ err }, 'revocation event not published'));
  return family;
}
