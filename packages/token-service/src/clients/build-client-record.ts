import type { TokenServiceConfig } from '../config/load-config.js';
import type { ClientRecord } from './client-record.js';

/** A client as declared in the configuration file or posted to the admin API (schema defaults applied). */
export type DeclaredClient = TokenServiceConfig['clients'][number];

/** What the caller decided about a new record: the secret hash, where it comes from, its times. */
export interface ClientRecordFacts {
  /** The scrypt hash to keep (the caller hashes, reuses or generates the secret). */
  readonly secretHash: string | undefined;
  readonly source: ClientRecord['source'];
  readonly createdAt: number;
  readonly updatedAt: number;
  /** `tokens.maxLifetimeSeconds`: a client's own lifetime never exceeds it. */
  readonly maxLifetimeSeconds: number;
}

/**
 * Builds the {@link ClientRecord} of a declared client: the one place a declaration becomes a
 * record, shared by the configuration seeding and the admin API's `POST /admin/clients`, so the
 * two cannot drift. The plain `secret` never reaches the record, only `facts.secretHash`.
 *
 * @example
 * ```ts
 * const record = buildClientRecord(declared, {
 *   secretHash: await hashSecret(declared.secret!), source: 'admin', createdAt: now, updatedAt: now, maxLifetimeSeconds: 3600,
 * });
 * ```
 */
export function buildClientRecord(declared: DeclaredClient, facts: ClientRecordFacts): ClientRecord {
  return {
    id: declared.id,
    ...(facts.secretHash === undefined ? {} : { secretHash: facts.secretHash }),
    ...(declared.jwks === undefined ? {} : { jwks: declared.jwks }),
    audiences: declared.audiences,
    scopes: declared.scopes,
    grantTypes: declared.grantTypes,
    // The configuration check already refuses a longer lifetime in the file; the admin API clamps.
    ...(declared.tokenLifetimeSeconds === undefined
      ? {}
      : { tokenLifetimeSeconds: Math.min(declared.tokenLifetimeSeconds, facts.maxLifetimeSeconds) }),
    exchange: declared.exchange,
    introspect: declared.introspect,
    revocations: declared.revocations,
    reportDecisions: declared.reportDecisions,
    enabled: declared.enabled,
    public: declared.public,
    redirectUris: declared.redirectUris,
    postLogoutRedirectUris: declared.postLogoutRedirectUris,
    firstParty: declared.firstParty,
    requireSecondFactor: declared.requireSecondFactor,
    ...(declared.backchannelLogoutUri === undefined ? {} : { backchannelLogoutUri: declared.backchannelLogoutUri }),
    source: facts.source,
    createdAt: facts.createdAt,
    updatedAt: facts.updatedAt,
  };
}
