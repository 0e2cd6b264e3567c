import { randomUUID } from 'node:crypto';
import type { Clock } from '@tessera/core';
import { asPromise } from '../../internal/as-promise.js';
import type { Closable } from '../internal/closable.js';
import { createFanout, type Fanout } from '../internal/event-fanout.js';
import { toStorageEvent } from '../internal/event-input.js';
import type { EventBus } from '../types.js';

const channels = new Map<string, { fanout: Fanout; users: number }>();

/** Options of {@link createMemoryEventBus}. */
export interface MemoryEventBusOptions {
  /** Buses with the same channel in one process share events (the file back-end uses the data directory). */
  readonly channel?: string;
  readonly clock?: Clock;
}

/**
 * The in-process event bus of the `file` back-end: events reach the subscribers of every bus on
 * the same channel in this process, never another process.
 *
 * @example
 * ```ts
 * const bus = createMemoryEventBus({ channel: '/var/lib/tessera' });
 * await bus.subscribe((e) => console.log(e.type));
 * await bus.publish({ type: 'key.changed', data: { kid: 'k1' } });
 * ```
 */
export function createMemoryEventBus(options: MemoryEventBusOptions = {}): EventBus & Closable {
  const clock = options.clock ?? Date.now;
  const id = randomUUID();
  const name = options.channel ?? `private:${id}`;
  let channel = channels.get(name);
  if (channel === undefined) {
    channel = { fanout: createFanout(), users: 0 };
    channels.set(name, channel);
  }
  channel.users += 1;
  const shared = channel;
  const mine = new Set<() => void>();
  let closed = false;
  return {
    id,
    publish: (input) =>
      asPromise(() => {
        shared.fanout.deliver(toStorageEvent(input, id, clock(), 64 * 1024));
      }),
    subscribe: (handler) =>
      asPromise(() => {
        const remove = shared.fanout.add(handler);
        mine.add(remove);
        return () => {
          remove();
          mine.delete(remove);
          return Promise.resolve();
        };
      }),
    close() {
      if (!closed) {
        closed = true;
        for (const remove of mine) remove();
        mine.clear();
        shared.users -= 1;
        if (shared.users === 0) channels.delete(name);
      }
      return Promise.resolve();
    },
  };
}
