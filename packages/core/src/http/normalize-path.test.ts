import { test } from 'node:test';
import assert from 'node:assert/strict';
import { normalizePath, type NormalizePathOptions } from './normalize-path.js';
import { isTesseraError } from '../errors/index.js';

// [input, expected path | 'reject', expected query?, options?]
type Row = [string, string, (string | undefined)?, NormalizePathOptions?];

const rows: Row[] = [
  ['/', '/'],
  ['/api/v1/users', '/api/v1/users'],
  ['/api/v1/users?x=1&y=%2F', '/api/v1/users', 'x=1&y=%2F'],
  ['/api?', '/api', ''],
  // dot segments (RFC 3986 §5.2.4)
  ['/admin/../', '/'],
  ['/public/../admin', '/admin'],
  ['/a/b/../../admin', '/admin'],
  ['/..', '/'],
  ['/../../admin', '/admin'],
  ['/a/./b', '/a/b'],
  ['/a/.', '/a/'],
  ['/a/b/..', '/a/'],
  ['/a/..b/c', '/a/..b/c'],
  ['/a/.b', '/a/.b'],
  ['/a/...', 'reject'],
  // merge slashes
  ['//admin', '/admin'],
  ['///admin//x///', '/admin/x/'],
  ['//admin', '//admin', undefined, { mergeSlashes: false }],
  ['/a//../b', '/a/b'],
  // unreserved escapes decoded (RFC 3986 §6.2.2.2), others upper-cased
  ['/%61dmin', '/admin'],
  ['/%41%42c', '/ABc'],
  ['/%2e%2e/admin', '/admin'],
  ['/public/%2E%2E/admin', '/admin'],
  ['/a%7e%5f%2d', '/a~_-'],
  // no single reading (hardening issue): encoded ? and #, double encoding, path parameters, a
  // segment ending in a dot or whitespace, encoded controls
  ['/a%3fb', 'reject'],
  ['/admin%3Fx', 'reject'],
  ['/a%23b', 'reject'],
  ['/a%252e', 'reject'],
  ['/%252e%252e/admin', 'reject'],
  ['/a%25zz', '/a%25zz'],
  ['/public/..;/admin', 'reject'],
  ['/admin;x=1', 'reject'],
  ['/admin;x=1', '/admin;x=1', undefined, { pathParameters: 'allow' }],
  ['/admin.', 'reject'],
  ['/admin./x', 'reject'],
  ['/admin%20', 'reject'],
  ['/admin%09', 'reject'],
  ['/admin%01', 'reject'],
  ['/a.b/c.d', '/a.b/c.d'],
  ['/a%2a', '/a%2A'],
  ['/caf\u00e9', '/caf%E9'],
  // encoded slashes
  ['/admin%2f', 'reject'],
  ['/admin%2F..%2Fsecret', 'reject'],
  ['/admin%5c', 'reject'],
  ['/admin%2fx', '/admin%2Fx', undefined, { escapedSlashes: 'keep' }],
  ['/public%2f..%2fadmin', '/admin', undefined, { escapedSlashes: 'decode' }],
  ['/a%5cb', 'reject', undefined, { escapedSlashes: 'decode' }],
  ['/a%5cb', '/a/b', undefined, { escapedSlashes: 'decode', backslash: 'convert' }],
  // backslashes
  ['/admin\\', 'reject'],
  ['/public\\..\\admin', 'reject'],
  ['/public\\..\\admin', '/admin', undefined, { backslash: 'convert' }],
  // NUL, bad escapes, controls
  ['/admin%00', 'reject'],
  ['/admin%00.json', 'reject'],
  ['/a%', 'reject'],
  ['/a%2', 'reject'],
  ['/a%zz', 'reject'],
  ['/a\u0000b', 'reject'],
  ['/a\rb', 'reject'],
  ['/a\nb', 'reject'],
  ['/a b', 'reject'],
  ['/a\u007fb', 'reject'],
  ['/a#frag', 'reject'],
  ['/a\u2028', 'reject'],
  // not origin-form
  ['admin', 'reject'],
  ['', 'reject'],
  ['*', 'reject'],
  ['http://evil/admin', 'reject'],
  ['?x=1', 'reject'],
];

for (const [input, expected, query, options] of rows) {
  test(`normalizePath(${JSON.stringify(input)}${options ? ' ' + JSON.stringify(options) : ''}) → ${expected}`, () => {
    if (expected === 'reject') {
      assert.throws(
        () => normalizePath(input, options),
        (err: unknown) => isTesseraError(err, 'ERR_HTTP_PATH_INVALID') && err.status === 400,
      );
      return;
    }
    const result = normalizePath(input, options);
    assert.equal(result.path, expected);
    if (query !== undefined || input.includes('?')) assert.equal(result.query, query);
    else assert.equal(result.query, undefined);
    assert.equal(result.changed, result.path !== input.split('?')[0]);
  });
}

test('normalizePath is idempotent on its own output', () => {
  for (const [input, expected, , options] of rows) {
    if (expected === 'reject') continue;
    const once = normalizePath(input, options).path;
    assert.equal(
      normalizePath(once, {
        ...options,
        escapedSlashes: options?.escapedSlashes === 'decode' ? 'keep' : options?.escapedSlashes,
      }).path,
      once,
      input,
    );
  }
});

test('normalizePath checks its options', () => {
  assert.throws(
    () => normalizePath('/', { escapedSlashes: 'maybe' as 'keep' }),
    (err: unknown) => isTesseraError(err, 'ERR_CONFIG_INVALID'),
  );
  assert.throws(
    () => normalizePath('/', { backslash: 'x' as 'convert' }),
    (err: unknown) => isTesseraError(err, 'ERR_CONFIG_INVALID'),
  );
});
