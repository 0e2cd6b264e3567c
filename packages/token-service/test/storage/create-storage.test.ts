// createStorage's configuration rules: which back-end may hold which concern, and what each needs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createKeyCipher,
  createStorage,
  resolveKek,
  resolveStorageBackends,
  type StorageConfig,
} from '../../src/storage/index.js';
import { sampleKey } from './contract.js';

function configError(pattern: RegExp) {
  return (err: Error & { code?: string }) => {
    assert.equal(err.code, 'ERR_STORE_CONFIG_INVALID', err.message);
    assert.match(err.message, pattern);
    return true;
  };
}

test('resolveStorageBackends: file by default, type as the default, backends per concern', () => {
  assert.deepEqual(resolveStorageBackends({ dataDir: '/d' }), {
    keys: 'file',
    clients: 'file',
    users: 'file',
    state: 'file',
    revocations: 'file',
    replay: 'file',
    audit: 'file',
    events: 'file',
  });
  assert.deepEqual(
    resolveStorageBackends({
      type: 'postgres',
      postgres: { url: 'postgres://x' },
      redis: { url: 'redis://y' },
      backends: { replay: 'redis', events: 'redis' },
    }),
    {
      keys: 'postgres',
      clients: 'postgres',
      users: 'postgres',
      state: 'postgres',
      revocations: 'postgres',
      replay: 'redis',
      audit: 'postgres',
      events: 'redis',
    },
  );
});

test('resolveStorageBackends: a concern a back-end cannot hold, an unknown back-end or concern, missing settings', () => {
  const cases: Array<[StorageConfig, RegExp]> = [
    [{ type: 'redis', redis: { url: 'redis://y' } }, /redis back-end cannot hold keys/],
    [
      { dataDir: '/d', redis: { url: 'redis://y' }, backends: { audit: 'redis' } },
      /backends\.audit: the redis back-end cannot hold audit/,
    ],
    [{ type: 'mongo' as never }, /type "mongo"/],
    [{ dataDir: '/d', backends: { keys: 'sqlite' as never } }, /backends\.keys: "sqlite"/],
    [{ dataDir: '/d', backends: { sessions: 'file' } as never }, /backends\.sessions: unknown concern/],
    [{}, /dataDir is required/],
    [{ type: 'postgres' }, /postgres\.url is required/],
    [{ dataDir: '/d', backends: { replay: 'redis' } }, /redis\.url is required/],
    [{ type: 'postgres', postgres: { url: 'postgres://x', maxConnections: 0 } }, /maxConnections/],
    [null as never, /must be an object/],
  ];
  for (const [config, pattern] of cases) assert.throws(() => resolveStorageBackends(config), configError(pattern));
});

test('resolveKek: config, then TESSERA_KEK, then a kek file; malformed keys are refused', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'tessera-kek-'));
  try {
    const a = randomBytes(32).toString('base64url');
    const b = randomBytes(32).toString('base64url');
    assert.deepEqual(await resolveKek({ kek: a, env: { TESSERA_KEK: b }, dataDir: dir }), Buffer.from(a, 'base64url'));
    assert.deepEqual(await resolveKek({ env: { TESSERA_KEK: b }, dataDir: dir }), Buffer.from(b, 'base64url'));
    const generated = await resolveKek({ env: {}, dataDir: dir });
    assert.deepEqual(
      await resolveKek({ env: { TESSERA_KEK: '' }, dataDir: dir }),
      generated,
      'the same file is read back',
    );
    for (const bad of [
      '',
      'abc',
      randomBytes(31).toString('base64url'),
      randomBytes(33).toString('base64url'),
      `${a.slice(0, 42)}+`,
    ]) {
      await assert.rejects(
        resolveKek({ kek: bad, env: {} }),
        (err: Error & { code?: string }) => err.code === 'ERR_STORE_KEK_INVALID',
      );
    }
    await assert.rejects(resolveKek({ env: {} }), configError(/key-encryption key/));
    // Keys shared by replicas: never a generated file (it would differ per replica), an existing one is fine.
    const other = join(dir, 'replica');
    await assert.rejects(resolveKek({ env: {}, dataDir: other, generate: false }), configError(/TESSERA_KEK/));
    await assert.rejects(readdir(other), (err: NodeJS.ErrnoException) => err.code === 'ENOENT');
    assert.deepEqual(await resolveKek({ env: {}, dataDir: dir, generate: false }), generated);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('resolveKek: storage.kekFile keeps the key out of the data directory; a key in it is warned about', async () => {
  const root = await mkdtemp(join(tmpdir(), 'tessera-kekfile-'));
  try {
    const dataDir = join(root, 'data');
    const kekFile = join(root, 'secrets', 'kek');
    const warnings: string[] = [];
    const warn = (message: string) => void warnings.push(message);
    const generated = await resolveKek({ env: {}, dataDir, kekFile, warn });
    assert.equal((await stat(kekFile)).mode & 0o777, 0o600, 'generated 0600 where kekFile says');
    await assert.rejects(stat(join(dataDir, 'kek')), (err: NodeJS.ErrnoException) => err.code === 'ENOENT');
    assert.deepEqual(await resolveKek({ env: {}, dataDir, kekFile, warn, generate: false }), generated);
    assert.deepEqual(warnings, [], 'no warning for a key outside the data directory');

    await resolveKek({ env: {}, dataDir, warn });
    assert.match(warnings.at(-1) ?? '', /generated in the data directory/);
    await resolveKek({ env: {}, dataDir, warn });
    assert.match(warnings.at(-1) ?? '', /read from the data directory.*storage\.kekFile/);
    await resolveKek({ env: {}, dataDir, kekFile: join(dataDir, 'sub', 'kek'), warn });
    assert.match(warnings.at(-1) ?? '', /generated in the data directory/, 'a kekFile inside the data directory too');
    assert.equal(warnings.length, 3);
    await resolveKek({ env: { TESSERA_KEK: randomBytes(32).toString('base64url') }, dataDir, warn });
    assert.equal(warnings.length, 3, 'TESSERA_KEK: nothing in the data directory');

    await assert.rejects(
      resolveKek({ env: {}, dataDir, kekFile: join(root, 'missing'), generate: false }),
      configError(/storage\.kekFile/),
    );
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});

test('createKeyCipher: round-trips, uses a fresh IV, binds the kid, and rejects tampering', () => {
  const cipher = createKeyCipher(randomBytes(32));
  const jwk = sampleKey().privateJwk!;
  const one = cipher.encrypt('k1', jwk);
  const two = cipher.encrypt('k1', jwk);
  assert.notEqual(one, two);
  assert.deepEqual(cipher.decrypt('k1', one, 'here'), jwk);
  assert.throws(
    () => cipher.decrypt('k2', one, 'here'),
    (err: Error & { code?: string }) => err.code === 'ERR_STORE_KEK_INVALID' && err.message.includes('here'),
  );
  const parts = one.split('.');
  const ct = Buffer.from(parts[3]!, 'base64url');
  ct[0] = ct[0]! ^ 1;
  parts[3] = ct.toString('base64url');
  assert.throws(
    () => cipher.decrypt('k1', parts.join('.'), 'here'),
    (err: Error & { code?: string }) => err.code === 'ERR_STORE_KEK_INVALID',
  );
  assert.throws(
    () => cipher.decrypt('k1', 'plain-text', 'here'),
    (err: Error & { code?: string }) => err.code === 'ERR_STORE_CORRUPT',
  );
  assert.throws(
    () => createKeyCipher(randomBytes(16)),
    (err: Error & { code?: string }) => err.code === 'ERR_STORE_KEK_INVALID',
  );
});

test('createStorage: the default file storage pings, and a failed start leaves nothing open', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'tessera-cs-'));
  try {
    const s = await createStorage({ dataDir: dir, kek: randomBytes(32).toString('base64url') });
    await s.ping();
    await s.close();
    // keys.json written with another KEK: the start fails, and the stores opened before are closed.
    const k = await createStorage({ dataDir: dir, kek: randomBytes(32).toString('base64url') });
    await k.keys.create(sampleKey());
    await k.close();
    await assert.rejects(
      createStorage({ dataDir: dir, kek: randomBytes(32).toString('base64url') }),
      (err: Error & { code?: string }) => err.code === 'ERR_STORE_KEK_INVALID',
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
