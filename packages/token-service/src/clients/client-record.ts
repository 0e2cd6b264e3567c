import type { Jwk } from '@tessera/core';
import type { StoredClient } from '../storage/index.js';

/** Per-client RFC 8693 exchange permissions (see the `exchange` block of the configuration). */
export interface ExchangePermissions {
  readonly subjectIssuers: readonly string[];
  readonly subjectAudiences: readonly string[];
  readonly targetAudiences: readonly string[];
  readonly delegation: boolean;
  readonly impersonation: boolean;
}

/**
 * A client (workload) as the server works with it: the stored record with every default applied.
 *
 * @example
 * ```ts
 * const client = toClientRecord(await storage.clients.get('billing'));
 * ```
 */
export interface ClientRecord {
  readonly id: string;
  readonly secretHash?: string;
  readonly jwks?: { readonly keys: readonly Jwk[] };
  readonly audiences: readonly string[];
  readonly scopes: readonly string[];
  readonly grantTypes: readonly string[];
  readonly tokenLifetimeSeconds?: number;
  readonly exchange: ExchangePermissions;
  /** May call the introspection endpoint (RFC 7662); off unless granted. */
  readonly introspect: boolean;
  /** May read the revocation feed and stream; off unless granted. */
  readonly revocations: boolean;
  readonly enabled: boolean;
  /** Holds no secret: authenticates with `client_id` alone, PKCE required (people's applications). */
  readonly public: boolean;
  /** Registered redirect URIs, matched exactly (authorization code flow). */
  readonly redirectUris: readonly string[];
  /** Where logout may return the user. */
  readonly postLogoutRedirectUris: readonly string[];
  /** Users are not asked to consent to it. */
  readonly firstParty: boolean;
  /** Its users must pass a second factor at login (`amr` has `mfa`, `acr` is `"2"`). */
  readonly requireSecondFactor: boolean;
  /** OpenID Connect Back-Channel Logout endpoint. */
  readonly backchannelLogoutUri?: string;
  /** `config` = declared in the file (re-applied at every start); `admin` = made through the admin API. */
  readonly source: 'config' | 'admin';
  readonly createdAt: number;
  readonly updatedAt: number;
}

const strings = (value: unknown): string[] =>
  Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];

/**
 * Reads a stored client into a {@link ClientRecord}; missing or malformed members fall back to
 * the most restrictive value (no grants, no exchange, no impersonation), so a damaged record fails closed.
 *
 * @example
 * ```ts
 * const record = toClientRecord(stored);
 * ```
 */
export function toClientRecord(stored: StoredClient): ClientRecord {
  const ex = (stored.exchange ?? {}) as Record<string, unknown>;
  return {
    id: stored.clientId,
    ...(typeof stored.secretHash === 'string' ? { secretHash: stored.secretHash } : {}),
    ...(stored.jwks !== undefined ? { jwks: stored.jwks } : {}),
    audiences: strings(stored.allowedAudiences),
    scopes: strings(stored.allowedScopes),
    grantTypes: strings(stored['grantTypes']),
    ...(typeof stored.tokenLifetimeSeconds === 'number' ? { tokenLifetimeSeconds: stored.tokenLifetimeSeconds } : {}),
    exchange: {
      subjectIssuers: strings(ex['subjectIssuers']),
      subjectAudiences: strings(ex['subjectAudiences']),
      targetAudiences: strings(ex['targetAudiences']),
      delegation: ex['delegation'] === true,
      impersonation: ex['impersonation'] === true,
    },
    introspect: stored.introspect === true,
    revocations: stored.revocations === true,
    enabled: stored.enabled === true,
    public: stored['public'] === true,
    redirectUris: strings(stored['redirectUris']),
    postLogoutRedirectUris: strings(stored['postLogoutRedirectUris']),
    firstParty: stored['firstParty'] === true,
    requireSecondFactor: stored['requireSecondFactor'] === true,
    ...(typeof stored['backchannelLogoutUri'] === 'string'
      ? { backchannelLogoutUri: stored['backchannelLogoutUri'] }
      : {}),
    source: stored['source'] === 'config' ? 'config' : 'admin',
    createdAt: stored.createdAt,
    updatedAt: stored.updatedAt,
  };
}

/**
 * Writes a {@link ClientRecord} in the storage shape.
 *
 * @example
 * ```ts
 * await storage.clients.put(toStoredClient(record));
 * ```
 */
export function toStoredClient(record: ClientRecord): StoredClient {
  return {
    clientId: record.id,
    ...(record.secretHash !== undefined ? { secretHash: record.secretHash } : {}),
    ...(record.jwks !== undefined ? { jwks: record.jwks } : {}),
    allowedAudiences: record.audiences,
    allowedScopes: record.scopes,
    grantTypes: record.grantTypes,
    ...(record.tokenLifetimeSeconds !== undefined ? { tokenLifetimeSeconds: record.tokenLifetimeSeconds } : {}),
    exchange: { ...record.exchange },
    introspect: record.introspect,
    revocations: record.revocations,
    enabled: record.enabled,
    public: record.public,
    redirectUris: record.redirectUris,
    postLogoutRedirectUris: record.postLogoutRedirectUris,
    firstParty: record.firstParty,
    ...(record.requireSecondFactor ? { requireSecondFactor: true } : {}),
    ...(record.backchannelLogoutUri !== undefined ? { backchannelLogoutUri: record.backchannelLogoutUri } : {}),
    source: record.source,
    createdAt: record.createdAt,
    updatedAt: record.updatedAt,
  };
}

/**
 * The public view of a client for the admin API: never the secret hash.
 *
 * @example
 * ```ts
 * reply(200, clientView(record));
 * ```
 */
export function clientView(record: ClientRecord): Record<string, unknown> {
  const { secretHash, ...rest } = record;
  return {
    ...rest,
    hasSecret: secretHash !== undefined,
    createdAt: new Date(record.createdAt).toISOString(),
    updatedAt: new Date(record.updatedAt).toISOString(),
  };
}
