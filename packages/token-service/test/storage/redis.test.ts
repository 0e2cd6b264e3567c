// The storage contract against a real Redis (TESSERA_TEST_REDIS_URL): revocations, replay and
// events. Each run uses its own key prefix and deletes its keys at the end.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import { createStorage } from '../../src/storage/index.js';
import { createRedisStateStore } from '../../src/storage/redis/create-redis-state-store.js';
import { connectRedis, redisContext } from '../../src/storage/redis/redis-context.js';
import { createRedisEventBus } from '../../src/storage/redis/create-redis-event-bus.js';
import { createRedisReplayStore } from '../../src/storage/redis/create-redis-replay-store.js';
import { createRedisRevocationStore } from '../../src/storage/redis/create-redis-revocation-store.js';
import {
  manualClock,
  runEventBusContract,
  runReplayStoreContract,
  runRevocationStoreContract,
  runStateStoreContract,
} from './contract.js';

const url = process.env.TESSERA_TEST_REDIS_URL;

if (url === undefined || url === '') {
  test(
    'redis storage contract',
    { skip: 'TESSERA_TEST_REDIS_URL is not set (e.g. redis://127.0.0.1:6379)' },
    () => undefined,
  );
} else {
  const run = `tessera-test:${process.pid}:${randomBytes(4).toString('hex')}:`;
  const clients: Redis[] = [];
  let n = 0;
  const fresh = async () => {
    n += 1;
    const client = await connectRedis(url);
    clients.push(client);
    return redisContext(client, `${run}${n}:`);
  };

  after(async () => {
    const cleaner = await connectRedis(url);
    try {
      let cursor = '0';
      do {
        const [next, keys] = await cleaner.scan(cursor, 'MATCH', `${run}*`, 'COUNT', 500);
        cursor = next;
        if (keys.length > 0) await cleaner.del(...keys);
      } while (cursor !== '0');
    } finally {
      await cleaner.quit();
    }
    await Promise.all(clients.map((c) => c.quit()));
  });

  runRevocationStoreContract('redis', async (c) => ({
    store: createRedisRevocationStore({ redis: await fresh(), clock: c.clock }),
    close: () => Promise.resolve(),
  }));
  runStateStoreContract('redis', async (c) => ({
    store: createRedisStateStore({ redis: await fresh(), clock: c.clock }),
    close: () => Promise.resolve(),
  }));
  runReplayStoreContract('redis', async (c) => ({
    store: createRedisReplayStore({ redis: await fresh(), clock: c.clock }),
    close: () => Promise.resolve(),
  }));
  runEventBusContract('redis (pub/sub)', async () => {
    const ctx = await fresh();
    const other = await connectRedis(url);
    clients.push(other);
    const a = createRedisEventBus({ redis: ctx });
    const b = createRedisEventBus({ redis: redisContext(other, ctx.prefix) });
    return {
      a,
      b,
      close: async () => {
        await a.close();
        await b.close();
      },
    };
  });

  test('redis: revocations and replay entries carry a TTL of exp - now', async () => {
    const ctx = await fresh();
    const c = manualClock();
    const revocations = createRedisRevocationStore({ redis: ctx, clock: c.clock });
    const replay = createRedisReplayStore({ redis: ctx, clock: c.clock });
    await revocations.revoke('j1', c.clock() + 30_000);
    await replay.markUsed('r1', c.clock() + 20_000);
    const revTtl = await ctx.client.pttl(`${ctx.prefix}rev:jti:j1`);
    const replayTtl = await ctx.client.pttl(`${ctx.prefix}replay:r1`);
    assert.ok(revTtl > 0 && revTtl <= 30_000, `revocation PTTL ${revTtl}`);
    assert.ok(replayTtl > 0 && replayTtl <= 20_000, `replay PTTL ${replayTtl}`);
  });

  test('redis: a short real TTL really expires the replay key', async () => {
    const ctx = await fresh();
    const replay = createRedisReplayStore({ redis: ctx });
    assert.equal(await replay.markUsed('short', Date.now() + 50), true);
    // Wait until Redis itself has dropped the key (no timing asserted: we poll for the state).
    for (let i = 0; i < 200 && (await ctx.client.exists(`${ctx.prefix}replay:short`)) === 1; i += 1)
      await new Promise((r) => setTimeout(r, 10));
    assert.equal(await ctx.client.exists(`${ctx.prefix}replay:short`), 0);
    assert.equal(await replay.markUsed('short', Date.now() + 60_000), true, 'usable again once Redis dropped it');
  });

  test('redis: createStorage puts revocations, replay and events on redis; keys on redis is a config error', async () => {
    const prefix = `${run}storage:`;
    await assert.rejects(
      createStorage({ type: 'redis', redis: { url, keyPrefix: prefix } }),
      (err: Error & { code?: string }) => {
        assert.equal(err.code, 'ERR_STORE_CONFIG_INVALID');
        assert.match(err.message, /cannot hold keys/);
        return true;
      },
    );
    const dir = await mkdtemp(join(tmpdir(), 'tessera-mixed-'));
    const s = await createStorage({
      dataDir: dir,
      kek: randomBytes(32).toString('base64url'),
      redis: { url, keyPrefix: prefix },
      backends: { revocations: 'redis', replay: 'redis', events: 'redis' },
    });
    try {
      assert.deepEqual(s.backends, {
        keys: 'file',
        clients: 'file',
        users: 'file',
        state: 'file',
        revocations: 'redis',
        replay: 'redis',
        audit: 'file',
        events: 'redis',
      });
      await s.ping();
      assert.equal(await s.replay.markUsed('x', Date.now() + 10_000), true);
      const check = await connectRedis(url);
      clients.push(check);
      assert.equal(await check.exists(`${prefix}replay:x`), 1);
    } finally {
      await s.close();
      await rm(dir, { recursive: true, force: true });
    }
    await assert.rejects(
      createStorage({
        dataDir: dir,
        kek: randomBytes(32).toString('base64url'),
        redis: { url, keyPrefix: 'bad prefix' },
        backends: { replay: 'redis' },
      }),
      (err: Error & { code?: string }) => err.code === 'ERR_STORE_CONFIG_INVALID',
    );
    await rm(dir, { recursive: true, force: true });
  });
}

if (url !== undefined && url !== '') {
  test('redis revocations: after Redis loses its data, new revocations still sort after every old cursor', async () => {
    const ctx = await (async () => {
      const client = await connectRedis(url);
      return redisContext(client, `tessera-test:${process.pid}:${randomBytes(4).toString('hex')}:loss:`);
    })();
    try {
      const c = manualClock();
      const store = createRedisRevocationStore({ redis: ctx, clock: c.clock });
      await store.revoke('before-1', c.clock() + 60_000);
      await store.revoke('before-2', c.clock() + 60_000);
      const { cursor } = await store.listSince();
      // Simulate a Redis restart without persistence: every key of this store is gone.
      const keys = await ctx.client.keys(`${ctx.prefix}*`);
      await ctx.client.del(...keys);
      await new Promise((r) => setTimeout(r, 2));
      await store.revoke('after-1', c.clock() + 60_000);
      assert.deepEqual(
        (await store.listSince(cursor)).items.map((i) => i.jti),
        ['after-1'],
      );
    } finally {
      const keys = await ctx.client.keys(`${ctx.prefix}*`);
      if (keys.length > 0) await ctx.client.del(...keys);
      await ctx.client.quit();
    }
  });
}
