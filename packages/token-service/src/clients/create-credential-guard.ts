import type { Clock } from '@tessera/core';
import { tokenServiceErrors } from '../errors.js';

/** Options of {@link createCredentialGuard}; `authThrottle` in the configuration. */
export interface CredentialGuardOptions {
  readonly clock: Clock;
  /** Failures after which each new attempt waits first (RFC 6749 §2.3.1: protect against guessing). */
  readonly delayAfter: number;
  /** Failures after which a (credential, source) pair or a source is refused with 429. */
  readonly blockAfter: number;
  /** The longest wait before an attempt, ms; the wait doubles per failure past `delayAfter`. */
  readonly maxDelayMs: number;
  /** A counter is forgotten this long after its last failure, ms; a block lasts until then. */
  readonly windowMs: number;
  /** Secret hashes verified at once. */
  readonly maxConcurrentHashes: number;
  /** Hashes waiting for a slot; beyond this the most suspect attempt is shed with 429 before any work. */
  readonly maxQueuedHashes: number;
  /** Most counters kept per kind; the least recently failed are dropped beyond it. */
  readonly maxEntries?: number;
  /** Waits `ms` (tests pass a recorder); default a timer. */
  readonly sleep?: (ms: number) => Promise<void>;
  /** Told of each delayed, blocked or shed attempt (for metrics). */
  readonly onThrottle?: (action: 'delayed' | 'blocked' | 'shed') => void;
}

/** One admitted attempt: report its outcome once (later reports are ignored). */
export interface CredentialAttempt {
  /** The secret matched: the pair's counter is cleared. */
  succeeded(): void;
  /** The secret did not match (or the credential is unknown or disabled). */
  failed(): void;
  /** Nothing was decided (the hash was shed or failed to run): the attempt no longer counts. */
  abandoned(): void;
  /** Runs this attempt's hash under the cap, queued behind attempts with fewer failures (see {@link CredentialGuard.hash}). */
  hash<T>(work: () => Promise<T>): Promise<T>;
}

/**
 * Brute-force protection for secrets checked with an expensive hash (client secrets, and user
 * passwords): failure counters consulted before any hashing, and a cap on concurrent hashing.
 */
export interface CredentialGuard {
  /**
   * Admits an attempt on credential `id` (a client id, or `user:<name>`) from `source` (an address):
   * waits the delay its counters earn, or throws 429 `ERR_TOKEN_SERVICE_RATE_LIMITED` with
   * `retryAfterSeconds` when the pair or the source is blocked.
   */
  admit(id: string, source: string): Promise<CredentialAttempt>;
  /**
   * Runs one hash under the concurrency cap. Waiting hashes go in order of `suspicion` (the
   * failures already counted against the attempt's pair and source; then first come, first
   * served), so a client with a clean record overtakes a queue of guesses; when the queue is full,
   * the most suspect waiting attempt (or the newcomer, if it is the most suspect) is refused with
   * 429 before any work. While others wait, each slot rests three times as long as its last hash
   * took before taking the next: under a flood hashing gets at most a quarter of its threads' time.
   */
  hash<T>(work: () => Promise<T>, suspicion?: number): Promise<T>;
}

interface Counter {
  failures: number;
  /** Attempts admitted and not yet reported: a burst counts before its hashes finish. */
  pending: number;
  lastFailureAt: number;
}

/**
 * Creates the guard. Three counters per attempt, all in memory and bounded:
 * - per (credential, source) and per source: past `delayAfter` failures an attempt waits
 *   100 ms × 2^(failures − delayAfter), at most `maxDelayMs`; past `blockAfter` it is refused
 *   (429, `Retry-After` = until the counter is forgotten);
 * - per credential alone: the same wait, never a block, so an attacker spread over many sources
 *   slows guessing of one client's secret without locking the real client out (the real client
 *   is rarely slowed at all: a secret that verified recently is recognised without hashing, and
 *   so without admission, by the authenticator's cache).
 * In-flight attempts count with the failures, so a burst of concurrent guesses from one source
 * cannot all pass before the first of them fails. A refusal also waits `maxDelayMs` before it is
 * answered, so a client that ignores `Retry-After` cannot turn refusals into a flood.
 *
 * The counters are per process: with N replicas an attacker gets at most N times the attempts
 * (packages/token-service/README.md, "Brute force").
 *
 * @example
 * ```ts
 * const guard = createCredentialGuard({ clock: Date.now, delayAfter: 5, blockAfter: 20, maxDelayMs: 2000,
 *   windowMs: 600_000, maxConcurrentHashes: 2, maxQueuedHashes: 64 });
 * const attempt = await guard.admit(clientId, source);
 * const ok = await guard.hash(() => verifySecret(secret, hash));
 * if (ok) attempt.succeeded(); else attempt.failed();
 * ```
 */
export function createCredentialGuard(options: CredentialGuardOptions): CredentialGuard {
  const { clock, delayAfter, blockAfter, maxDelayMs, windowMs, maxConcurrentHashes, maxQueuedHashes } = options;
  const maxEntries = options.maxEntries ?? 100_000;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref()));
  const bySource = new Map<string, Counter>();
  const byPair = new Map<string, Counter>();
  const byCredential = new Map<string, Counter>();

  /** The live counter for `key`, created on demand; a counter past its window starts over. */
  function counter(map: Map<string, Counter>, key: string, now: number): Counter {
    let c = map.get(key);
    if (c !== undefined && c.pending === 0 && now - c.lastFailureAt >= windowMs) {
      map.delete(key);
      c = undefined;
    }
    if (c === undefined) {
      if (map.size >= maxEntries) {
        // Drop the oldest entry that has nothing in flight (Map order is insertion order).
        for (const [k, v] of map) {
          if (v.pending === 0) {
            map.delete(k);
            break;
          }
        }
      }
      c = { failures: 0, pending: 0, lastFailureAt: now };
      map.set(key, c);
    }
    return c;
  }

  const delayFor = (attempts: number) =>
    attempts < delayAfter ? 0 : Math.min(maxDelayMs, 100 * 2 ** Math.min(20, attempts - delayAfter));

  function settle(counters: readonly Counter[], failed: boolean, now: number): void {
    for (const c of counters) {
      c.pending -= 1;
      if (failed) {
        c.failures += 1;
        c.lastFailureAt = now;
      }
    }
  }

  interface Waiter {
    readonly suspicion: number;
    readonly seq: number;
    readonly start: () => void;
    readonly shed: () => void;
  }
  let active = 0;
  let seq = 0;
  const waiting: Waiter[] = [];
  const shedError = () =>
    tokenServiceErrors.create(
      'ERR_TOKEN_SERVICE_RATE_LIMITED',
      'too many client authentications in progress; try again later',
      {
        details: { retryAfterSeconds: 1 },
      },
    );
  /** The index of the waiter that goes first (least suspect, then oldest), or of the one shed first. */
  const pick = (worst: boolean): number => {
    let at = 0;
    for (let i = 1; i < waiting.length; i++) {
      const a = waiting[i]!;
      const b = waiting[at]!;
      const better = a.suspicion < b.suspicion || (a.suspicion === b.suspicion && a.seq < b.seq);
      if (better !== worst) at = i;
    }
    return at;
  };

  const guard: CredentialGuard = {
    async admit(id, source) {
      const now = clock();
      const pair = counter(byPair, `${id}\u0000${source}`, now);
      const src = counter(bySource, source, now);
      const cred = counter(byCredential, id, now);
      const blocking = [pair, src].filter((c) => c.failures + c.pending >= blockAfter);
      if (blocking.length > 0) {
        options.onThrottle?.('blocked');
        const until = Math.max(...blocking.map((c) => c.lastFailureAt + windowMs));
        await sleep(maxDelayMs);
        throw tokenServiceErrors.create(
          'ERR_TOKEN_SERVICE_RATE_LIMITED',
          'too many failed authentications from this address; try again later',
          { details: { retryAfterSeconds: Math.max(1, Math.ceil((until - now) / 1000)) } },
        );
      }
      const counters = [pair, src, cred];
      for (const c of counters) c.pending += 1;
      const delay = Math.max(...counters.map((c) => delayFor(c.failures + c.pending - 1)));
      if (delay > 0) {
        options.onThrottle?.('delayed');
        await sleep(delay);
      }
      let settled = false;
      const report = (outcome: 'success' | 'failure' | 'none') => {
        if (settled) return;
        settled = true;
        // Success clears what this pair did; the source and credential counters keep others' failures.
        if (outcome === 'success') pair.failures = 0;
        settle(counters, outcome === 'failure', clock());
      };
      return {
        succeeded: () => report('success'),
        failed: () => report('failure'),
        abandoned: () => report('none'),
        hash: (work) => guard.hash(work, pair.failures + src.failures),
      };
    },

    async hash(work, suspicion = 0) {
      if (active >= maxConcurrentHashes) {
        if (waiting.length >= maxQueuedHashes) {
          const worst = waiting.length === 0 ? -1 : pick(true);
          if (worst === -1 || waiting[worst]!.suspicion <= suspicion) {
            options.onThrottle?.('shed');
            await sleep(Math.min(maxDelayMs, 1000));
            throw shedError();
          }
          waiting.splice(worst, 1)[0]!.shed();
        }
        await new Promise<void>((resolve, reject) =>
          waiting.push({
            suspicion,
            seq: seq++,
            start: resolve,
            shed: () => {
              options.onThrottle?.('shed');
              void sleep(Math.min(maxDelayMs, 1000)).then(() => reject(shedError()));
            },
          }),
        );
      } else {
        active += 1;
      }
      const started = performance.now();
      try {
        return await work();
      } finally {
        // Under load, rest three times as long as the hash took: a flood of guesses gets at most a
        // quarter of the hashing threads' time, and scrypt's memory traffic (32 MiB per run, which
        // slows every core that shares the cache) a quarter of the wall clock.
        if (waiting.length > 0) await sleep(3 * (performance.now() - started));
        // Hand the slot straight to the next waiter (active stays the same), or free it.
        if (waiting.length > 0) waiting.splice(pick(false), 1)[0]!.start();
        else active -= 1;
      }
    },
  };
  return guard;
}
