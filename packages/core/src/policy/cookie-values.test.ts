import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cookieValues, parseCookies } from './cookie-values.js';

test('cookies: every value of a name in order, quotes unwrapped, several header lines, junk parts skipped', () => {
  const header = 'a=1; session="tok en"; junk; b = 2 ;session=second';
  assert.deepEqual(cookieValues(header, 'session'), ['tok en', 'second']);
  assert.deepEqual(cookieValues(header, 'b'), ['2']);
  assert.deepEqual(cookieValues(header, 'junk'), []);
  assert.deepEqual(cookieValues(undefined, 'a'), []);
  assert.deepEqual(cookieValues(['a=1', 'a=2; c=3'], 'a'), ['1', '2']);
  const all = parseCookies(header);
  assert.deepEqual(
    [...all],
    [
      ['a', ['1']],
      ['session', ['tok en', 'second']],
      ['b', ['2']],
    ],
  );
});
