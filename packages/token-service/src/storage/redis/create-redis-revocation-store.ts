import type { Clock } from '@tessera/core';
import { run, type RedisContext } from './redis-context.js';
import { checkCursor, checkId, checkLimit, checkTime } from '../internal/validate.js';
import type { RevocationStore, RevokedToken, TokenLink } from '../types.js';

/** Options of {@link createRedisRevocationStore}. */
export interface RedisRevocationStoreOptions {
  readonly redis: RedisContext;
  readonly clock?: Clock;
}

// KEYS: seq counter, log (zset seq → jti), expiry index (zset exp → jti), data (hash jti → JSON).
// Drops up to 1000 expired entries per call; returns how many went.
const PURGE = `
local stale = redis.call('ZRANGEBYSCORE', KEYS[3], '-inf', ARGV[1], 'LIMIT', 0, 1000)
if #stale > 0 then
  redis.call('ZREM', KEYS[2], unpack(stale))
  redis.call('ZREM', KEYS[3], unpack(stale))
  redis.call('HDEL', KEYS[4], unpack(stale))
end
return #stale`;

// KEYS: seq, log, exp index, data, the jti's own key. ARGV: now, jti, exp, pttl, entry JSON, base.
// One script = one atomic step: purge, check, number, record (with a TTL on the jti key).
// The counter starts at wall-clock ms × 1000 (ARGV[6]), not 1: if Redis loses its data and the
// counter starts again, the new numbers are still above every cursor a poller holds, so it skips
// nothing (until 1000 revocations per ms would catch up with the clock).
const REVOKE = `
local stale = redis.call('ZRANGEBYSCORE', KEYS[3], '-inf', ARGV[1], 'LIMIT', 0, 1000)
if #stale > 0 then
  redis.call('ZREM', KEYS[2], unpack(stale))
  redis.call('ZREM', KEYS[3], unpack(stale))
  redis.call('HDEL', KEYS[4], unpack(stale))
end
local current = redis.call('GET', KEYS[5])
if current and tonumber(current) > tonumber(ARGV[1]) then return 0 end
redis.call('SET', KEYS[1], ARGV[6], 'NX')
local seq = redis.call('INCR', KEYS[1])
redis.call('SET', KEYS[5], ARGV[3], 'PX', ARGV[4])
redis.call('ZADD', KEYS[2], seq, ARGV[2])
redis.call('ZADD', KEYS[3], ARGV[3], ARGV[2])
redis.call('HSET', KEYS[4], ARGV[2], ARGV[5])
return seq`;

// KEYS: the parent's children (zset child jti → exp), the child's own key (its parent).
// ARGV: now, child jti, exp, pttl, parent jti. A child has one parent: a child linked before stays
// where it is. Trims expired children, adds this one, and keeps the set alive as long as its
// longest-lived child.
const LINK = `
if redis.call('SET', KEYS[2], ARGV[5], 'NX', 'PX', ARGV[4]) == false then return 0 end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
redis.call('ZADD', KEYS[1], ARGV[3], ARGV[2])
local ttl = redis.call('PTTL', KEYS[1])
if ttl < tonumber(ARGV[4]) then redis.call('PEXPIRE', KEYS[1], ARGV[4]) end
return 1`;

/**
 * The `redis` revocation list. Each revoked `jti` is a key holding its `exp` with a TTL of
 * `exp - now` (Redis drops it by itself); a sorted set numbered by an INCR counter is the
 * `listSince` log (the cursor is that number), trimmed of expired entries by every revoke and by
 * `purgeExpired`. Revoke runs as one Lua script, so numbering and recording are atomic. Token
 * family links are one sorted set per parent (`rev:kids:<jti>`, child `jti` scored by its `exp`)
 * whose TTL is its longest-lived child's, trimmed of expired children on every link.
 *
 * @example
 * ```ts
 * const revocations = createRedisRevocationStore({ redis: redisContext(client, 'tessera:') });
 * await revocations.revoke(jti, exp);
 * ```
 */
export function createRedisRevocationStore(options: RedisRevocationStoreOptions): RevocationStore {
  const { client, prefix } = options.redis;
  const clock = options.clock ?? Date.now;
  const seqKey = `${prefix}rev:seq`;
  const logKey = `${prefix}rev:log`;
  const expKey = `${prefix}rev:exp`;
  const dataKey = `${prefix}rev:data`;
  const jtiKey = (jti: string) => `${prefix}rev:jti:${jti}`;
  const kidsKey = (jti: string) => `${prefix}rev:kids:${jti}`;
  const parentKey = (jti: string) => `${prefix}rev:parent:${jti}`;

  return {
    async revoke(jti, expiresAt, opts) {
      checkId('jti', jti);
      checkTime('expiresAt', expiresAt);
      if (opts?.clientId !== undefined) checkId('clientId', opts.clientId);
      const now = clock();
      if (expiresAt <= now) return false;
      const entry: RevokedToken = {
        jti,
        exp: expiresAt,
        revokedAt: now,
        ...(opts?.clientId === undefined ? {} : { clientId: opts.clientId }),
      };
      const seq = await run('revoking a token', () =>
        client.eval(
          REVOKE,
          5,
          seqKey,
          logKey,
          expKey,
          dataKey,
          jtiKey(jti),
          now,
          jti,
          expiresAt,
          expiresAt - now,
          JSON.stringify(entry),
          Date.now() * 1000,
        ),
      );
      return Number(seq) > 0;
    },
    async isRevoked(jti) {
      checkId('jti', jti);
      const exp = await run('checking a revocation', () => client.get(jtiKey(jti)));
      return exp !== null && Number(exp) > clock();
    },
    async listSince(cursor, limit) {
      const after = checkCursor(cursor);
      const max = checkLimit(limit, 1000, 10_000);
      const now = clock();
      const flat = await run('listing revocations', () =>
        client.zrangebyscore(logKey, `(${after}`, '+inf', 'WITHSCORES', 'LIMIT', 0, max),
      );
      if (flat.length === 0) return { items: [], cursor: String(after) };
      const jtis = flat.filter((_, i) => i % 2 === 0);
      const lastSeq = flat[flat.length - 1]!;
      const values = await run('listing revocations', () => client.hmget(dataKey, ...jtis));
      const items: RevokedToken[] = [];
      for (const v of values) {
        if (v === null) continue;
        const e = JSON.parse(v) as RevokedToken;
        if (e.exp > now) items.push(e);
      }
      return { items, cursor: lastSeq };
    },
    async purgeExpired() {
      const n = await run('purging revocations', () => client.eval(PURGE, 4, seqKey, logKey, expKey, dataKey, clock()));
      return Number(n);
    },
    async linkChild(parentJti, childJti, expiresAt) {
      checkId('parentJti', parentJti);
      checkId('childJti', childJti);
      checkTime('expiresAt', expiresAt);
      const now = clock();
      if (expiresAt <= now) return;
      await run('linking a token to its parent', () =>
        client.eval(
          LINK,
          2,
          kidsKey(parentJti),
          parentKey(childJti),
          now,
          childJti,
          expiresAt,
          expiresAt - now,
          parentJti,
        ),
      );
    },
    async listChildren(parentJti, limit) {
      checkId('parentJti', parentJti);
      const max = checkLimit(limit, 1000, 10_000);
      const flat = await run('listing the children of a token', () =>
        client.zrangebyscore(kidsKey(parentJti), `(${clock()}`, '+inf', 'WITHSCORES', 'LIMIT', 0, max),
      );
      const out: TokenLink[] = [];
      for (let i = 0; i < flat.length; i += 2) out.push({ jti: flat[i]!, exp: Number(flat[i + 1]) });
      return out;
    },
  };
}
