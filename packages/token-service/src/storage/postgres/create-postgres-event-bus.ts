import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { loadPg, quoteIdentifier } from '../internal/load-driver.js';
import type { Clock } from '@tessera/core';
import type { Closable } from '../internal/closable.js';
import { createFanout, isStorageEvent } from '../internal/event-fanout.js';
import { toStorageEvent } from '../internal/event-input.js';
import { pgFailure, query, type PgContext } from './pg-context.js';
import type { EventBus } from '../types.js';

/** Options of {@link createPostgresEventBus}. */
export interface PostgresEventBusOptions {
  readonly pg: PgContext;
  /** Connection string for the dedicated LISTEN connection. */
  readonly url: string;
  readonly clock?: Clock;
}

/**
 * Events over PostgreSQL LISTEN/NOTIFY on channel `tessera_events_<schema>`: publish is one
 * `pg_notify` through the pool; subscribing opens one dedicated connection (a LISTEN needs a
 * session of its own). NOTIFY payloads are capped at 8000 bytes by PostgreSQL.
 *
 * @example
 * ```ts
 * const bus = createPostgresEventBus({ pg: ctx, url });
 * await bus.subscribe((e) => reload(e));
 * ```
 */
export function createPostgresEventBus(options: PostgresEventBusOptions): EventBus & Closable {
  const ctx = options.pg;
  const clock = options.clock ?? Date.now;
  const id = randomUUID();
  const channel = `tessera_events_${ctx.schema}`;
  const fanout = createFanout();
  let listener: Promise<pg.Client> | undefined;
  let closed = false;

  let retry: NodeJS.Timeout | undefined;
  // The LISTEN session is gone (server restart, network, pg_terminate_backend): listen again while
  // anyone is subscribed, once a second until it works. Events sent in between are lost (at most
  // once, as documented); subscribers re-read the stores when it matters.
  const relisten = (): void => {
    if (closed || fanout.size === 0 || retry !== undefined) return;
    retry = setTimeout(() => {
      retry = undefined;
      listen().catch(relisten);
    }, 1000);
    retry.unref();
  };

  const listen = (): Promise<pg.Client> => {
    listener ??= (async () => {
      const { Client } = await loadPg();
      const client = new Client({ connectionString: options.url, application_name: `tessera-events-${id}` });
      let lost = false;
      const onLost = () => {
        if (lost) return;
        lost = true;
        listener = undefined;
        relisten();
      };
      // An idle connection that dies emits 'error'; without a handler that would crash the process.
      client.on('error', onLost);
      client.on('end', onLost);
      client.on('notification', (msg) => {
        if (msg.channel !== channel || msg.payload === undefined) return;
        let event: unknown;
        try {
          event = JSON.parse(msg.payload);
        } catch {
          return;
        }
        if (isStorageEvent(event)) fanout.deliver(event);
      });
      try {
        await client.connect();
        await client.query(`LISTEN ${quoteIdentifier(channel)}`);
      } catch (err) {
        lost = true;
        listener = undefined;
        await client.end().catch(() => undefined);
        throw pgFailure(err, 'subscribing to events');
      }
      if (closed) {
        lost = true;
        await client.end().catch(() => undefined);
      }
      return client;
    })();
    return listener;
  };

  return {
    id,
    async publish(input) {
      const event = toStorageEvent(input, id, clock(), 7900);
      await query(ctx, 'publishing an event', 'SELECT pg_notify($1, $2)', [channel, JSON.stringify(event)]);
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
      if (closed) return;
      closed = true;
      if (retry !== undefined) clearTimeout(retry);
      retry = undefined;
      const pending = listener;
      listener = undefined;
      if (pending !== undefined) {
        const client = await pending.catch(() => undefined);
        await client?.end().catch(() => undefined);
      }
    },
  };
}
