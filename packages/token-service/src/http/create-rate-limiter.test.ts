import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRateLimiter } from './create-rate-limiter.js';

test('token bucket: burst, then refill at the rate, keys independent', () => {
  let now = 1_000_000;
  const limiter = createRateLimiter({ ratePerSecond: 2, burst: 3, clock: () => now });
  assert.equal(limiter.take('a'), 0);
  assert.equal(limiter.take('a'), 0);
  assert.equal(limiter.take('a'), 0);
  assert.equal(limiter.take('a'), 0.5);
  assert.equal(limiter.take('b'), 0);
  now += 500;
  assert.equal(limiter.take('a'), 0);
  assert.ok(limiter.take('a') > 0);
});

test('evicts the least recently used key beyond maxKeys', () => {
  const now = 0;
  const limiter = createRateLimiter({ ratePerSecond: 1, burst: 1, clock: () => now, maxKeys: 2 });
  limiter.take('a');
  limiter.take('b');
  limiter.take('c'); // evicts a
  assert.equal(limiter.take('a'), 0);
  assert.ok(limiter.take('c') > 0);
});

test('rejects bad options at once', () => {
  assert.throws(() => createRateLimiter({ ratePerSecond: 0, burst: 1, clock: Date.now }));
  assert.throws(() => createRateLimiter({ ratePerSecond: 1, burst: 0.5, clock: Date.now }));
});
