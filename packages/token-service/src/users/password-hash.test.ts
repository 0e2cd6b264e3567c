import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hashSecret } from '../clients/secret-hash.js';
import { createHashWorkers } from '../clients/create-hash-workers.js';
import { hashPassword, MAX_PASSWORD_LENGTH, verifyPassword } from './password-hash.js';

test('argon2id with OWASP parameters; verified on the hash workers and without them', async () => {
  const workers = createHashWorkers({ size: 1 });
  try {
    const hash = await hashPassword('correct horse battery staple', workers);
    assert.match(hash, /^\$argon2id\$v=19\$m=19456,t=2,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$/);
    assert.deepEqual(await verifyPassword('correct horse battery staple', hash, workers), { ok: true, rehash: false });
    assert.deepEqual(await verifyPassword('correct horse battery staple', hash), { ok: true, rehash: false });
    assert.deepEqual(await verifyPassword('Correct horse battery staple', hash, workers), { ok: false, rehash: false });
    // The same password twice: two salts.
    assert.notEqual(await hashPassword('correct horse battery staple'), hash);
  } finally {
    await workers.close();
  }
});

test('NFC: a password typed with a combining accent matches the precomposed one', async () => {
  const hash = await hashPassword('caf\u00e9');
  assert.equal((await verifyPassword('cafe\u0301', hash)).ok, true);
});

test('scrypt hashes (tessera hash-secret) verify and ask to be re-hashed; weaker argon2 parameters too', async () => {
  const legacy = await hashSecret('old password');
  assert.deepEqual(await verifyPassword('old password', legacy), { ok: true, rehash: true });
  assert.deepEqual(await verifyPassword('wrong', legacy), { ok: false, rehash: false });
  const { hash } = await import('@node-rs/argon2');
  const weak = await hash('old password', { algorithm: 2, memoryCost: 8192, timeCost: 1, parallelism: 1 });
  assert.deepEqual(await verifyPassword('old password', weak), { ok: true, rehash: true });
});

test('what never matches: an unknown format, a damaged hash, an over-long password', async () => {
  const hash = await hashPassword('pw');
  assert.deepEqual(await verifyPassword('pw', 'plain:pw'), { ok: false, rehash: false });
  assert.deepEqual(await verifyPassword('pw', hash.slice(0, -10)), { ok: false, rehash: false });
  const long = 'x'.repeat(MAX_PASSWORD_LENGTH + 1);
  assert.deepEqual(await verifyPassword(long, await hashPassword(long)), { ok: false, rehash: false });
});
