import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSessionSealer } from './session-sealer.js';

test('a sealed session opens with its key and purpose only; tampering, truncation and another purpose fail', () => {
  const sealer = createSessionSealer(['correct horse battery staple']);
  const sealed = sealer.seal(Buffer.from('alice a.b.c'), 'default/webui session');
  assert.equal(sealer.open(sealed, 'default/webui session')?.toString(), 'alice a.b.c');
  assert.equal(sealer.open(sealed, 'default/other session'), undefined, 'another policy');
  const raw = Buffer.from(sealed, 'base64url');
  raw[raw.length - 1]! ^= 1;
  assert.equal(sealer.open(raw.toString('base64url'), 'default/webui session'), undefined, 'tampered');
  assert.equal(sealer.open(sealed.slice(0, -4), 'default/webui session'), undefined, 'truncated');
  assert.equal(sealer.open('', 'default/webui session'), undefined);
  assert.equal(sealer.open('not base64url!!', 'default/webui session'), undefined);
  assert.equal(createSessionSealer(['another key']).open(sealed, 'default/webui session'), undefined, 'another key');
});

test('rotation: a new first key seals, the old one listed second still opens what it sealed', () => {
  const old = createSessionSealer(['key-2025']);
  const sealed = old.seal(Buffer.from('one'), 'p');
  const rotated = createSessionSealer(['key-2026', 'key-2025']);
  assert.equal(rotated.open(sealed, 'p')?.toString(), 'one');
  assert.equal(old.open(rotated.seal(Buffer.from('two'), 'p'), 'p'), undefined, 'new sessions use the new key');
});
