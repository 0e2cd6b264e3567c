import { test } from 'node:test';
import assert from 'node:assert/strict';
import { canonicalAuthority } from './canonical-authority.js';

test('canonical authority: one reading per host, or none', () => {
  assert.deepEqual(canonicalAuthority('Admin.Internal.:8080'), {
    host: 'admin.internal',
    port: 8080,
    authority: 'admin.internal:8080',
  });
  assert.deepEqual(canonicalAuthority('admin.internal.'), {
    host: 'admin.internal',
    port: undefined,
    authority: 'admin.internal',
  });
  assert.deepEqual(canonicalAuthority('[::1]:443'), { host: '[::1]', port: 443, authority: '[::1]:443' });
  assert.deepEqual(canonicalAuthority('[2001:DB8::1]'), {
    host: '[2001:db8::1]',
    port: undefined,
    authority: '[2001:db8::1]',
  });
  assert.deepEqual(canonicalAuthority('127.0.0.1:80'), { host: '127.0.0.1', port: 80, authority: '127.0.0.1:80' });
  assert.equal(canonicalAuthority('orders_v2.svc')?.host, 'orders_v2.svc');
  for (const bad of [
    '',
    '[admin.internal]',
    '[::1]@admin.internal',
    '[::1]"x',
    '[::1]<script>',
    '[fe80::1%eth0]',
    'user@host',
    'a b',
    'host:',
    'host:0',
    'host:65536',
    'host:+80',
    'host:80:80',
    '.',
    'a..b',
    '-a.b',
    'host\r\nx: y',
    'é.example',
  ]) {
    assert.equal(canonicalAuthority(bad), undefined, JSON.stringify(bad));
  }
});
