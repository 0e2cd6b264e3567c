import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { decodeBase64Url, encodeBase64Url, isBase64Url, tryDecodeBase64Url } from './base64url.js';
import { isTesseraError } from '../errors/tessera-error.js';

// The plain definition the fast decoder must agree with: alphabet, length, zero unused bits.
function reference(input: string): boolean {
  if (!/^[A-Za-z0-9_-]*$/.test(input) || input.length % 4 === 1) return false;
  return Buffer.from(Buffer.from(input, 'base64url').toString('base64url')).toString() === input;
}

test('round-trips random bytes of every length 0..64', () => {
  for (let n = 0; n <= 64; n++) {
    const bytes = randomBytes(n);
    const text = encodeBase64Url(bytes);
    assert.ok(!text.includes('='));
    assert.deepEqual(tryDecodeBase64Url(text), bytes);
  }
  assert.equal(encodeBase64Url('{"alg":"HS256"}'), 'eyJhbGciOiJIUzI1NiJ9');
  assert.equal(encodeBase64Url(new Uint8Array([0xfb, 0xff])), '-_8');
});

test('rejects padding, the standard alphabet, whitespace, length 1 mod 4 and set trailing bits', () => {
  for (const bad of [
    'AQAB=',
    'AQ==',
    'ab+c',
    'ab/c',
    'ab c',
    'ab\nc',
    ' abc',
    'abcde',
    'AR',
    'AQB',
    'aGk.',
    'aGk\u0000',
    'aGkÄ',
    'aGk\u0130',
  ]) {
    assert.equal(isBase64Url(bad), false, JSON.stringify(bad));
    assert.equal(tryDecodeBase64Url(bad), undefined);
    assert.throws(
      () => decodeBase64Url(bad),
      (e) => isTesseraError(e, 'ERR_JWT_MALFORMED'),
    );
  }
  assert.throws(
    () => decodeBase64Url('AR', 'ERR_JWK_INVALID'),
    (e) => isTesseraError(e, 'ERR_JWK_INVALID'),
  );
  assert.equal(tryDecodeBase64Url(42 as unknown as string), undefined);
  assert.equal(isBase64Url(''), true);
});

test('agrees with the plain alphabet check for every UTF-16 code unit in every position', () => {
  // The decoder leans on node:crypto's base64 behaviour (ASCII check, output length); this pins it.
  for (let c = 0; c < 0x10000; c++) {
    const ch = String.fromCharCode(c);
    for (const s of [`AAA${ch}`, `AA${ch}A`, `${ch}AAA`, `AAAAA${ch}`, `AAAAAA${ch}`, `AA${ch}`, `A${ch}${ch}A`]) {
      if (isBase64Url(s) !== reference(s)) assert.fail(`code unit ${c} in ${JSON.stringify(s)}: got ${isBase64Url(s)}`);
    }
  }
});

test('every non-canonical last character of 2- and 3-character groups is refused', () => {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  let canonical2 = 0;
  let canonical3 = 0;
  for (const ch of alphabet) {
    if (isBase64Url(`A${ch}`)) canonical2++;
    if (isBase64Url(`AA${ch}`)) canonical3++;
  }
  assert.equal(canonical2, 4); // 2 significant bits left in the last character
  assert.equal(canonical3, 16); // 4 significant bits
});
