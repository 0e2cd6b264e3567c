import { test } from 'node:test';
import assert from 'node:assert/strict';
import { extractBearerToken } from './extract-bearer-token.js';
import { isTesseraError, type TesseraErrorCode } from '../errors/tessera-error.js';

const T = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhIn0.c2ln';

function throwsCode(fn: () => unknown, code: TesseraErrorCode) {
  assert.throws(fn, (e: unknown) => isTesseraError(e, code));
}

test('finds the token of one Bearer header, scheme case-insensitive', () => {
  assert.equal(extractBearerToken({ authorization: `Bearer ${T}` }), T);
  assert.equal(extractBearerToken({ authorization: `bearer ${T}` }), T);
  assert.equal(extractBearerToken({ Authorization: `BEARER   ${T}  ` }), T);
  assert.equal(extractBearerToken({ authorization: [`Bearer ${T}`] }), T);
  assert.equal(extractBearerToken(new Headers({ authorization: `Bearer ${T}` })), T);
});

test('no header or another scheme means no bearer credentials', () => {
  assert.equal(extractBearerToken({}), undefined);
  assert.equal(extractBearerToken({ authorization: 'Basic dXNlcjpwYXNz' }), undefined);
  assert.equal(extractBearerToken({ authorization: 'Bearerish abc' }), undefined);
  assert.equal(extractBearerToken(new Headers()), undefined);
});

test('duplicate Authorization headers conflict, however they are represented', () => {
  throwsCode(
    () => extractBearerToken({ authorization: [`Bearer ${T}`, `Bearer ${T}`] }),
    'ERR_AUTH_CREDENTIALS_CONFLICT',
  );
  throwsCode(
    () => extractBearerToken({ authorization: `Bearer ${T}`, Authorization: 'Bearer x' }),
    'ERR_AUTH_CREDENTIALS_CONFLICT',
  );
  throwsCode(
    () => extractBearerToken({ authorization: [`Bearer ${T}`, 'Basic eA=='] }),
    'ERR_AUTH_CREDENTIALS_CONFLICT',
  );
  // WHATWG Headers joins duplicates with ", ": no longer one b64token.
  const h = new Headers();
  h.append('authorization', `Bearer ${T}`);
  h.append('authorization', `Bearer ${T}`);
  throwsCode(() => extractBearerToken(h), 'ERR_JWT_MALFORMED');
});

test('a header token and a query token conflict (RFC 6750 §2)', () => {
  throwsCode(
    () => extractBearerToken({ authorization: `Bearer ${T}` }, { url: `/x?access_token=${T}` }),
    'ERR_AUTH_CREDENTIALS_CONFLICT',
  );
  throwsCode(
    () => extractBearerToken({ authorization: 'Basic eA==' }, { url: `/x?access_token=${T}` }),
    'ERR_AUTH_CREDENTIALS_CONFLICT',
  );
  throwsCode(
    () => extractBearerToken({}, { url: `/x?access_token=a&access_token=b`, allowQueryToken: true }),
    'ERR_AUTH_CREDENTIALS_CONFLICT',
  );
});

test('query tokens only when allowed', () => {
  assert.equal(extractBearerToken({}, { url: `/x?access_token=${T}` }), undefined);
  assert.equal(extractBearerToken({}, { url: `/x?a=1&access_token=${T}#frag`, allowQueryToken: true }), T);
  throwsCode(() => extractBearerToken({}, { url: `/x?access_token=`, allowQueryToken: true }), 'ERR_JWT_MALFORMED');
  throwsCode(
    () => extractBearerToken({}, { url: `/x?access_token=a%20b`, allowQueryToken: true }),
    'ERR_JWT_MALFORMED',
  );
});

test('malformed Bearer credentials are refused', () => {
  for (const value of [
    'Bearer',
    'Bearer ',
    'Bearer a b',
    'Bearer a,b',
    'Bearer "abc"',
    'Bearer\tabc',
    'Bearer a=b',
    'Bearer é',
  ]) {
    throwsCode(() => extractBearerToken({ authorization: value }), 'ERR_JWT_MALFORMED');
  }
});

test('token length is bounded', () => {
  throwsCode(
    () => extractBearerToken({ authorization: `Bearer ${'a'.repeat(101)}` }, { maxTokenLength: 100 }),
    'ERR_JWT_MALFORMED',
  );
  assert.equal(
    extractBearerToken({ authorization: `Bearer ${'a'.repeat(100)}` }, { maxTokenLength: 100 }),
    'a'.repeat(100),
  );
  throwsCode(() => extractBearerToken({ authorization: `Bearer ${'a'.repeat(20_000)}` }), 'ERR_JWT_MALFORMED');
});
