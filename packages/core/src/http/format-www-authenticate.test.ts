import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatWwwAuthenticate } from './format-www-authenticate.js';
import { validateHeaderValue } from 'node:http';

test('missing token: realm only, no error attribute (RFC 6750 §3.1)', () => {
  assert.equal(formatWwwAuthenticate({ realm: 'api' }), 'Bearer realm="api"');
  assert.equal(formatWwwAuthenticate(), 'Bearer');
});

test('invalid_token with a description', () => {
  assert.equal(
    formatWwwAuthenticate({ realm: 'api', error: 'invalid_token', errorDescription: 'token expired' }),
    'Bearer realm="api", error="invalid_token", error_description="token expired"',
  );
});

test('insufficient_scope with scope', () => {
  assert.equal(
    formatWwwAuthenticate({ realm: 'api', error: 'insufficient_scope', scope: ['orders:read', 'orders:write'] }),
    'Bearer realm="api", error="insufficient_scope", scope="orders:read orders:write"',
  );
  assert.equal(
    formatWwwAuthenticate({ error: 'insufficient_scope', scope: 'a b' }),
    'Bearer error="insufficient_scope", scope="a b"',
  );
});

test('values cannot break out of the header or the quoted string', () => {
  const evil = 'x"\r\nSet-Cookie: a=b\\ é\u0000';
  const value = formatWwwAuthenticate({ realm: evil, error: 'invalid_token', errorDescription: evil, scope: [evil] });
  assert.doesNotThrow(() => validateHeaderValue('www-authenticate', value));
  assert.ok(!/[\r\n]/.test(value));
  assert.match(
    value,
    /^Bearer realm="x\\"\?\?Set-Cookie: a=b\\\\ \?\?", error="invalid_token", error_description="x' Set-Cookie: a=b\/ \?\?", scope="/,
  );
  // Every quoted string closes where it should: count unescaped quotes.
  assert.equal((value.replace(/\\./g, '').match(/"/g) ?? []).length % 2, 0);
});

test('long descriptions are cut', () => {
  const value = formatWwwAuthenticate({ error: 'invalid_token', errorDescription: 'a'.repeat(1000) });
  assert.ok(value.length < 320);
});

test('error_description and realm stay ASCII and readable: § is spelled out, not a "?"', () => {
  const header = formatWwwAuthenticate({
    realm: 'orders → api',
    error: 'invalid_token',
    errorDescription: 'token is not a compact JWS (RFC 7515 §7.1) … “quoted”',
  });
  assert.match(header, /RFC 7515 section 7\.1\) \.\.\. 'quoted'/);
  assert.match(header, /realm="orders -> api"/);
  assert.doesNotMatch(header, /\?/);
});
