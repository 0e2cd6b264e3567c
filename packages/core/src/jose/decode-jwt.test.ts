import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeJwt } from './decode-jwt.js';
import { isTesseraError } from '../errors/tessera-error.js';

const b64 = (text: string) => Buffer.from(text).toString('base64url');
const token = (header: string, payload: string, signature = 'c2ln') => `${b64(header)}.${b64(payload)}.${signature}`;
const malformed = (e: unknown) => isTesseraError(e, 'ERR_JWT_MALFORMED');

test('decodes header and payload without verifying', () => {
  const decoded = decodeJwt(token('{"alg":"none"}', '{"sub":"a","n":{"x":[1,2]}}'));
  assert.deepEqual(decoded.header, { alg: 'none' });
  assert.deepEqual(decoded.payload, { sub: 'a', n: { x: [1, 2] } });
  assert.equal(decoded.verified, false);
  assert.equal(decoded.signature.toString(), 'sig');
});

test('strict JSON: duplicates, __proto__, depth, non-objects, bad UTF-8', () => {
  const bad = [
    token('{"alg":"HS256","alg":"none"}', '{}'),
    token('{"alg":"HS256"}', '{"sub":"a","sub":"b"}'),
    token('{"alg":"HS256"}', '{"n":{"x":1,"x":2}}'),
    token('{"alg":"HS256"}', '{"a":{"b":1},"a":3}'),
    token('{"alg":"HS256"}', '{"s\\u0075b":"a","sub":"b"}'), // the same name, escaped
    token('{"alg":"HS256"}', '{"__proto__":{"admin":true}}'),
    token('{"alg":"HS256"}', '{"x":[{"__proto__":1}]}'),
    token('{"alg":"HS256"}', `${'{"a":'.repeat(17)}1${'}'.repeat(17)}`),
    token('{"alg":"HS256"}', `{"a":${'['.repeat(20)}${']'.repeat(20)}}`),
    token('{"alg":"HS256"}', '[1,2]'),
    token('{"alg":"HS256"}', '"text"'),
    token('{"alg":"HS256"}', 'null'),
    token('{"alg":"HS256"}', '{"a":1'),
    token('{"alg":"HS256"}', "{'a':1}"),
    `${b64('{"alg":"HS256"}')}.${Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0x22, 0x7d]).toString('base64url')}.c2ln`,
  ];
  for (const t of bad) assert.throws(() => decodeJwt(t), malformed, t);
  // Colons, braces, quotes and backslashes inside strings are not structure.
  const tricky = decodeJwt(token('{"alg":"HS256"}', '{"a":"x:{[\\"}]:","b\\\\":"\\\\","c":"\\u003a"}'));
  assert.deepEqual(tricky.payload, { a: 'x:{["}]:', 'b\\': '\\', c: ':' });
  // Whitespace between tokens is legal JSON (RFC 7515 A.1 uses CRLF in its header).
  assert.deepEqual(decodeJwt(token('{"typ":"JWT",\r\n "alg":"HS256"}', '{ "a" : 1 }')).payload, { a: 1 });
  assert.deepEqual(
    decodeJwt(token('{"alg":"HS256"}', `${'{"a":'.repeat(16)}1${'}'.repeat(16)}`), { maxJsonDepth: 16 }).header,
    { alg: 'HS256' },
  );
});

test('strict compact form: three non-empty canonical segments, size cap, strings only', () => {
  const good = token('{"alg":"HS256"}', '{}');
  for (const t of [
    `${good}.x`,
    good.replace(/\.[^.]*$/, ''),
    `${good} `,
    ` ${good}`,
    good.replace('.', '. '),
    `${good}=`,
    `.${b64('{}')}.c2ln`,
    `${b64('{"alg":"HS256"}')}..c2ln`,
    `${b64('{"alg":"HS256"}')}.${b64('{}')}.`,
    good.replace('c2ln', 'c2l+'),
    good.replace('c2ln', 'c2l'),
  ]) {
    assert.throws(() => decodeJwt(t), malformed, t);
  }
  assert.throws(() => decodeJwt(token('{"alg":"HS256"}', JSON.stringify({ x: 'a'.repeat(9000) }))), malformed);
  assert.equal(
    decodeJwt(token('{"alg":"HS256"}', JSON.stringify({ x: 'a'.repeat(9000) })), { maxTokenLength: 20_000 }).payload.x,
    'a'.repeat(9000),
  );
  for (const t of [undefined, null, 42, {}, ['a.b.c']]) assert.throws(() => decodeJwt(t as string), malformed);
});

test('a real U+FFFD in the payload is fine; bytes that only decode to U+FFFD are not', () => {
  assert.deepEqual(decodeJwt(token('{"alg":"HS256"}', '{"a":"\uFFFD"}')).payload, { a: '\uFFFD' });
  for (const bad of [
    [0xc0, 0xaf],
    [0xed, 0xa0, 0x80],
    [0xf8, 0x88, 0x80, 0x80, 0x80],
    [0xe2, 0x82],
  ]) {
    const payload = Buffer.concat([Buffer.from('{"a":"'), Buffer.from(bad), Buffer.from('"}')]);
    assert.throws(
      () => decodeJwt(`${b64('{"alg":"HS256"}')}.${payload.toString('base64url')}.c2ln`),
      malformed,
      String(bad),
    );
  }
});
