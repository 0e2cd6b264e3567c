import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cookieValues, splitCookies } from './cookie-values.js';

test('cookies: every value of a name in order, quotes unwrapped, several header lines, junk parts skipped', () => {
  const header = 'a=1; session="tok en"; junk; b = 2 ;session=second';
  assert.deepEqual(cookieValues(header, 'session'), ['tok en', 'second']);
  assert.deepEqual(cookieValues(header, 'b'), ['2']);
  assert.deepEqual(cookieValues(header, 'junk'), []);
  assert.deepEqual(cookieValues(undefined, 'a'), []);
  assert.deepEqual(cookieValues(['a=1', 'a=2; c=3'], 'a'), ['1', '2']);
  assert.deepEqual(cookieValues(';;a=1;', 'a'), ['1']);
});

test('splitCookies: the selected cookies by name, the others as a header to pass on', () => {
  const header = 'a=1; session="tok en"; junk; b = 2 ;session=second';
  const { selected, rest } = splitCookies(header, (name) => name === 'session');
  assert.deepEqual([...selected], [['session', ['tok en', 'second']]]);
  assert.equal(rest, 'a=1; b = 2', 'pairs as sent, junk dropped');
  assert.equal(splitCookies('session=x', (n) => n === 'session').rest, undefined);
  assert.deepEqual([...splitCookies(undefined, () => true).selected], []);
  assert.equal(splitCookies(['a=1', 'b=2'], () => false).rest, 'a=1; b=2');
});
