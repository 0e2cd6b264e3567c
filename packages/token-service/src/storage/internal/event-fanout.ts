// Delivers an event to local handlers: asynchronously, each handler isolated so one that throws
// cannot stop the others or the publisher.
import type { StorageEvent } from '../types.js';

/** A set of local handlers. */
export interface Fanout {
  add(handler: (event: StorageEvent) => void): () => void;
  deliver(event: StorageEvent): void;
  readonly size: number;
}

/** Creates a handler set; `onError` hears about handlers that throw. */
export function createFanout(onError: (err: unknown) => void = () => undefined): Fanout {
  const handlers = new Set<(event: StorageEvent) => void>();
  return {
    add(handler) {
      // A wrapper per subscription, so subscribing one function twice gives two subscriptions.
      const h = (e: StorageEvent) => handler(e);
      handlers.add(h);
      return () => {
        handlers.delete(h);
      };
    },
    deliver(event) {
      for (const h of [...handlers]) {
        queueMicrotask(() => {
          try {
            h(event);
          } catch (err) {
            onError(err);
          }
        });
      }
    },
    get size() {
      return handlers.size;
    },
  };
}

/** Checks an incoming event (from the wire) has the expected shape. */
export function isStorageEvent(value: unknown): value is StorageEvent {
  const e = value as StorageEvent;
  return (
    typeof e === 'object' &&
    e !== null &&
    typeof e.type === 'string' &&
    typeof e.at === 'number' &&
    typeof e.origin === 'string' &&
    typeof e.data === 'object' &&
    e.data !== null &&
    !Array.isArray(e.data)
  );
}
