import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isTesseraError } from '@tessera/core';
import { parseForm, decodeFormComponent } from './parse-form.js';

const invalid = (fn: () => unknown) =>
  assert.throws(fn, (e: unknown) => isTesseraError(e, 'ERR_TOKEN_INVALID_REQUEST'));

test('parses form-urlencoded bodies: + is a space, escapes decode as UTF-8', () => {
  const form = parseForm(Buffer.from('grant_type=client_credentials&scope=a+b&x=%C3%A9%2B'));
  assert.equal(form.get('grant_type'), 'client_credentials');
  assert.equal(form.get('scope'), 'a b');
  assert.equal(form.get('x'), 'é+');
});

test('a parameter without a value counts as omitted (RFC 6749 §3.1)', () => {
  const form = parseForm('scope=&audience&grant_type=x');
  assert.equal(form.has('scope'), false);
  assert.equal(form.has('audience'), false);
  assert.equal(form.get('grant_type'), 'x');
});

test('a repeated parameter is invalid_request (RFC 6749 §3.1), even with an empty twin', () => {
  invalid(() => parseForm('scope=a&scope=b'));
  invalid(() => parseForm('scope=a&scope='));
  invalid(() => parseForm('sc%6Fpe=a&scope=b'));
});

test('malformed escapes, invalid UTF-8 and nameless parameters are invalid_request', () => {
  invalid(() => parseForm('a=%zz'));
  invalid(() => parseForm('a=%C3'));
  invalid(() => parseForm(Buffer.from([0x61, 0x3d, 0xff])));
  invalid(() => parseForm('=x'));
  invalid(() => parseForm(Array.from({ length: 100 }, (_, i) => `p${i}=1`).join('&')));
});

test('decodeFormComponent decodes Basic credentials per RFC 6749 §2.3.1', () => {
  assert.equal(decodeFormComponent('my%3Aclient'), 'my:client');
  assert.equal(decodeFormComponent('p%40ss+word'), 'p@ss word');
});
