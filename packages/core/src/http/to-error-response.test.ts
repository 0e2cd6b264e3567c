import { test } from 'node:test';
import assert from 'node:assert/strict';
import { toErrorResponse } from './to-error-response.js';
import { coreErrors } from '../errors/errors.js';
import { TesseraError } from '../errors/tessera-error.js';

test('missing token: 401 without error attribute', () => {
  const r = toErrorResponse(coreErrors.create('ERR_AUTH_TOKEN_MISSING', 'no token'), { realm: 'api' });
  assert.equal(r.status, 401);
  assert.equal(r.headers['www-authenticate'], 'Bearer realm="api"');
  assert.deepEqual(JSON.parse(r.body), { error_description: 'no token', code: 'ERR_AUTH_TOKEN_MISSING' });
});

test('401 errors become invalid_token with their message', () => {
  const r = toErrorResponse(coreErrors.create('ERR_JWT_EXPIRED', 'token expired'), { realm: 'api' });
  assert.equal(r.status, 401);
  assert.equal(
    r.headers['www-authenticate'],
    'Bearer realm="api", error="invalid_token", error_description="token expired"',
  );
  assert.equal((JSON.parse(r.body) as { code?: unknown }).code, 'ERR_JWT_EXPIRED');
});

test('403 becomes insufficient_scope with scope from details', () => {
  const r = toErrorResponse(
    coreErrors.create('ERR_AUTH_INSUFFICIENT_SCOPE', 'missing scope', { details: { scope: ['a', 'b'] } }),
  );
  assert.equal(r.status, 403);
  assert.equal(
    r.headers['www-authenticate'],
    'Bearer error="insufficient_scope", error_description="missing scope", scope="a b"',
  );
});

test('400 becomes invalid_request', () => {
  const r = toErrorResponse(coreErrors.create('ERR_AUTH_CREDENTIALS_CONFLICT', 'two headers'));
  assert.equal(r.status, 400);
  assert.match(r.headers['www-authenticate']!, /error="invalid_request"/);
});

test('on auth paths, unexpected errors and 5xx become a generic 401, never a 500', () => {
  for (const err of [
    new Error('db password is hunter2'),
    'string',
    undefined,
    coreErrors.create('ERR_JWKS_FETCH_FAILED', 'fetch https://x failed'),
    new TesseraError('ERR_AUTH_FAILED', 'secret detail', { status: 401, expose: false }),
  ]) {
    const r = toErrorResponse(err, { realm: 'api' });
    assert.equal(r.status, 401);
    assert.equal(
      r.headers['www-authenticate'],
      'Bearer realm="api", error="invalid_token", error_description="the access token could not be verified"',
    );
    assert.ok(!r.body.includes('hunter2') && !r.body.includes('secret detail') && !r.body.includes('https://x'));
  }
});

test('off auth paths, unexpected errors become a generic 500', () => {
  const r = toErrorResponse(new Error('boom at /etc/secret'), { authPath: false });
  assert.equal(r.status, 500);
  assert.equal(r.headers['www-authenticate'], undefined);
  assert.ok(!r.body.includes('secret'));
  const r2 = toErrorResponse(new TesseraError('ERR_CONFIG_INVALID', 'hidden', { status: 500 }), { authPath: false });
  assert.equal(r2.status, 500);
  assert.ok(!r2.body.includes('hidden'));
});
