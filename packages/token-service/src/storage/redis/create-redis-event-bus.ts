import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Clock } from '@tessera/core';
import type { Closable } from '../internal/closable.js';
import { createFanout, isStorageEvent } from '../internal/event-fanout.js';
import { toStorageEvent } from '../internal/event-input.js';
import { redisFailure, run, type RedisContext } from './redis-context.js';
import type { EventBus } from '../types.js';

/** Options of {@link createRedisEventBus}. */
export interface RedisEventBusOptions {
  readonly redis: RedisContext;
  readonly clock?: Clock;
}

/**
 * Events over Redis pub/sub on channel `<prefix>events`. Publishing uses the shared connection;
 * the first subscription opens a second one (a subscribed connection can do nothing else), and
 * `subscribe` resolves once Redis has confirmed the SUBSCRIBE.
 *
 * @example
 * ```ts
 * const bus = createRedisEventBus({ redis: redisContext(client, 'tessera:') });
 * await bus.subscribe((e) => reload(e));
 * await bus.publish({ type: 'revocation.added', data: { jti } });
 * ```
 */
export function createRedisEventBus(options: RedisEventBusOptions): EventBus & Closable {
  const { client, prefix } = options.redis;
  const clock = options.clock ?? Date.now;
  const id = randomUUID();
  const channel = `${prefix}events`;
  const fanout = createFanout();
  let subscriber: Promise<Redis> | undefined;

  const listen = (): Promise<Redis> => {
    subscriber ??= (async () => {
      const sub = client.duplicate();
      sub.on('error', () => undefined);
      sub.on('message', (ch: string, message: string) => {
        if (ch !== channel) return;
        let event: unknown;
        try {
          event = JSON.parse(message);
        } catch {
          return;
        }
        if (isStorageEvent(event)) fanout.deliver(event);
      });
      try {
        await sub.subscribe(channel);
      } catch (err) {
        subscriber = undefined;
        sub.disconnect();
        throw redisFailure(err, 'subscribing to events');
      }
      return sub;
    })();
    return subscriber;
  };

  return {
    id,
    async publish(input) {
      const event = toStorageEvent(input, id, clock(), 64 * 1024);
      await run('publishing an event', () => client.publish(channel, JSON.stringify(event)));
    },
    async subscribe(handler) {
      await listen();
      const remove = fanout.add(handler);
      return () => {
        remove();
        return Promise.resolve();
      };
    },
    async close() {
      const pending = subscriber;
      subscriber = undefined;
      const sub = await pending?.catch(() => undefined);
      if (sub !== undefined) await sub.quit().catch(() => sub.disconnect());
    },
  };
}
