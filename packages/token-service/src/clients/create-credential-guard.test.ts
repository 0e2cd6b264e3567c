// The brute-force guard's rules with a manual clock and a recording sleep: delays, blocks, what a
// success clears, the per-credential counter that never blocks, bursts, the window, the hash cap.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isTesseraError } from '@tessera/core';
import { createCredentialGuard, type CredentialGuardOptions } from './create-credential-guard.js';

function setup(overrides: Partial<CredentialGuardOptions> = {}) {
  let now = 1_000_000;
  const slept: number[] = [];
  const guard = createCredentialGuard({
    clock: () => now,
    delayAfter: 5,
    blockAfter: 20,
    maxDelayMs: 2000,
    windowMs: 600_000,
    maxConcurrentHashes: 2,
    maxQueuedHashes: 4,
    sleep: (ms) => {
      slept.push(ms);
      return Promise.resolve();
    },
    ...overrides,
  });
  return {
    guard,
    slept,
    advance: (ms: number) => (now += ms),
    /** One attempt that fails; answers the delay it waited (0 when none). */
    async fail(id: string, source: string): Promise<number> {
      const before = slept.length;
      const attempt = await guard.admit(id, source);
      attempt.failed();
      return slept.length > before ? slept[slept.length - 1]! : 0;
    },
  };
}

async function blocked(promise: Promise<unknown>): Promise<number> {
  let retry = -1;
  await assert.rejects(promise, (e) => {
    assert.ok(isTesseraError(e, 'ERR_TOKEN_SERVICE_RATE_LIMITED'), String(e));
    retry = e.details?.['retryAfterSeconds'] as number;
    return true;
  });
  return retry;
}

test('past 5 failures of a client id from one source each attempt waits, doubling to 2 s; past 20 it is refused', async () => {
  const t = setup();
  const delays: number[] = [];
  for (let i = 0; i < 20; i++) delays.push(await t.fail('svc', '10.0.0.9'));
  assert.deepEqual(delays.slice(0, 5), [0, 0, 0, 0, 0]);
  assert.deepEqual(delays.slice(5, 11), [100, 200, 400, 800, 1600, 2000]);
  assert.ok(delays.slice(11).every((d) => d === 2000));
  const retry = await blocked(t.guard.admit('svc', '10.0.0.9'));
  assert.equal(retry, 600, 'blocked until the failures are forgotten');
  assert.equal(t.slept.at(-1), 2000, 'a refusal is answered only after the longest delay');
  // Another source is not blocked, though the client id's own counter slows it.
  const attempt = await t.guard.admit('svc', '10.0.0.10');
  attempt.succeeded();
});

test('a source is refused after 20 failures over any client ids; a client id alone is only ever slowed', async () => {
  const t = setup();
  for (let i = 0; i < 20; i++) await t.fail(`random-${i}`, '10.0.0.66');
  await blocked(t.guard.admit('never-tried', '10.0.0.66'));

  const spread = setup();
  // 100 failures for one id, 4 per source: no pair and no source reaches 20.
  for (let i = 0; i < 100; i++) await spread.fail('victim', `10.1.0.${i % 25}`);
  const waited = spread.slept.length;
  const attempt = await spread.guard.admit('victim', '10.2.0.1');
  assert.equal(spread.slept.length, waited + 1);
  assert.equal(spread.slept.at(-1), 2000, 'slowed to the longest delay');
  attempt.succeeded();
});

test('a success clears its pair but not the source or the id; failures are forgotten after the window', async () => {
  const t = setup();
  for (let i = 0; i < 6; i++) await t.fail('svc', '10.0.0.1');
  const ok = await t.guard.admit('svc', '10.0.0.1');
  ok.succeeded();
  // The pair is clear, but the source and the id still hold 6 failures: the next attempt waits.
  assert.equal(await t.fail('svc', '10.0.0.1'), 200);
  t.advance(600_000);
  assert.equal(await t.fail('svc', '10.0.0.1'), 0, 'a window after the last failure everything is forgotten');
});

test('a burst counts before its hashes finish: 25 concurrent attempts from one source, 5 refused', async () => {
  const t = setup();
  const outcomes = await Promise.allSettled(Array.from({ length: 25 }, () => t.guard.admit('svc', '10.0.0.2')));
  assert.equal(outcomes.filter((o) => o.status === 'fulfilled').length, 20);
  assert.equal(outcomes.filter((o) => o.status === 'rejected').length, 5);
  for (const o of outcomes) if (o.status === 'fulfilled') o.value.abandoned();
  // Abandoned attempts do not count: the source starts clean.
  assert.equal(await t.fail('svc', '10.0.0.2'), 0);
});

test('hashing: at most maxConcurrentHashes at once, the queue is bounded, overflow is refused before any work', async () => {
  const t = setup({ maxConcurrentHashes: 2, maxQueuedHashes: 3 });
  let running = 0;
  let peak = 0;
  const releases: (() => void)[] = [];
  const work = () =>
    new Promise<boolean>((resolve) => {
      running += 1;
      peak = Math.max(peak, running);
      releases.push(() => {
        running -= 1;
        resolve(true);
      });
    });
  const accepted = Array.from({ length: 5 }, () => t.guard.hash(work));
  let shedRan = false;
  await blocked(
    t.guard.hash(() => {
      shedRan = true;
      return Promise.resolve(true);
    }),
  );
  assert.equal(shedRan, false);
  while (releases.length > 0 || running > 0) {
    await new Promise((r) => setImmediate(r));
    releases.shift()?.();
  }
  assert.deepEqual(await Promise.all(accepted), [true, true, true, true, true]);
  assert.equal(peak, 2);
});

test('hashing order: a clean attempt overtakes suspect ones, and a full queue sheds the most suspect first', async () => {
  const t = setup({ maxConcurrentHashes: 1, maxQueuedHashes: 2 });
  const order: string[] = [];
  let release: () => void = () => undefined;
  const blocker = t.guard.hash(() => new Promise<void>((r) => (release = r)));
  const job = (name: string) => () => {
    order.push(name);
    return Promise.resolve(name);
  };
  const suspect = t.guard.hash(job('suspect-7'), 7);
  const worse = t.guard.hash(job('suspect-12'), 12);
  // The queue is full; a clean attempt (0 failures) takes the place of the most suspect one.
  const clean = t.guard.hash(job('clean'), 0);
  await blocked(worse);
  // A newcomer more suspect than everyone waiting is the one refused.
  await blocked(t.guard.hash(job('suspect-20'), 20));
  release();
  await blocker;
  assert.equal(await clean, 'clean');
  assert.equal(await suspect, 'suspect-7');
  assert.deepEqual(order, ['clean', 'suspect-7']);
});

test('an attempt hashes with its own record: failures of its pair and source make it wait behind clean ones', async () => {
  const t = setup({ maxConcurrentHashes: 1, maxQueuedHashes: 8 });
  for (let i = 0; i < 3; i++) await t.fail('svc', '10.9.9.9');
  const guessing = await t.guard.admit('svc', '10.9.9.9');
  const real = await t.guard.admit('svc', '10.1.1.1');
  const order: string[] = [];
  let release: () => void = () => undefined;
  const blocker = t.guard.hash(() => new Promise<void>((r) => (release = r)));
  const a = guessing.hash(() => Promise.resolve(order.push('guess')));
  const b = real.hash(() => Promise.resolve(order.push('real')));
  release();
  await Promise.all([blocker, a, b]);
  assert.deepEqual(order, ['real', 'guess']);
});
