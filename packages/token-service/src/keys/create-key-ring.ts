import type { Clock, Jwk, JwsHeader, JwtSigner, KeySource, VerificationKey } from '@tessera/core';
import { tokenServiceErrors } from '../errors.js';
import { createJwtSigner, isTesseraError, type JwtPayload } from '@tessera/core';
import { generateKeyPairJwk, toSigningKey, toVerificationKey, type RingAlgorithm } from '../internal/jose.js';
import type { KeyState, KeyStatePatch, KeyStore, StoredKey } from '../storage/index.js';

type KeyRecord = StoredKey;

/** Options of {@link createKeyRing}. */
export interface KeyRingOptions {
  readonly store: KeyStore;
  readonly algorithm: RingAlgorithm;
  readonly clock: Clock;
  /** How long a key signs before the next takes over; 0 = no automatic rotation. */
  readonly rotationIntervalSeconds: number;
  /** The JWKS `max-age`: a new key is published at least this long before it signs. */
  readonly jwksCacheSeconds: number;
  /** Longest lifetime of any token the ring signs. */
  readonly maxTokenLifetimeSeconds: number;
  readonly clockSkewSeconds: number;
  /** Called after every state change (audit, events). Errors are the caller's to handle. */
  readonly onChange?: (change: KeyChange) => void | Promise<void>;
}

/** A key state change, for the audit log. */
export interface KeyChange {
  readonly kid: string;
  readonly alg: string;
  readonly from: KeyState | undefined;
  readonly to: KeyState;
  readonly reason: 'bootstrap' | 'schedule' | 'manual' | 'withdrawal';
  /** For a withdrawal: when the key was withdrawn (ms). */
  readonly withdrawnAt?: number;
  /** For a withdrawal: the operator's reason, as given. */
  readonly note?: string;
  /** Who asked for a manual change (the admin API's caller), when they said. */
  readonly actor?: string;
}

/** What the admin API shows of a key: never the private half. */
export interface KeyInfo {
  readonly kid: string;
  readonly alg: string;
  readonly state: KeyState;
  readonly createdAt: string;
  readonly activateAt?: string;
  readonly activatedAt?: string;
  readonly retiredAt?: string;
  readonly removeAt?: string;
  /** Set when the key was withdrawn (an emergency removal). */
  readonly withdrawnAt?: string;
  readonly publicJwk: Jwk;
}

/** A key withdrawn in an emergency, as the revocation feed lists it (`at` in seconds). */
export interface WithdrawnKey {
  readonly kid: string;
  readonly at: number;
}

/**
 * The active key's signer: RFC 9068 headers `{ alg, kid, typ: "at+jwt" }`, payloads signed as
 * given (the caller sets `iat` and `exp`). Ring keys always have a `kid`.
 *
 * @example
 * ```ts
 * const signer: RingSigner = ring.signer();
 * const token = await signer.signAsync({ iss, sub, aud, iat, exp, jti }); // on the thread pool
 * ```
 */
export interface RingSigner extends JwtSigner {
  readonly kid: string;
  /**
   * Signs with the same key under another `typ`, so the token cannot pass as an access token:
   * `JWT` for OpenID Connect ID tokens, `logout+jwt` for Back-Channel Logout tokens (its §2.4).
   */
  signJwtAsync(payload: JwtPayload, typ?: 'JWT' | 'logout+jwt'): Promise<string>;
}

/** The signing key ring. */
export interface KeyRing {
  /** Loads the ring and makes sure a key is active (generates the first one on an empty store). */
  start(): Promise<void>;
  /** Applies the schedule at the clock's current time: publish next, promote, retire, remove. */
  tick(): Promise<void>;
  /** The signer of the active key (synchronous; throws `ERR_KEYRING_NO_ACTIVE_KEY` before `start`). */
  signer(): RingSigner;
  /** The published JWKS (next, active and retired keys) as a JSON string, rebuilt on change only. */
  jwksJson(): string;
  /** Published keys for verifying this service's own tokens. */
  readonly keySource: KeySource;
  /** Every key, newest first. */
  list(): KeyInfo[];
  /** Manual rotation: schedule the next key (publishing one if needed); `immediate` promotes at once. */
  rotate(options?: { immediate?: boolean; actor?: string }): Promise<KeyInfo>;
  /** Manual retire: a `next` key is removed, the `active` key hands over to a published successor. */
  retire(kid: string, actor?: string): Promise<KeyInfo>;
  /**
   * Emergency withdrawal (a stolen key): the key leaves the JWKS and loses its private half at once,
   * whatever its state; withdrawing the active key first promotes a new one (verifiers that cache
   * the JWKS see tokens of an unknown kid and refetch). Answers the withdrawn key and, when the
   * active key was withdrawn, its replacement.
   */
  withdraw(
    kid: string,
    note?: string,
    actor?: string,
  ): Promise<{ readonly withdrawn: KeyInfo; readonly replacement?: KeyInfo }>;
  /** Keys withdrawn within the last `maxTokenLifetimeSeconds + clockSkewSeconds + jwksCacheSeconds`, oldest first. */
  withdrawnKeys(): WithdrawnKey[];
  /** The clock time (ms) at which the schedule next needs a tick, or undefined when nothing is pending. */
  nextDeadline(): number | undefined;
}

/**
 * Creates the key ring (issue 3, "Keys"). Keys move `next → active → retired → removed`:
 * - a `next` key is published in the JWKS at least one JWKS cache period (`jwksCacheSeconds`)
 *   before it signs, so every verifier that caches the JWKS for that long has seen it;
 * - a `retired` key stays published until every token it could have signed has expired:
 *   `retiredAt + maxTokenLifetimeSeconds + clockSkewSeconds`;
 * - `removed` keys lose their private half and leave the JWKS.
 * The ring re-reads the store on every `tick`, so replicas sharing a store converge.
 *
 * @example
 * ```ts
 * const ring = createKeyRing({ store, algorithm: 'RS256', clock: Date.now, rotationIntervalSeconds: 86400,
 *   jwksCacheSeconds: 300, maxTokenLifetimeSeconds: 3600, clockSkewSeconds: 60 });
 * await ring.start();
 * const token = ring.signer().sign({ sub: 'a' });
 * ```
 */
export function createKeyRing(options: KeyRingOptions): KeyRing {
  const { store, algorithm, clock } = options;
  for (const name of [
    'rotationIntervalSeconds',
    'jwksCacheSeconds',
    'maxTokenLifetimeSeconds',
    'clockSkewSeconds',
  ] as const) {
    if (!Number.isInteger(options[name]) || options[name] < 0)
      throw tokenServiceErrors.create('ERR_TOKEN_SERVICE_CONFIG_INVALID', `key ring: ${name} must be an integer ≥ 0`);
  }
  const interval = options.rotationIntervalSeconds * 1000;
  const cache = options.jwksCacheSeconds * 1000;
  if (interval !== 0 && interval <= cache)
    throw tokenServiceErrors.create(
      'ERR_TOKEN_SERVICE_CONFIG_INVALID',
      'key ring: rotationIntervalSeconds must exceed jwksCacheSeconds',
    );
  const retention = (options.maxTokenLifetimeSeconds + options.clockSkewSeconds) * 1000;

  let records: KeyRecord[] = [];
  let activeSigner: RingSigner | undefined;
  let jwks = '{"keys":[]}';
  let verification = new Map<string, VerificationKey>();
  // Serialize state changes in this process: a timer tick and an admin call must not interleave.
  let queue: Promise<unknown> = Promise.resolve();
  const exclusive = <T>(fn: () => Promise<T>): Promise<T> => {
    const run = queue.then(fn, fn);
    queue = run.catch(() => undefined);
    return run;
  };
  /** Who asked for the manual change running now (changes run one at a time, in `exclusive`). */
  let operator: string | undefined;
  const asOperator =
    <T>(actor: string | undefined, fn: () => Promise<T>) =>
    async (): Promise<T> => {
      operator = actor;
      try {
        return await fn();
      } finally {
        operator = undefined;
      }
    };

  function rebuild(next: KeyRecord[]): void {
    records = next.sort((a, b) => b.createdAt - a.createdAt);
    // With two actives for a moment (see applySchedule), sign with the most recently activated.
    const active = records
      .filter((r) => r.state === 'active' && r.privateJwk)
      .sort((a, b) => (b.activatedAt ?? b.createdAt) - (a.activatedAt ?? a.createdAt) || (a.kid < b.kid ? -1 : 1))[0];
    if (active === undefined) activeSigner = undefined;
    else if (activeSigner?.kid !== active.kid) activeSigner = ringSigner(active);
    const published = records.filter((r) => r.state === 'next' || r.state === 'active' || r.state === 'retired');
    const map = new Map<string, VerificationKey>();
    for (const r of published)
      map.set(r.kid, verification.get(r.kid) ?? toVerificationKey(r.publicJwk, r.alg as RingAlgorithm, r.kid));
    verification = map;
    // The active key first: clients that pick the first key without a kid match get the signer.
    const order = [...published].sort((a, b) => rank(a.state) - rank(b.state));
    jwks = JSON.stringify({ keys: order.map((r) => ({ ...verification.get(r.kid)!.jwk })) });
  }

  async function reload(): Promise<void> {
    rebuild(await store.list({ purpose: 'ring' }));
  }

  async function created(record: KeyRecord, reason: KeyChange['reason']): Promise<void> {
    await store.create(record);
    records = [...records, record];
    rebuild(records);
    await options.onChange?.({
      kid: record.kid,
      alg: record.alg,
      from: undefined,
      to: record.state,
      reason,
      ...(operator === undefined ? {} : { actor: operator }),
    });
  }

  /** Compare-and-set transition; false when another replica changed the key first (then reload). */
  async function transition(
    record: KeyRecord,
    patch: KeyStatePatch,
    reason: KeyChange['reason'],
    note?: string,
  ): Promise<boolean> {
    let updated: KeyRecord;
    try {
      updated = await store.updateState(record.kid, record.state, patch);
    } catch (e) {
      if (isTesseraError(e, 'ERR_STORE_CONFLICT') || isTesseraError(e, 'ERR_STORE_NOT_FOUND')) {
        await reload();
        return false;
      }
      throw e;
    }
    records = [...records.filter((r) => r.kid !== record.kid), updated];
    rebuild(records);
    if (patch.state !== record.state)
      await options.onChange?.({
        kid: record.kid,
        alg: record.alg,
        from: record.state,
        to: patch.state,
        reason,
        ...(patch.withdrawnAt === undefined ? {} : { withdrawnAt: patch.withdrawnAt }),
        ...(note === undefined ? {} : { note }),
        ...(operator === undefined ? {} : { actor: operator }),
      });
    return true;
  }

  async function createKey(
    state: 'next' | 'active',
    now: number,
    activateAt: number | undefined,
    reason: KeyChange['reason'],
  ): Promise<KeyRecord> {
    const pair = generateKeyPairJwk(algorithm);
    const record: KeyRecord =
      state === 'active'
        ? {
            kid: pair.kid,
            purpose: 'ring',
            alg: algorithm,
            state,
            publicJwk: pair.publicJwk,
            privateJwk: pair.privateJwk,
            createdAt: now,
            activatedAt: now,
          }
        : {
            kid: pair.kid,
            purpose: 'ring',
            alg: algorithm,
            state,
            publicJwk: pair.publicJwk,
            privateJwk: pair.privateJwk,
            createdAt: now,
            activatesAt: activateAt ?? now + cache,
          };
    await created(record, reason);
    return record;
  }

  async function promote(next: KeyRecord, now: number, reason: KeyChange['reason']): Promise<void> {
    // The successor signs first, then the old key retires: there is never a moment without an
    // active key, and a replica that loses the race simply reloads.
    const olds = records.filter((r) => r.state === 'active');
    if (!(await transition(next, { state: 'active', activatedAt: now }, reason))) return;
    for (const old of olds)
      await transition(old, { state: 'retired', retiredAt: now, removeAfter: now + retention }, reason);
  }

  async function applySchedule(reason: KeyChange['reason']): Promise<void> {
    const now = clock();
    // Remove retired keys whose tokens have all expired.
    for (const r of records.filter((k) => k.state === 'retired' && (k.removeAfter ?? 0) <= now)) {
      await transition(r, { state: 'removed', dropPrivateKey: true }, reason);
    }
    // Two actives: two replicas bootstrapped an empty store at once, or another replica is between
    // the two steps of a promotion. Every replica keeps the same one — the most recently activated
    // (then the smallest kid) — and retires the others, which stay published like any retired key;
    // the compare-and-set lets exactly one replica make each change.
    const actives = records
      .filter((r) => r.state === 'active')
      .sort((a, b) => (b.activatedAt ?? b.createdAt) - (a.activatedAt ?? a.createdAt) || (a.kid < b.kid ? -1 : 1));
    for (const extra of actives.slice(1))
      await transition(extra, { state: 'retired', retiredAt: now, removeAfter: now + retention }, reason);
    let active = records.find((r) => r.state === 'active');
    const nexts = records.filter((r) => r.state === 'next').sort((a, b) => (a.activatesAt ?? 0) - (b.activatesAt ?? 0));
    if (active === undefined) {
      // Nothing can sign: take the oldest published next key, or make the first key (an empty ring
      // has no verifiers to break).
      if (nexts[0] !== undefined) await promote(nexts[0], now, reason);
      else await createKey('active', now, undefined, records.length === 0 ? 'bootstrap' : reason);
      return;
    }
    const due = nexts.find((r) => (r.activatesAt ?? Infinity) <= now);
    if (due !== undefined) {
      await promote(due, now, reason);
      active = records.find((r) => r.state === 'active')!;
    }
    if (interval > 0 && !records.some((r) => r.state === 'next')) {
      const activatedAt = active.activatedAt ?? active.createdAt;
      const handover = activatedAt + interval;
      if (now >= handover - cache) await createKey('next', now, Math.max(handover, now + cache), reason);
    }
  }

  function info(r: KeyRecord): KeyInfo {
    const iso = (t: number | undefined) => (t === undefined ? undefined : new Date(t).toISOString());
    return JSON.parse(
      JSON.stringify({
        kid: r.kid,
        alg: r.alg,
        state: r.state,
        createdAt: iso(r.createdAt),
        activateAt: iso(r.activatesAt),
        activatedAt: iso(r.activatedAt),
        retiredAt: iso(r.retiredAt),
        removeAt: iso(r.removeAfter),
        withdrawnAt: iso(r.withdrawnAt),
        publicJwk: r.state === 'removed' ? {} : (verification.get(r.kid)?.jwk ?? r.publicJwk),
      }),
    ) as KeyInfo;
  }

  const keySource: KeySource = {
    getKeys(header: JwsHeader) {
      if (typeof header.kid === 'string') {
        const key = verification.get(header.kid);
        if (key !== undefined && key.alg === header.alg) return [key];
        return [];
      }
      return [...verification.values()].filter((k) => k.alg === header.alg);
    },
  };

  return {
    start: () =>
      exclusive(async () => {
        await reload();
        await applySchedule('schedule');
      }),
    tick: () =>
      exclusive(async () => {
        await reload();
        await applySchedule('schedule');
      }),
    signer() {
      if (activeSigner === undefined)
        throw tokenServiceErrors.create('ERR_KEYRING_NO_ACTIVE_KEY', 'no active signing key', { expose: false });
      return activeSigner;
    },
    jwksJson: () => jwks,
    keySource,
    list: () => records.map(info),
    rotate: (opts = {}) =>
      exclusive(
        asOperator(opts.actor, async () => {
          await reload();
          const now = clock();
          if (opts.immediate) {
            // Emergency rotation (key compromise): verifiers caching the JWKS reject new tokens until
            // they refetch; unknown-kid refetch in the verifier shortens that window.
            const made = await createKey('next', now, now, 'manual');
            await promote(
              records.find((r) => r.kid === made.kid)!,
              now,
              'manual',
            );
            return info(records.find((r) => r.kid === made.kid)!);
          }
          const pending = records.find((r) => r.state === 'next');
          if (pending !== undefined) {
            const at = Math.max(pending.createdAt + cache, now);
            await transition(pending, { state: 'next', activatesAt: at }, 'manual');
            await applySchedule('manual');
            return info(records.find((r) => r.kid === pending.kid)!);
          }
          const made = await createKey('next', now, now + cache, 'manual');
          await applySchedule('manual');
          return info(records.find((r) => r.kid === made.kid)!);
        }),
      ),
    retire: (kid, actor) =>
      exclusive(
        asOperator(actor, async () => {
          await reload();
          const now = clock();
          const record = records.find((r) => r.kid === kid);
          if (record === undefined) throw tokenServiceErrors.create('ERR_ADMIN_NOT_FOUND', `no key "${kid}"`);
          if (record.state === 'next') {
            // Never signed anything: it can go at once.
            await transition(record, { state: 'removed', dropPrivateKey: true }, 'manual');
          } else if (record.state === 'active') {
            const successor = records.find((r) => r.state === 'next' && r.createdAt + cache <= now);
            if (successor === undefined)
              throw tokenServiceErrors.create(
                'ERR_KEYRING_TRANSITION_INVALID',
                'the active key has no successor published for a full JWKS cache period; rotate first',
              );
            await promote(successor, now, 'manual');
          } else {
            throw tokenServiceErrors.create(
              'ERR_KEYRING_TRANSITION_INVALID',
              `key "${kid}" is already ${record.state}`,
            );
          }
          return info(records.find((r) => r.kid === kid)!);
        }),
      ),
    withdraw: (kid, note, actor) =>
      exclusive(
        asOperator(actor, async () => {
          await reload();
          const now = clock();
          let record = records.find((r) => r.kid === kid);
          if (record === undefined) throw tokenServiceErrors.create('ERR_ADMIN_NOT_FOUND', `no key "${kid}"`);
          if (record.state === 'removed')
            throw tokenServiceErrors.create(
              'ERR_KEYRING_TRANSITION_INVALID',
              `key "${kid}" is already ${record.withdrawnAt === undefined ? 'removed' : 'withdrawn'}`,
            );
          let replacement: KeyRecord | undefined;
          if (record.state === 'active') {
            // Rotate first: something must sign, and it must not be the stolen key. A published next
            // key has been seen by caching verifiers; otherwise a new one signs at once.
            const published = records.find((r) => r.state === 'next' && r.createdAt + cache <= now);
            replacement = published ?? (await createKey('next', now, now, 'withdrawal'));
            await promote(
              records.find((r) => r.kid === replacement!.kid)!,
              now,
              'withdrawal',
            );
            record = records.find((r) => r.kid === kid)!;
            if (record.state === 'active')
              throw tokenServiceErrors.create(
                'ERR_KEYRING_TRANSITION_INVALID',
                `key "${kid}" is still active (another replica changed the ring); try again`,
              );
          }
          const done = await transition(
            record,
            { state: 'removed', dropPrivateKey: true, withdrawnAt: now },
            'withdrawal',
            note,
          );
          if (!done)
            throw tokenServiceErrors.create(
              'ERR_KEYRING_TRANSITION_INVALID',
              `key "${kid}" changed while it was withdrawn (another replica); try again`,
            );
          const withdrawn = info(records.find((r) => r.kid === kid)!);
          return replacement === undefined
            ? { withdrawn }
            : { withdrawn, replacement: info(records.find((r) => r.kid === replacement.kid)!) };
        }),
      ),
    withdrawnKeys() {
      const horizon = clock() - retention - cache;
      return records
        .filter((r) => r.withdrawnAt !== undefined && r.withdrawnAt > horizon)
        .sort((a, b) => a.withdrawnAt! - b.withdrawnAt!)
        .map((r) => ({ kid: r.kid, at: Math.floor(r.withdrawnAt! / 1000) }));
    },
    nextDeadline() {
      const times: number[] = [];
      for (const r of records) {
        if (r.state === 'next' && r.activatesAt !== undefined) times.push(r.activatesAt);
        if (r.state === 'retired' && r.removeAfter !== undefined) times.push(r.removeAfter);
        if (r.state === 'active' && interval > 0 && !records.some((k) => k.state === 'next'))
          times.push((r.activatedAt ?? r.createdAt) + interval - cache);
      }
      return times.length === 0 ? undefined : Math.min(...times);
    },
  };
}

/** Core's signer for a ring key; `issuedAt: false` because the access token issuer sets `iat` itself. */
function ringSigner(record: KeyRecord): RingSigner {
  const key = toSigningKey(record.privateJwk!, record.alg as RingAlgorithm, record.kid);
  const signer = createJwtSigner(key, { kid: record.kid, typ: 'at+jwt', issuedAt: false });
  const jwtSigner = createJwtSigner(key, { kid: record.kid, typ: 'JWT', issuedAt: false });
  const logoutSigner = createJwtSigner(key, { kid: record.kid, typ: 'logout+jwt', issuedAt: false });
  return Object.freeze({
    alg: signer.alg,
    kid: record.kid,
    sign: (payload) => signer.sign(payload),
    signAsync: (payload) => signer.signAsync(payload),
    signJwtAsync: (payload, typ = 'JWT') => (typ === 'JWT' ? jwtSigner : logoutSigner).signAsync(payload),
  } satisfies RingSigner);
}

function rank(state: KeyState): number {
  return state === 'active' ? 0 : state === 'next' ? 1 : 2;
}
