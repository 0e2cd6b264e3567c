import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createTokenCache } from './token-cache.js';
import { isTesseraError } from '../errors/tessera-error.js';

test('serves an entry only inside [validFrom, expiresAt) by the given clock, capped by the ttl', () => {
  const cache = createTokenCache<string>({ ttl: 1000 });
  cache.set('t', 'v', 100, 5000, 200);
  assert.equal(cache.get('t', 99), undefined); // before nbf
  assert.equal(cache.get('t', 200), 'v');
  assert.equal(cache.get('t', 1199), 'v');
  assert.equal(cache.get('t', 1200), undefined); // ttl cap
  assert.equal(cache.size, 0); // expired entries are dropped when seen
  cache.set('u', 'v', 0, 300, 200);
  assert.equal(cache.get('u', 299), 'v');
  assert.equal(cache.get('u', 300), undefined); // never at or past exp
  cache.set('gone', 'v', 0, 100, 200); // already expired: not stored
  assert.equal(cache.size, 0);
});

test('bounded: the oldest entry goes first; delete and clear', () => {
  const cache = createTokenCache<number>({ max: 3 });
  for (let i = 0; i < 5; i++) cache.set(`t${i}`, i, 0, 1e12, 0);
  assert.equal(cache.size, 3);
  assert.equal(cache.get('t0', 1), undefined);
  assert.equal(cache.get('t1', 1), undefined);
  assert.equal(cache.get('t4', 1), 4);
  cache.set('t4', 44, 0, 1e12, 0); // replacing does not evict
  assert.equal(cache.size, 3);
  cache.delete('t4');
  assert.equal(cache.get('t4', 1), undefined);
  cache.clear();
  assert.equal(cache.size, 0);
});

test('options are checked', () => {
  for (const options of [{ max: 0 }, { max: 1.5 }, { ttl: 0 }, { ttl: Infinity }]) {
    assert.throws(
      () => createTokenCache(options),
      (e) => isTesseraError(e, 'ERR_CONFIG_INVALID'),
    );
  }
});
