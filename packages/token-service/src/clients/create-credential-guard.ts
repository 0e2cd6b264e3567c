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
  /** Secret hashes verified at once; the rest of libuv's pool stays free for signing. */
  readonly maxConcurrentHashes: number;
  /** Hashes waiting for a slot; beyond this an attempt is shed with 429 before any work. */
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
  /** Runs one hash verification under the concurrency cap; sheds with 429 when the queue is full. */
  hash<T>(work: () => Promise<T>): Promise<T>;
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

  let active = 0;
  const queue: (() => void)[] = [];

  return {
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
      };
    },

    async hash(work) {
      if (active >= maxConcurrentHashes) {
        if (queue.length >= maxQueuedHashes) {
          options.onThrottle?.('shed');
          await sleep(Math.min(maxDelayMs, 1000));
          throw tokenServiceErrors.create(
            'ERR_TOKEN_SERVICE_RATE_LIMITED',
            'too many client authentications in progress; try again later',
            { details: { retryAfterSeconds: 1 } },
          );
        }
        await new Promise<void>((resolve) => queue.push(resolve));
      } else {
        active += 1;
      }
      try {
        return await work();
      } finally {
        // Hand the slot straight to the next waiter (active stays the same), or free it.
        const next = queue.shift();
        if (next !== undefined) next();
        else active -= 1;
      }
    },
  };
}
