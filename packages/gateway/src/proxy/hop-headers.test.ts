import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connectionNamed, isHopByHop, responseHeaders } from './hop-headers.js';

test('RFC 9110 §7.6.1 hop-by-hop headers, every proxy-*, and those Connection names', () => {
  for (const h of [
    'connection',
    'keep-alive',
    'te',
    'trailer',
    'transfer-encoding',
    'upgrade',
    'proxy-authorization',
    'proxy-connection',
    'proxy-anything',
  ])
    assert.ok(isHopByHop(h), h);
  for (const h of ['authorization', 'upgrade-insecure-requests', 'content-length', 'x-proxy'])
    assert.ok(!isHopByHop(h), h);
  assert.deepEqual([...connectionNamed('close, X-Foo ,x-bar')!], ['close', 'x-foo', 'x-bar']);
  assert.equal(connectionNamed('keep-alive'), undefined);
  assert.deepEqual(
    responseHeaders({
      connection: 'x-secret',
      'x-secret': '1',
      'set-cookie': ['a=1', 'b=2'],
      'content-type': 'text/plain',
      'keep-alive': 'timeout=5',
    }),
    ['set-cookie', 'a=1', 'set-cookie', 'b=2', 'content-type', 'text/plain'],
  );
});
