import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hashSecret, verifySecret } from './secret-hash.js';

test('hashSecret / verifySecret round trip; wrong or malformed answers false', async () => {
  const hash = await hashSecret('correct horse battery staple');
  assert.match(hash, /^scrypt\$32768\$8\$1\$[\w-]+\$[\w-]+$/);
  assert.equal(await verifySecret('correct horse battery staple', hash), true);
  assert.equal(await verifySecret('correct horse battery stapl', hash), false);
  assert.equal(await verifySecret('x', 'scrypt$1$1$1$aa$bb'), false);
  assert.equal(await verifySecret('x', 'garbage'), false);
  assert.notEqual(await hashSecret('same'), await hashSecret('same'));
});
