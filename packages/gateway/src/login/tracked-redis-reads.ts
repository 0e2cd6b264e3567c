import type { Redis } from 'ioredis';

/** Where Redis publishes invalidations for a client that redirects them (RESP2). */
const INVALIDATE_CHANNEL = '__redis__:invalidate';
/** How many values are kept in memory. */
const MAX_ENTRIES = 10_000;

/** Reads of Redis string keys, served from memory for as long as Redis says they have not changed. */
export interface TrackedReads {
  /** The value at `key`: from memory (synchronously) when Redis tracks it for us, else from Redis. */
  get(key: string): string | null | Promise<string | null>;
  /** Drops `key` from memory now (this process just changed it; Redis's own word follows). */
  forget(key: string): void;
  /** True while Redis is sending this process invalidations, so memory is being used. */
  readonly tracking: boolean;
  close(): void;
}

/**
 * Server-assisted client-side caching (Redis 6's `CLIENT TRACKING`, redirected to a second
 * connection that subscribes to `__redis__:invalidate`): a session read once is served from memory
 * until Redis reports that its key was written, deleted or expired, by any replica. A person's
 * session is read on every request and changes only at login, refresh and logout, so this takes
 * the round trip off the request path without giving up "a logout ends the session on every
 * replica at once". ioredis speaks RESP2 and has no tracking of its own, hence this file.
 *
 * Fails safe: while either connection is down (or tracking is not yet on), every read goes to
 * Redis and nothing is kept; a key invalidated while its read is in flight is not kept; Redis
 * reporting a flush clears everything.
 *
 * @example
 * ```ts
 * const reads = createTrackedReads(redis, (message) => logger.warn(message));
 * const sealed = await reads.get('webui:session:abc');
 * ```
 */
export function createTrackedReads(redis: Redis, warn: (message: string) => void): TrackedReads {
  const values = new Map<string, string>();
  /** Reads in flight by key; an invalidation marks them so their answer is not kept. */
  const inFlight = new Map<string, Set<{ invalidated: boolean }>>();
  let tracking = false;
  /** Bumped whenever tracking stops: a read issued before cannot be trusted after. */
  let generation = 0;
  let subscriberId: number | undefined;
  let closed = false;
  // Re-subscribing is done here, after CLIENT ID, not by ioredis (a subscribed connection takes no CLIENT ID).
  const subscriber = redis.duplicate({ autoResubscribe: false, enableAutoPipelining: false, lazyConnect: true });

  const invalidate = (key: string) => {
    values.delete(key);
    for (const read of inFlight.get(key) ?? []) read.invalidated = true;
  };
  const stop = () => {
    tracking = false;
    generation++;
    values.clear();
    for (const reads of inFlight.values()) for (const read of reads) read.invalidated = true;
  };
  const enable = async () => {
    const at = generation;
    if (closed || subscriberId === undefined || redis.status !== 'ready') return;
    try {
      await redis.call('CLIENT', 'TRACKING', 'OFF');
      await redis.call('CLIENT', 'TRACKING', 'ON', 'REDIRECT', String(subscriberId));
      if (at === generation) tracking = true;
    } catch (err) {
      // Redis before 6 has no tracking: every read goes to Redis, as without this file.
      warn(`login sessions: Redis client-side caching is off (${(err as Error).message})`);
    }
  };

  subscriber.on('messageBuffer', (channel: Buffer, message: unknown) => {
    if (channel.toString() !== INVALIDATE_CHANNEL) return;
    // An array of keys, or nil when the whole database was flushed.
    if (Array.isArray(message)) for (const key of message as Buffer[]) invalidate(key.toString());
    else stop();
  });
  subscriber.on('ready', () => {
    void (async () => {
      try {
        subscriberId = Number(await subscriber.client('ID'));
        await subscriber.subscribe(INVALIDATE_CHANNEL);
        await enable();
      } catch (err) {
        warn(`login sessions: Redis invalidations unavailable (${(err as Error).message})`);
      }
    })();
  });
  subscriber.on('close', () => {
    subscriberId = undefined;
    stop();
  });
  subscriber.on('error', () => undefined); // reported by the main connection's handler
  redis.on('ready', () => void enable());
  redis.on('close', stop);
  void subscriber.connect().catch(() => undefined);
  if (redis.status === 'ready') void enable();

  return {
    get(key) {
      if (tracking) {
        const hit = values.get(key);
        if (hit !== undefined) return hit;
      }
      const trusted = tracking;
      const at = generation;
      const read = { invalidated: false };
      let reads = inFlight.get(key);
      if (reads === undefined) inFlight.set(key, (reads = new Set()));
      reads.add(read);
      const done = () => {
        reads.delete(read);
        if (reads.size === 0 && inFlight.get(key) === reads) inFlight.delete(key);
      };
      return redis.get(key).then(
        (value) => {
          done();
          // Kept only when Redis tracked this very read (tracking on before it was sent) and
          // nothing has said the key changed since.
          if (value !== null && trusted && at === generation && !read.invalidated) {
            if (values.size >= MAX_ENTRIES) values.delete(values.keys().next().value!);
            values.set(key, value);
          }
          return value;
        },
        (err: unknown) => {
          done();
          throw err;
        },
      );
    },
    forget: invalidate,
    get tracking() {
      return tracking;
    },
    close() {
      closed = true;
      stop();
      subscriber.disconnect();
    },
  };
}
