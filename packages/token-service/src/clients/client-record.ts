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

/** One of a client's secrets: its hash, and for an older one the moment it stops working. */
export interface ClientSecret {
  /** Names it in the admin API (never the secret). */
  readonly id: string;
  readonly hash: string;
  /** Epoch ms: after this it no longer authenticates (a rotation's overlap); absent for the current one. */
  readonly notAfter?: number;
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
  /** The current secret's hash. */
  readonly secretHash?: string;
  /**
   * Every secret that authenticates, the current one first, earlier ones until their `notAfter`
   * (a rotation with an overlap: deploy the new secret, then the old stops). Absent: `secretHash` alone.
   */
  readonly secrets?: readonly ClientSecret[];
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
  /** May push a gateway's decisions and heartbeat (`POST /admin/gateways/:id/decisions`); off unless granted. */
  readonly reportDecisions: boolean;
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

/** A stored `secrets` list, its malformed entries dropped (they authenticate nothing). */
function storedSecrets(value: unknown): { secrets: ClientSecret[] } | undefined {
  if (!Array.isArray(value)) return undefined;
  const secrets: ClientSecret[] = [];
  for (const v of value as unknown[]) {
    if (typeof v !== 'object' || v === null) continue;
    const { id, hash, notAfter } = v as Record<string, unknown>;
    if (typeof id !== 'string' || typeof hash !== 'string' || hash === '') continue;
    secrets.push({ id, hash, ...(typeof notAfter === 'number' ? { notAfter } : {}) });
  }
  return { secrets };
}

/**
 * The hashes of the secrets that authenticate a client at `now`: the current one and earlier ones
 * within their overlap.
 *
 * @example
 * ```ts
 * for (const hash of liveSecretHashes(client, Date.now())) if (await verifySecret(secret, hash)) ok = true;
 * ```
 */
export function liveSecretHashes(record: ClientRecord, now: number): string[] {
  if (record.secrets === undefined) return record.secretHash === undefined ? [] : [record.secretHash];
  return record.secrets.filter((s) => s.notAfter === undefined || s.notAfter > now).map((s) => s.hash);
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
    ...(storedSecrets(stored['secrets']) ?? {}),
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
    reportDecisions: stored['reportDecisions'] === true,
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
    ...(record.secrets !== undefined ? { secrets: record.secrets.map((s) => ({ ...s })) } : {}),
    ...(record.jwks !== undefined ? { jwks: record.jwks } : {}),
    allowedAudiences: record.audiences,
    allowedScopes: record.scopes,
    grantTypes: record.grantTypes,
    ...(record.tokenLifetimeSeconds !== undefined ? { tokenLifetimeSeconds: record.tokenLifetimeSeconds } : {}),
    exchange: { ...record.exchange },
    introspect: record.introspect,
    revocations: record.revocations,
    ...(record.reportDecisions ? { reportDecisions: true } : {}),
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
  const { secretHash, secrets, ...rest } = record;
  return {
    ...rest,
    reportDecisions: record.reportDecisions,
    hasSecret: secretHash !== undefined,
    // Which secrets authenticate and until when: ids and dates, never a hash.
    ...(secrets === undefined
      ? {}
      : {
          secrets: secrets.map((s) => ({
            id: s.id,
            ...(s.notAfter === undefined ? {} : { notAfter: new Date(s.notAfter).toISOString() }),
          })),
        }),
    createdAt: new Date(record.createdAt).toISOString(),
    updatedAt: new Date(record.updatedAt).toISOString(),
  };
}
