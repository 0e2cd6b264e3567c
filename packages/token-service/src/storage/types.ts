// The storage contract of the token service (issue 3, "Storage"; ARCHITECTURE.md, "Storage"):
// one narrow interface per concern, every method async, every record plain JSON, every time in
// ms since the epoch. Back-ends (`file`, `postgres`, `redis`) implement these; one contract suite
// (test/storage/contract.ts) runs against each, so a caller never depends on which one it has.
import type { Clock, Jwk } from '@tessera/core';

/** Where a key is in its life: `next → active → retired → removed` (ARCHITECTURE.md, "Token path"). */
export type KeyState = 'next' | 'active' | 'retired' | 'removed';

/** `ring` = a signing key of the rotating key ring; `named` = a key of the jwt-factory admin API. */
export type KeyPurpose = 'ring' | 'named';

/**
 * One stored key. Ring keys and named keys share one record type and one id space (`kid`), so a
 * named key can never shadow a ring key. `privateJwk` is encrypted at rest by the store
 * (AES-256-GCM under the key-encryption key) and handed back decrypted; it is absent once a key
 * is removed.
 *
 * @example
 * ```ts
 * const key: StoredKey = { kid, purpose: 'ring', alg: 'RS256', state: 'next', createdAt: now,
 *   activatesAt: now + 300_000, publicJwk, privateJwk };
 * ```
 */
export interface StoredKey {
  readonly kid: string;
  readonly purpose: KeyPurpose;
  /** JWS `alg` the key is for (RFC 7518 §3.1), e.g. `RS256`. */
  readonly alg: string;
  /** Named keys are always `active` until deleted. */
  readonly state: KeyState;
  /** When the key was generated (and, for the ring, first published). */
  readonly createdAt: number;
  /** `next` keys: the earliest time the key may sign. */
  readonly activatesAt?: number;
  /** When the key actually became `active`. */
  readonly activatedAt?: number;
  readonly retiredAt?: number;
  /** `retired` keys: when the last token the key signed has expired (plus skew); then it may go. */
  readonly removeAfter?: number;
  /** `removed` keys taken out early by an emergency withdrawal (a stolen key): when. */
  readonly withdrawnAt?: number;
  readonly publicJwk: Jwk;
  /** Decrypted on read; never written in clear. Absent for removed keys. */
  readonly privateJwk?: Jwk;
}

/**
 * The change {@link KeyStore.updateState} applies. Timestamps given here replace the stored
 * ones; `dropPrivateKey` erases the private half (for `removed`).
 *
 * @example
 * ```ts
 * const patch: KeyStatePatch = { state: 'retired', retiredAt: now, removeAfter: now + 3_660_000 };
 * ```
 */
export interface KeyStatePatch {
  readonly state: KeyState;
  readonly activatesAt?: number;
  readonly activatedAt?: number;
  readonly retiredAt?: number;
  readonly removeAfter?: number;
  readonly withdrawnAt?: number;
  readonly dropPrivateKey?: boolean;
}

/**
 * Key ring and named keys. `updateState` is a compare-and-set on the state: of two replicas
 * rotating at once, exactly one wins and the other gets `ERR_STORE_CONFLICT`
 * (`details.actual` holds the state it found).
 *
 * @example
 * ```ts
 * await storage.keys.create(key);
 * await storage.keys.updateState(key.kid, 'next', { state: 'active', activatedAt: clock() });
 * const ring = await storage.keys.list({ purpose: 'ring' });
 * ```
 */
export interface KeyStore {
  /** Every key (optionally of one purpose), oldest first (`createdAt`, then `kid`). */
  list(options?: { readonly purpose?: KeyPurpose }): Promise<StoredKey[]>;
  get(kid: string): Promise<StoredKey | undefined>;
  /** Adds a key; `ERR_STORE_CONFLICT` when the kid exists (in either purpose). */
  create(key: StoredKey): Promise<StoredKey>;
  /** Inserts or replaces the whole record (no compare-and-set; prefer `create`/`updateState`). */
  put(key: StoredKey): Promise<StoredKey>;
  /**
   * Moves `kid` from `expected` to `patch.state` atomically. `ERR_STORE_NOT_FOUND` when the key
   * is gone, `ERR_STORE_CONFLICT` when its state is not `expected`.
   */
  updateState(kid: string, expected: KeyState, patch: KeyStatePatch): Promise<StoredKey>;
  /** True when a key was deleted. */
  delete(kid: string): Promise<boolean>;
}

/**
 * A client (workload) as stored: typed core fields plus any extra JSON members the server keeps
 * (they round-trip unchanged).
 *
 * @example
 * ```ts
 * const client: StoredClient = { clientId: 'billing', secretHash, allowedAudiences: ['ledger'],
 *   allowedScopes: ['read'], enabled: true, createdAt: now, updatedAt: now, grantTypes: ['client_credentials'] };
 * ```
 */
export interface StoredClient {
  readonly clientId: string;
  /** A password hash (never the secret itself). */
  readonly secretHash?: string;
  /** Public keys for `private_key_jwt` (RFC 7523). */
  readonly jwks?: { readonly keys: readonly Jwk[] };
  readonly allowedAudiences: readonly string[];
  readonly allowedScopes: readonly string[];
  readonly tokenLifetimeSeconds?: number;
  /** RFC 8693 exchange permissions, shaped by the server. */
  readonly exchange?: Readonly<Record<string, unknown>>;
  /** May call the introspection endpoint (RFC 7662); absent = false. */
  readonly introspect?: boolean;
  /** May read the revocation feed and stream; absent = false. */
  readonly revocations?: boolean;
  /** May push a gateway's decisions and heartbeat; absent = false. */
  readonly reportDecisions?: boolean;
  readonly enabled: boolean;
  readonly createdAt: number;
  readonly updatedAt: number;
  readonly [extra: string]: unknown;
}

/**
 * A person who logs in (issue "People"): the account, its profile claims and its credentials.
 * `profile` holds OpenID Connect standard claims (`name`, `nickname`, `picture`, `given_name`, ...),
 * released by scope; `groups` and `roles` go into access tokens as RFC 9068 §2.2.3.1 describes.
 *
 * @example
 * ```ts
 * const user: StoredUser = { userId: 'u-1', username: 'alice', passwordHash, profile: { name: 'Alice' },
 *   groups: ['staff'], roles: ['tessera:viewer'], disabled: false, createdAt: now, updatedAt: now };
 * ```
 */
export interface StoredUser {
  /** Stable and opaque: the `sub` of the user's tokens. */
  readonly userId: string;
  /** What the user types at the login page; unique (exact match, as stored). */
  readonly username: string;
  readonly email?: string;
  readonly emailVerified?: boolean;
  /** A password hash (argon2id; older scrypt hashes are upgraded at the next login). */
  readonly passwordHash?: string;
  readonly profile: Readonly<Record<string, unknown>>;
  readonly groups: readonly string[];
  readonly roles: readonly string[];
  /** A disabled user cannot log in, and its sessions end. */
  readonly disabled: boolean;
  readonly createdAt: number;
  readonly updatedAt: number;
  readonly [extra: string]: unknown;
}

/**
 * Users, stored like clients: `update` merges a patch (a member set to `undefined` is removed),
 * stamps `updatedAt`, and with `expectedUpdatedAt` is a compare-and-set. Usernames are unique:
 * `create`, `put` and an `update` that takes another user's name fail with `ERR_STORE_CONFLICT`.
 *
 * @example
 * ```ts
 * await storage.users.create(user);
 * const alice = await storage.users.findByUsername('alice');
 * ```
 */
export interface UserStore {
  /** Every user, ordered by `userId`. */
  list(): Promise<StoredUser[]>;
  get(userId: string): Promise<StoredUser | undefined>;
  findByUsername(username: string): Promise<StoredUser | undefined>;
  /** `ERR_STORE_CONFLICT` when the id or the username exists. */
  create(user: StoredUser): Promise<StoredUser>;
  /** Inserts or replaces by id (users declared in the config file, re-applied at start). */
  put(user: StoredUser): Promise<StoredUser>;
  /** `ERR_STORE_NOT_FOUND` / `ERR_STORE_CONFLICT` (stale `expectedUpdatedAt`, a taken username). */
  update(
    userId: string,
    patch: Partial<StoredUser>,
    options?: { readonly expectedUpdatedAt?: number },
  ): Promise<StoredUser>;
  delete(userId: string): Promise<boolean>;
}

/**
 * The kinds of short-lived login state (issue "People"). `access` is an access token issued to a
 * login session (key: its `jti`), kept until it expires so that the session's end can revoke it.
 */
export type StateKind = 'session' | 'interaction' | 'code' | 'consent' | 'refresh' | 'access';

/**
 * One piece of short-lived login state: a session at the provider, an authorization code, a
 * remembered consent, a refresh token. `data` is the kind's own record; the links (`userId`, `sid`,
 * `familyId`) are what it is found and ended by ("end this user's sessions", "revoke this family").
 * It is gone for every reader once `expiresAt` has passed (by the store's clock).
 *
 * @example
 * ```ts
 * await storage.state.put({ kind: 'code', key: codeHash, data: { clientId, redirectUri }, expiresAt: now + 60_000, userId, sid });
 * ```
 */
export interface StateRecord {
  readonly kind: StateKind;
  readonly key: string;
  readonly data: Readonly<Record<string, unknown>>;
  /** Epoch ms. */
  readonly expiresAt: number;
  readonly userId?: string;
  readonly sid?: string;
  readonly familyId?: string;
  /** Set by {@link StateStore.use}: when it was first used (epoch ms). */
  readonly usedAt?: number;
}

/** Which linked records {@link StateStore.find} and {@link StateStore.deleteLinked} mean: all the given links match. */
export interface StateLink {
  readonly userId?: string;
  readonly sid?: string;
  readonly familyId?: string;
}

/**
 * Short-lived login state, on every back-end (file, PostgreSQL, Redis with TTLs). `use` is the
 * one atomic step the protocol needs: of any number of concurrent calls for a key, exactly one is
 * `first` (an authorization code or a refresh token is used once; a second use is a replay).
 *
 * @example
 * ```ts
 * const used = await storage.state.use('code', codeHash);
 * if (used?.first !== true) throw invalidGrant();
 * ```
 */
export interface StateStore {
  /** Inserts or replaces (by kind and key). */
  put(record: StateRecord): Promise<void>;
  get(kind: StateKind, key: string): Promise<StateRecord | undefined>;
  /** Marks the record used, atomically: the record (with `usedAt`) and whether this call was the first. */
  use(kind: StateKind, key: string): Promise<{ readonly record: StateRecord; readonly first: boolean } | undefined>;
  delete(kind: StateKind, key: string): Promise<boolean>;
  /** The live records of `kind` with these links, ordered by key. */
  find(kind: StateKind, link: StateLink): Promise<StateRecord[]>;
  /** Deletes the records of `kind` with these links; how many. */
  deleteLinked(kind: StateKind, link: StateLink): Promise<number>;
  /** Drops what has expired (Redis does it itself); how many. */
  purgeExpired(): Promise<number>;
}

/**
 * Clients. `update` merges a patch (a member set to `undefined` is removed) and stamps
 * `updatedAt` from the store's clock unless the patch sets it; `expectedUpdatedAt` makes it a
 * compare-and-set (optimistic concurrency for the admin API).
 *
 * @example
 * ```ts
 * await storage.clients.create(client);
 * await storage.clients.update('billing', { enabled: false }, { expectedUpdatedAt: client.updatedAt });
 * ```
 */
export interface ClientStore {
  /** Every client, ordered by `clientId`. */
  list(): Promise<StoredClient[]>;
  get(clientId: string): Promise<StoredClient | undefined>;
  /** `ERR_STORE_CONFLICT` when the id exists. */
  create(client: StoredClient): Promise<StoredClient>;
  /** Inserts or replaces (e.g. clients declared in the config file, re-applied at start). */
  put(client: StoredClient): Promise<StoredClient>;
  /** `ERR_STORE_NOT_FOUND` / `ERR_STORE_CONFLICT` (stale `expectedUpdatedAt`). */
  update(
    clientId: string,
    patch: Partial<StoredClient>,
    options?: { readonly expectedUpdatedAt?: number },
  ): Promise<StoredClient>;
  delete(clientId: string): Promise<boolean>;
}

/**
 * A revoked token (RFC 7009): its `jti`, when it expires anyway (`exp`, ms) and when it was
 * revoked. Entries are purged once `exp` has passed: an expired token is refused anyway.
 */
export interface RevokedToken {
  readonly jti: string;
  readonly exp: number;
  readonly revokedAt: number;
  readonly clientId?: string;
}

/** A page of revocations and the cursor to ask for the next one. */
export interface RevocationPage {
  readonly items: RevokedToken[];
  /** Opaque; pass it to the next `listSince`. Unchanged when nothing new arrived. */
  readonly cursor: string;
}

/**
 * A token exchanged from another one (RFC 8693): the child's `jti` and when it expires (`exp`, ms).
 * {@link RevocationStore.listChildren} answers these for a parent `jti`.
 *
 * @example
 * ```ts
 * const child: TokenLink = { jti: 'c0ffee', exp: Date.now() + 300_000 };
 * ```
 */
export interface TokenLink {
  readonly jti: string;
  readonly exp: number;
}

/**
 * Revocations, published to gateways by polling `listSince` (a cursor in revocation order, so a
 * poller never misses one) or through the {@link EventBus}. The store also keeps the token family
 * tree (`linkChild`, `listChildren`: which token was exchanged from which), so revoking a token
 * can revoke every token exchanged from it; a link lives until the child's `exp`.
 *
 * @example
 * ```ts
 * await storage.revocations.revoke(jti, exp * 1000, { clientId });
 * if (await storage.revocations.isRevoked(jti)) deny();
 * let page = await storage.revocations.listSince('');
 * page = await storage.revocations.listSince(page.cursor);
 * await storage.revocations.linkChild(subjectJti, childJti, childExp * 1000);
 * const children = await storage.revocations.listChildren(subjectJti);
 * ```
 */
export interface RevocationStore {
  /** True when this call added the entry; false when it was there already or `expiresAt` has passed. */
  revoke(jti: string, expiresAt: number, options?: { readonly clientId?: string }): Promise<boolean>;
  /** True while the entry exists and has not expired. */
  isRevoked(jti: string): Promise<boolean>;
  /** Unexpired revocations after `cursor` ('' or omitted = from the start), oldest first; `limit` defaults to 1000. */
  listSince(cursor?: string, limit?: number): Promise<RevocationPage>;
  /**
   * Drops expired entries (revocations and family links); returns how many revocations went.
   * Stores also purge on their own.
   */
  purgeExpired(): Promise<number>;
  /**
   * Records that token `childJti`, expiring at `expiresAt` (ms), was exchanged from token
   * `parentJti`. Kept until `expiresAt` (an expired child is refused anyway), so nothing is recorded
   * when it has passed. A child has one parent: linking it again changes nothing.
   */
  linkChild(parentJti: string, childJti: string, expiresAt: number): Promise<void>;
  /** The unexpired children of `parentJti` (any order), at most `limit` (default 1000, at most 10 000). */
  listChildren(parentJti: string, limit?: number): Promise<TokenLink[]>;
}

/**
 * One-time ids (the RFC 7523 §3 `jti` of client assertions): `markUsed` is atomic, so of any
 * number of concurrent calls with one key exactly one gets `true`.
 *
 * @example
 * ```ts
 * if (!(await storage.replay.markUsed(`assertion:${iss}:${jti}`, exp * 1000))) reject('replayed');
 * ```
 */
export interface ReplayStore {
  /** True on first use; false when the key was seen and has not expired, or `expiresAt` has passed (fail closed). */
  markUsed(key: string, expiresAt: number): Promise<boolean>;
  purgeExpired(): Promise<number>;
}

/** An audit record as given to {@link AuditStore.append}. Never a secret, private key or whole token. */
export interface AuditInput {
  /** Defaults to the store's clock. */
  readonly at?: number;
  /** Who: a client id, `admin`, `system`. */
  readonly actor: string;
  /** What, e.g. `token.issued`, `key.rotated`, `client.updated`. */
  readonly action: string;
  /** On what: a client id, a kid, a `jti`. */
  readonly target?: string;
  readonly details?: Readonly<Record<string, unknown>>;
}

/** An audit record as stored: `seq` orders records (append order), `at` is when. */
export interface AuditEntry {
  readonly seq: number;
  readonly at: number;
  readonly actor: string;
  readonly action: string;
  readonly target?: string;
  readonly details?: Readonly<Record<string, unknown>>;
}

/** What {@link AuditStore.list} selects. */
export interface AuditQuery {
  readonly since?: number;
  readonly limit?: number;
  readonly order?: 'asc' | 'desc';
  readonly afterSeq?: number;
  readonly beforeSeq?: number;
  readonly actor?: string;
  readonly actionPrefix?: string;
}

/**
 * Append-only audit log. The store redacts, defensively, `details` members whose name says secret
 * (`secret`, `password`, `private…`, `…token`, `assertion`, JWK private members) and string values
 * that look like a JWT, so a careless caller cannot write one.
 *
 * @example
 * ```ts
 * await storage.audit.append({ actor: 'billing', action: 'token.issued', target: jti, details: { aud: 'ledger' } });
 * const last = await storage.audit.list({ limit: 50, order: 'desc' });
 * ```
 */
export interface AuditStore {
  append(entry: AuditInput): Promise<AuditEntry>;
  /**
   * Records with `at >= since`, in append order (`asc`, default) or newest first; `limit` defaults
   * to 100 (max 1000). A page after a page: `afterSeq` (records with a greater `seq`, for `asc`) or
   * `beforeSeq` (a smaller one, for `desc`), the last `seq` of the page before. `actor` matches
   * exactly, `actionPrefix` the start of `action` (`key.` for every key change).
   */
  list(options?: AuditQuery): Promise<AuditEntry[]>;
}

/**
 * An event shared between replicas. Conventional types: `key.changed` (`data.kid`, `data.state`),
 * `revocation.added` (`data.jti`, `data.exp`), `client.changed` (`data.clientId`).
 */
export interface StorageEvent {
  readonly type: string;
  readonly at: number;
  readonly data: Readonly<Record<string, unknown>>;
  /** The `id` of the bus that published it (a replica can skip its own events). */
  readonly origin: string;
}

/** Stops a subscription. */
export type Unsubscribe = () => Promise<void>;

/**
 * Key and revocation events. `file` delivers in-process only; `redis` (pub/sub) and `postgres`
 * (LISTEN/NOTIFY) reach every replica. Delivery is at most once: a replica that was down re-reads
 * the stores (`listSince`, `keys.list`).
 *
 * @example
 * ```ts
 * const stop = await storage.events.subscribe((e) => { if (e.type === 'key.changed') reloadKeys(); });
 * await storage.events.publish({ type: 'key.changed', data: { kid } });
 * await stop();
 * ```
 */
export interface EventBus {
  /** This bus instance's id, stamped on every event it publishes. */
  readonly id: string;
  publish(event: {
    readonly type: string;
    readonly at?: number;
    readonly data?: Readonly<Record<string, unknown>>;
  }): Promise<void>;
  /** Resolves once the subscription is live; a throwing handler is isolated from the others. */
  subscribe(handler: (event: StorageEvent) => void): Promise<Unsubscribe>;
}

/** The concerns a back-end is chosen for. */
export type StorageConcern = 'keys' | 'clients' | 'users' | 'state' | 'revocations' | 'replay' | 'audit' | 'events';

/** The back-ends. `redis` holds revocations, replay and events only. */
export type StorageBackend = 'file' | 'postgres' | 'redis';

/**
 * Configuration of {@link createStorage}. `type` is the default back-end of every concern;
 * `backends` overrides it per concern. A concern on a back-end that cannot hold it (keys on
 * redis) or a back-end without its settings is `ERR_STORE_CONFIG_INVALID`.
 *
 * @example
 * ```ts
 * const config: StorageConfig = { type: 'postgres', postgres: { url: 'postgres://…' },
 *   redis: { url: 'redis://127.0.0.1:6379', keyPrefix: 'tessera:' },
 *   backends: { revocations: 'redis', replay: 'redis', events: 'redis' } };
 * ```
 */
export interface StorageConfig {
  readonly type?: StorageBackend;
  readonly backends?: Partial<Record<StorageConcern, StorageBackend>>;
  /**
   * Data directory of the `file` back-end (created 0700; one process at a time, enforced by a
   * `lock` file); also where a generated `kek` file lives.
   */
  readonly dataDir?: string;
  readonly postgres?: {
    readonly url: string;
    /** Schema for Tessera's tables (created with them); default `tessera`. */
    readonly schema?: string;
    readonly maxConnections?: number;
  };
  /**
   * Redis for revocations, replay and events. Revocations there are only as durable as Redis
   * persistence: without AOF/RDB a Redis restart forgets them (keep them on postgres then).
   */
  readonly redis?: {
    readonly url: string;
    /** Prefix of every key and channel; default `tessera:`. */
    readonly keyPrefix?: string;
  };
  /**
   * Key-encryption key for private keys at rest: base64url of 32 bytes. Else `TESSERA_KEK` from
   * `env`, else a `kek` file in `dataDir` (generated with mode 0600 on first start when keys are on
   * `file`; with keys on `postgres` it must already exist, since every replica needs the same one).
   */
  readonly kek?: string;
  /**
   * A file holding the key-encryption key (base64url of 32 bytes, mode 0600), read when neither
   * `kek` nor `TESSERA_KEK` is set; generated there when missing and keys are on `file`. Keep it off
   * the data directory (a mounted secret, say): a copy of the data directory then holds sealed keys
   * without the key that opens them.
   */
  readonly kekFile?: string;
  /** Told about risky but working set-ups (a KEK beside the keys it protects); default silent. */
  readonly warn?: (message: string, fields: Readonly<Record<string, unknown>>) => void;
  /** Environment to read `TESSERA_KEK` from; default `process.env`. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Time source for expiry and timestamps; default `Date.now`. */
  readonly clock?: Clock;
}

/** Seals a secret for a purpose (the associated data) and opens it again. */
export interface SecretSealer {
  seal(purpose: string, secret: string): string;
  /** `ERR_STORE_KEK_INVALID` when it does not open (another KEK, another purpose). */
  open(purpose: string, sealed: string): string;
}

/**
 * Everything the token service stores, from {@link createStorage}.
 *
 * @example
 * ```ts
 * const storage = await createStorage({ dataDir: './.tessera' });
 * try { await storage.keys.list(); } finally { await storage.close(); }
 * ```
 */
export interface Storage {
  readonly keys: KeyStore;
  readonly clients: ClientStore;
  readonly users: UserStore;
  /** Sessions, authorization codes, consents and refresh tokens. */
  readonly state: StateStore;
  readonly revocations: RevocationStore;
  readonly replay: ReplayStore;
  readonly audit: AuditStore;
  readonly events: EventBus;
  /** Seals secrets at rest with the key-encryption key (users' TOTP secrets), as private keys are. */
  readonly secrets: SecretSealer;
  /** Which back-end holds each concern. */
  readonly backends: Readonly<Record<StorageConcern, StorageBackend>>;
  /** Resolves when every back-end answers (for `/readyz`); else `ERR_STORE_UNAVAILABLE`. */
  ping(): Promise<void>;
  /** Closes connections and timers; pending writes are flushed first. Idempotent. */
  close(): Promise<void>;
}
