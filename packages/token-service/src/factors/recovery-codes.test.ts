import { test } from 'node:test';
import assert from 'node:assert/strict';
import { matchRecoveryCode, newRecoveryCodes } from './recovery-codes.js';

test('ten distinct recovery codes; each matches its own hash, typed loosely, and nothing else', () => {
  const { codes, hashes } = newRecoveryCodes();
  assert.equal(codes.length, 10);
  assert.equal(new Set(codes).size, 10);
  for (const c of codes) assert.match(c, /^[A-HJKMNP-Z2-9]{4}(-[A-HJKMNP-Z2-9]{4}){3}$/);
  assert.ok(
    hashes.every((h) => !codes.some((c) => h.includes(c.replace(/-/g, '')))),
    'hashes, not codes',
  );
  assert.equal(matchRecoveryCode(codes[3]!, hashes), 3);
  assert.equal(matchRecoveryCode(codes[3]!.toLowerCase().replace(/-/g, ' '), hashes), 3, 'case and separators');
  const used = hashes.map((h, i) => (i === 3 ? null : h));
  assert.equal(matchRecoveryCode(codes[3]!, used), undefined, 'a used code');
  assert.equal(matchRecoveryCode(newRecoveryCodes().codes[0]!, hashes), undefined, "another user's code");
  assert.equal(matchRecoveryCode('', hashes), undefined);
});
