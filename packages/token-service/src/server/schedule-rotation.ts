import type { Clock } from '@tessera/core';
import type { Logger } from 'pino';
import type { KeyRing } from '../keys/create-key-ring.js';

/** Timers for the rotation schedule; injected in tests (ARCHITECTURE.md, "Tests": no patched globals). */
export interface ServiceTimers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** A running rotation schedule. */
export interface RotationSchedule {
  /** Clears the pending timer; a tick already running finishes but schedules nothing more. */
  stop(): void;
}

/**
 * Applies the key schedule (`ring.tick()`) on a timer: at the ring's next deadline, and at least
 * every `checkIntervalMs` (so a change made by another replica, or a lost event, is picked up).
 * One timer at a time, re-armed after each tick whether it failed or not.
 *
 * @example
 * ```ts
 * const schedule = scheduleRotation({ ring, timers, clock, checkIntervalMs: 30_000, logger });
 * schedule.stop();
 * ```
 */
export function scheduleRotation(options: {
  readonly ring: KeyRing;
  readonly timers: ServiceTimers;
  readonly clock: Clock;
  readonly checkIntervalMs: number;
  readonly logger: Logger;
}): RotationSchedule {
  const { ring, timers, clock, checkIntervalMs: check, logger } = options;
  let stopped = false;
  let timer: unknown;
  const arm = (): void => {
    if (stopped) return;
    const deadline = ring.nextDeadline();
    // At least 10 ms: a deadline already past must not turn into a busy loop.
    const wait = Math.max(10, Math.min(check, deadline === undefined ? check : deadline - clock()));
    timer = timers.setTimeout(() => {
      ring
        .tick()
        .catch((err: unknown) => logger.error({ err }, 'key rotation tick failed'))
        .finally(arm);
    }, wait);
  };
  arm();
  return {
    stop() {
      stopped = true;
      timers.clearTimeout(timer);
    },
  };
}
