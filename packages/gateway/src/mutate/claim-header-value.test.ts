import { test } from 'node:test';
import assert from 'node:assert/strict';
import { claimHeaderValue } from './claim-header-value.js';

test('scalars, nested members and arrays become header text', () => {
  const payload = { sub: 'alice', n: 42, ok: true, realm: { roles: ['a', 'b'] }, groups: ['x', 1, false] };
  assert.equal(claimHeaderValue(payload, 'sub'), 'alice');
  assert.equal(claimHeaderValue(payload, 'n'), '42');
  assert.equal(claimHeaderValue(payload, 'ok'), 'true');
  assert.equal(claimHeaderValue(payload, 'realm.roles'), 'a,b');
  assert.equal(claimHeaderValue(payload, 'groups'), 'x,1,false');
});

test('absent, object-valued and prototype claims give undefined', () => {
  const payload = JSON.parse('{"o":{"a":1},"arr":[{"x":1}],"__proto__":{"polluted":"yes"}}') as Record<string, unknown>;
  assert.equal(claimHeaderValue(payload, 'missing'), undefined);
  assert.equal(claimHeaderValue(payload, 'o'), undefined);
  assert.equal(claimHeaderValue(payload, 'arr'), undefined);
  assert.equal(claimHeaderValue(payload, 'constructor'), undefined);
  assert.equal(claimHeaderValue(payload, 'toString'), undefined);
  assert.equal(claimHeaderValue({ n: Infinity }, 'n'), undefined);
});

test('CR, LF, other controls and non-ASCII are unsafe (null), never rewritten', () => {
  for (const v of ['a\r\nb', 'a\nb', 'a\rb', 'a\u0000b', 'a\tb', 'a\u007fb', 'é', ['ok', 'x\ny']]) {
    assert.equal(claimHeaderValue({ c: v }, 'c'), null, JSON.stringify(v));
  }
});
