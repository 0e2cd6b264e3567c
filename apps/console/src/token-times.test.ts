import { test } from 'node:test';
import assert from 'node:assert/strict';
import { relativeTokenTime } from './token-times';

const NOW = Date.parse('2026-12-07T12:00:00Z');
const at = (ms: number) => new Date(NOW + ms).toISOString();

test('exp, nbf and iat relative to now, in both directions', () => {
  assert.equal(relativeTokenTime('exp', at(4 * 60_000), NOW), 'expires in 4 min');
  assert.equal(relativeTokenTime('exp', at(-2 * 3_600_000), NOW), 'expired 2 h ago');
  assert.equal(relativeTokenTime('nbf', at(30_000), NOW), 'valid in 30 s');
  assert.equal(relativeTokenTime('nbf', at(-3_660_000), NOW), 'became valid 1 h 1 min ago');
  assert.equal(relativeTokenTime('iat', at(-5 * 60_000), NOW), 'issued 5 min ago');
  assert.equal(relativeTokenTime('iat', at(3 * 60_000), NOW), 'issued 3 min in the future');
});

test('under a second is now; a time that does not parse has no phrase', () => {
  assert.equal(relativeTokenTime('exp', at(400), NOW), 'expires now');
  assert.equal(relativeTokenTime('exp', at(-400), NOW), 'expires now');
  assert.equal(relativeTokenTime('iat', 'yesterday', NOW), undefined);
});
