import { randomBytes } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { Redis } from 'ioredis';
import type { LoginSession } from './login-session.js';
import type { SessionSealer } from './session-sealer.js';
import { decodeSession, encodeSession } from './session-codec.js';
import type { TrackedReads } from './tracked-redis-reads.js';

/** What a request carries of a session: the session, if it is good, and what to clear or replace. */
export interface CarriedSession {
  readonly session: LoginSession | undefined;
  /** True when the request carried something (a stale or broken session is cleared in the answer). */
  readonly present: boolean;
  /** The store's handle on it (cookie pieces, or the Redis id). */
  readonly handle: { readonly pieces: number; readonly id: string | undefined };
}

/** A request's cookies as the login reads them: a value, or undefined when absent or given twice. */
export interface CookieJar {
  get(name: string): string | undefined;
}

/** Where sessions live: sealed cookies, or Redis with an id in the cookie. */
export interface SessionStore {
  /** What the request carries; synchronous when the store needs no round trip (cookies). */
  read(cookies: CookieJar, headers: IncomingHttpHeaders): CarriedSession | Promise<CarriedSession>;
  /** Saves a new or refreshed session; the `Set-Cookie` values to send. */
  write(session: LoginSession, previous: CarriedSession['handle']): Promise<string[]>;
  /** Ends the session a request carries; the `Set-Cookie` values that clear it. */
  end(carried: CarriedSession): Promise<string[]>;
  /**
   * Drops a session at the gateway only (replaced by a new login, or its refresh refused): the
   * provider's session is not marked ended, since a single sign-on login shares its `sid`. The
   * `Set-Cookie` values that clear it.
   */
  forget(carried: CarriedSession): Promise<string[]>;
  /** Ends every session of a provider session (`sid`) or, without one, of a user logged in before now. */
  endAt(key: { readonly sid?: string; readonly sub?: string }): Promise<void>;
  /** The cookie names this store sets (never forwarded upstream). */
  owns(cookieName: string): boolean;
}

/** How a store writes its cookies. */
export interface CookieSettings {
  readonly name: string;
  /** `Set-Cookie` attributes for a cookie that lives `maxAge` seconds. */
  attributes(maxAge: number): string;
  readonly maxAge: number;
}

/**
 * Remembers sessions ended at the provider until they would have expired: a sealed cookie cannot
 * be taken back from the browser that holds it, so the gateway refuses it instead. Keys are
 * `sid:<sid>` or `sub:<sub>`; times are epoch seconds.
 */
export interface EndedSessions {
  end(key: string, at: number, until: number): void;
  /** When the key was ended, if it was and that still matters. */
  endedAt(key: string): number | undefined;
}

/**
 * In-process {@link EndedSessions}: per gateway process, so with several replicas and cookie
 * sessions a logout reaches the replica that took it (Redis sessions end everywhere at once).
 *
 * @example
 * ```ts
 * const ended = createEndedSessions(Date.now);
 * ```
 */
export function createEndedSessions(clock: () => number): EndedSessions {
  const entries = new Map<string, { at: number; until: number }>();
  return {
    end(key, at, until) {
      entries.set(key, { at, until });
      // Forget what no cookie can still carry, now and then, so the map cannot grow without end.
      if (entries.size % 1024 === 0) {
        const now = clock() / 1000;
        for (const [k, v] of entries) if (v.until < now) entries.delete(k);
      }
    },
    endedAt(key) {
      const e = entries.get(key);
      return e === undefined || e.until < clock() / 1000 ? undefined : e.at;
    },
  };
}

/** Cookie values are cut into pieces of this size, so every Set-Cookie stays well within header limits. */
const COOKIE_CHUNK = 3_000;
const MAX_CHUNKS = 8;

/** How many opened sessions each store keeps. */
const OPENED_CACHE = 10_000;
/**
 * The cache's key: the sealed value's first characters, which cover its random IV and its GCM tag
 * (`createSessionSealer`'s layout), so two sessions never share one; the whole value is compared on
 * a hit. Hashing the whole 1 KB value on every request would cost more than the comparison.
 */
const CACHE_KEY_CHARS = 64;

/**
 * Opens sealed sessions once: a browser sends the same sealed value with every request, and
 * decrypting and decoding it each time costs more than the rest of the request path. A hit needs
 * the very same sealed text (nobody can make one that opens but the gateway); expiry and ended
 * sessions are still checked on every request, and the oldest entry goes when the cache is full.
 */
function createOpener(sealer: SessionSealer, purpose: string): (sealed: string) => LoginSession | undefined {
  const opened = new Map<string, { readonly sealed: string; readonly session: LoginSession | undefined }>();
  return (sealed) => {
    const key = sealed.slice(0, CACHE_KEY_CHARS);
    const hit = opened.get(key);
    if (hit !== undefined && hit.sealed === sealed) return hit.session;
    const bytes = sealer.open(sealed, purpose);
    const session = bytes === undefined ? undefined : decodeSession(bytes);
    if (opened.size >= OPENED_CACHE) opened.delete(opened.keys().next().value!);
    // A copy: the value as read is a slice that would keep the request's whole Cookie header alive.
    const own = Buffer.from(sealed, 'latin1').toString('latin1');
    opened.set(own.slice(0, CACHE_KEY_CHARS), {
      sealed: own,
      session: session === undefined ? undefined : Object.freeze(session),
    });
    return session;
  };
}

/**
 * Sessions sealed into the browser's cookies (`<name>.0`, `.1`, … when large), the default: no
 * server state, nothing to share between replicas but the sealing key.
 *
 * @example
 * ```ts
 * const store = createCookieSessionStore({ sealer, purpose: 'default/webui session', cookie, ended, clock });
 * ```
 */
export function createCookieSessionStore(options: {
  readonly sealer: SessionSealer;
  readonly purpose: string;
  readonly cookie: CookieSettings;
  readonly ended: EndedSessions;
  readonly clock: () => number;
}): SessionStore {
  const { sealer, purpose, cookie, ended, clock } = options;
  const open = createOpener(sealer, purpose);
  const clear = (pieces: number) =>
    Array.from({ length: Math.max(pieces, 1) }, (_, i) => `${cookie.name}.${i}=; ${cookie.attributes(0)}`);
  return {
    owns: (name) => name.startsWith(`${cookie.name}.`),
    read(cookies) {
      let value = '';
      let pieces = 0;
      for (; pieces < MAX_CHUNKS; pieces++) {
        const piece = cookies.get(`${cookie.name}.${pieces}`);
        if (piece === undefined) break;
        value += piece;
      }
      const handle = { pieces, id: undefined };
      if (pieces === 0) return { session: undefined, present: false, handle };
      const session = open(value);
      const expired = session !== undefined && clock() / 1000 > session.at + cookie.maxAge;
      const subEnded = session?.sub === undefined ? undefined : ended.endedAt(`sub:${session.sub}`);
      const endedHere =
        session !== undefined &&
        ((session.sid !== undefined && ended.endedAt(`sid:${session.sid}`) !== undefined) ||
          (subEnded !== undefined && subEnded >= session.at));
      return { session: expired || endedHere ? undefined : session, present: true, handle };
    },
    write(session, previous) {
      const value = sealer.seal(encodeSession(session), purpose);
      const pieces: string[] = [];
      for (let i = 0; i < value.length; i += COOKIE_CHUNK) pieces.push(value.slice(i, i + COOKIE_CHUNK));
      const out = pieces.map((piece, i) => `${cookie.name}.${i}=${piece}; ${cookie.attributes(cookie.maxAge)}`);
      for (let i = pieces.length; i < previous.pieces; i++) out.push(`${cookie.name}.${i}=; ${cookie.attributes(0)}`);
      return Promise.resolve(out);
    },
    end(carried) {
      const s = carried.session;
      if (s !== undefined) {
        // The cookie is cleared, but a copy of it (another tab, a stolen one) must not work either.
        const now = Math.floor(clock() / 1000);
        ended.end(s.sid !== undefined ? `sid:${s.sid}` : `sub:${s.sub ?? ''}`, now, s.at + cookie.maxAge);
      }
      return Promise.resolve(clear(carried.handle.pieces));
    },
    forget: (carried) => Promise.resolve(clear(carried.handle.pieces)),
    endAt(key) {
      const now = Math.floor(clock() / 1000);
      ended.end(key.sid !== undefined ? `sid:${key.sid}` : `sub:${key.sub ?? ''}`, now, now + cookie.maxAge);
      return Promise.resolve();
    },
  };
}

/**
 * Sessions kept in Redis (Gloo's `session.redis`), for several gateway replicas: the tokens stay on
 * the server, sealed at rest, under `<keyPrefix><id>` with the cookie's lifetime; the cookie (or the
 * `headerName` header) holds only the random id. The provider's `sid` and the user index the ids,
 * so a back-channel logout ends them everywhere at once. A session is read from Redis once and then
 * from memory while Redis tracks it (`reads`): any replica's change reaches every replica's memory.
 *
 * @example
 * ```ts
 * const store = createRedisSessionStore({ redis, reads, keyPrefix: 'webui:', headerName: undefined, sealer, purpose, cookie, clock });
 * ```
 */
export function createRedisSessionStore(options: {
  readonly redis: Redis;
  /** Reads of the session keys, kept in memory while Redis tracks them ({@link createTrackedReads}). */
  readonly reads: TrackedReads;
  readonly keyPrefix: string;
  readonly headerName: string | undefined;
  readonly sealer: SessionSealer;
  readonly purpose: string;
  readonly cookie: CookieSettings;
  readonly clock: () => number;
}): SessionStore {
  const { redis, reads, keyPrefix, headerName, sealer, purpose, cookie } = options;
  const open = createOpener(sealer, purpose);
  const key = (id: string) => `${keyPrefix}session:${id}`;
  const index = (what: 'sid' | 'sub', value: string) => `${keyPrefix}${what}:${value}`;
  const ID = /^[A-Za-z0-9_-]{43}$/;
  const clearCookie = () => [`${cookie.name}=; ${cookie.attributes(0)}`];
  const drop = async (carried: CarriedSession) => {
    if (carried.handle.id !== undefined) {
      reads.forget(key(carried.handle.id));
      await redis.del(key(carried.handle.id));
    }
    return clearCookie();
  };
  return {
    owns: (name) => name === cookie.name,
    read(cookies, headers) {
      const fromHeader = headerName === undefined ? undefined : headers[headerName.toLowerCase()];
      const id = typeof fromHeader === 'string' ? fromHeader : cookies.get(cookie.name);
      if (id === undefined) return { session: undefined, present: false, handle: { pieces: 0, id: undefined } };
      if (!ID.test(id)) return { session: undefined, present: true, handle: { pieces: 0, id: undefined } };
      const carried = (stored: string | null): CarriedSession => {
        const session = stored === null ? undefined : open(stored);
        // A value that does not open is another policy's session under the same key space: not
        // this store's to delete (the handle has no id), only to replace with a login of its own.
        const mine = stored === null || session !== undefined;
        return { session, present: true, handle: { pieces: 0, id: mine ? id : undefined } };
      };
      const stored = reads.get(key(id));
      return typeof stored === 'string' || stored === null ? carried(stored) : stored.then(carried);
    },
    async write(session, previous) {
      const id = previous.id ?? randomBytes(32).toString('base64url');
      reads.forget(key(id));
      const multi = redis.multi().set(key(id), sealer.seal(encodeSession(session), purpose), 'EX', cookie.maxAge);
      for (const [what, value] of [
        ['sid', session.sid],
        ['sub', session.sub],
      ] as const)
        if (value !== undefined) multi.sadd(index(what, value), id).expire(index(what, value), cookie.maxAge);
      await multi.exec();
      return previous.id === undefined ? [`${cookie.name}=${id}; ${cookie.attributes(cookie.maxAge)}`] : [];
    },
    end: drop,
    forget: drop,
    async endAt(k) {
      const set = k.sid !== undefined ? index('sid', k.sid) : index('sub', k.sub ?? '');
      const ids = await redis.smembers(set);
      for (const id of ids) reads.forget(key(id));
      if (ids.length > 0) await redis.del(...ids.map(key), set);
    },
  };
}
