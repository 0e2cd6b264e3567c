import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { createTrackedReads } from './tracked-redis-reads.js';

const url = process.env['TESSERA_TEST_REDIS_URL'];
const skip = url === undefined ? 'TESSERA_TEST_REDIS_URL is not set' : false;

async function until(condition: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 200 && !condition(); i++) await new Promise((r) => setTimeout(r, 10));
  assert.ok(condition(), what);
}

/** What a read gives, and whether it came from memory (synchronously). */
async function read(reads: ReturnType<typeof createTrackedReads>, key: string) {
  const value = reads.get(key);
  return value instanceof Promise ? { value: await value, memory: false } : { value, memory: true };
}

test(
  "tracked reads: served from memory until another client changes the key; deleted and expired keys are Redis's word",
  { skip },
  async () => {
    const redis = new Redis(url!);
    const other = new Redis(url!); // another replica
    const reads = createTrackedReads(redis, () => undefined);
    const key = `tessera-test-tracked-${process.pid}-${Date.now()}`;
    try {
      await until(() => reads.tracking, 'tracking on');
      await other.set(key, 'v1');
      assert.deepEqual(await read(reads, key), { value: 'v1', memory: false });
      assert.deepEqual(await read(reads, key), { value: 'v1', memory: true });

      await other.set(key, 'v2');
      await until(() => !(reads.get(key) === 'v1'), 'the change reaches memory');
      assert.deepEqual(await read(reads, key), { value: 'v2', memory: false });
      assert.deepEqual(await read(reads, key), { value: 'v2', memory: true });

      await other.del(key);
      await until(() => reads.get(key) instanceof Promise, 'the delete reaches memory');
      assert.deepEqual(await read(reads, key), { value: null, memory: false });

      await other.set(key, 'short', 'PX', 50);
      assert.equal((await read(reads, key)).value, 'short');
      await new Promise((r) => setTimeout(r, 120));
      assert.equal(await other.get(key), null);
      await until(() => reads.get(key) instanceof Promise, 'the expiry reaches memory');

      await other.set(key, 'mine');
      await read(reads, key);
      reads.forget(key);
      assert.ok(reads.get(key) instanceof Promise, 'forgotten at once by this process');
    } finally {
      reads.close();
      await other.del(key);
      redis.disconnect();
      other.disconnect();
    }
  },
);

test(
  'tracked reads: while the invalidation connection is down nothing is served from memory; it resumes after',
  { skip },
  async () => {
    // Named, so this test finds its own subscriber among other tests' (the duplicate keeps the name).
    const name = `tessera-test-tracked-${process.pid}`;
    const redis = new Redis(url!, { connectionName: name });
    const other = new Redis(url!);
    const reads = createTrackedReads(redis, () => undefined);
    const key = `tessera-test-tracked-kill-${process.pid}-${Date.now()}`;
    try {
      await until(() => reads.tracking, 'tracking on');
      await other.set(key, 'before');
      await read(reads, key);
      assert.equal((await read(reads, key)).memory, true);
      // Kill the subscriber connection (the one with the invalidations), as a network cut would.
      const clients = (await other.client('LIST')) as string;
      const subscriber = clients.split('\n').find((line) => line.includes(` name=${name} `) && / sub=1 /.test(line));
      assert.ok(subscriber, 'the subscriber connection is listed');
      const id = /id=(\d+)/.exec(subscriber)![1]!;
      await other.client('KILL', 'ID', id);
      await until(() => !reads.tracking, 'tracking off when the subscriber is gone');
      await other.set(key, 'during');
      assert.deepEqual(await read(reads, key), { value: 'during', memory: false }, 'from Redis while off');
      await until(() => reads.tracking, 'tracking back after the reconnect');
      await read(reads, key);
      await other.set(key, 'after');
      await until(() => reads.get(key) !== 'during', 'invalidations flow again');
      assert.equal((await read(reads, key)).value, 'after');
    } finally {
      reads.close();
      await other.del(key);
      redis.disconnect();
      other.disconnect();
    }
  },
);
