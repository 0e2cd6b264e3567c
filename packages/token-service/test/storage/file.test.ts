// The storage contract against the `file` back-end (a temporary data directory per test), plus
// what only files have: restart, corrupt files, the kek file and its mode, directory mode.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmod, mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Clock } from '@tessera/core';
import { createKeyCipher, createStorage, resolveKek } from '../../src/storage/index.js';
import { createFileStateStore } from '../../src/storage/file/create-file-state-store.js';
import { createFileAuditStore } from '../../src/storage/file/create-file-audit-store.js';
import { createFileClientStore } from '../../src/storage/file/create-file-client-store.js';
import { createFileUserStore } from '../../src/storage/file/create-file-user-store.js';
import { createFileKeyStore } from '../../src/storage/file/create-file-key-store.js';
import { createFileReplayStore } from '../../src/storage/file/create-file-replay-store.js';
import { createFileRevocationStore } from '../../src/storage/file/create-file-revocation-store.js';
import { createMemoryEventBus } from '../../src/storage/file/create-memory-event-bus.js';
import {
  manualClock,
  newKek,
  runAuditStoreContract,
  runClientStoreContract,
  runUserStoreContract,
  runStateStoreContract,
  runEventBusContract,
  runKeyStoreContract,
  runReplayStoreContract,
  runRevocationStoreContract,
  sampleKey,
} from './contract.js';

async function tempDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'tessera-store-'));
}

async function fileKeys(dataDir: string, kek: string, clock?: Clock) {
  return createFileKeyStore({
    dataDir,
    cipher: createKeyCipher(Buffer.from(kek, 'base64url')),
    ...(clock ? { clock } : {}),
  });
}

runKeyStoreContract('file', async (c) => {
  const dir = await tempDir();
  const kek = newKek();
  const store = await fileKeys(dir, kek, c.clock);
  return {
    store,
    rawDump: async () =>
      (await readdir(dir))
        .filter((f) => f !== 'kek')
        .map((f) => f)
        .reduce(async (acc, f) => (await acc) + (await readFile(join(dir, f), 'utf8')), Promise.resolve('')),
    // A second store on the same directory is a restart: the first must have flushed (it has:
    // every write resolves only after its rename).
    reopen: async (other) => {
      const s = await fileKeys(dir, other ?? kek, c.clock);
      return { store: s, close: () => s.close() };
    },
    close: async () => {
      await store.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
});

runClientStoreContract('file', async (c) => {
  const dir = await tempDir();
  const store = await createFileClientStore({ dataDir: dir, clock: c.clock });
  return {
    store,
    close: async () => {
      await store.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
});

runUserStoreContract('file', async (c) => {
  const dir = await tempDir();
  const store = await createFileUserStore({ dataDir: dir, clock: c.clock });
  return {
    store,
    close: async () => {
      await store.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
});

runStateStoreContract('file', async (c) => {
  const dir = await tempDir();
  const store = await createFileStateStore({ dataDir: dir, clock: c.clock });
  return {
    store,
    close: async () => {
      await store.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
});

runRevocationStoreContract('file', async (c) => {
  const dir = await tempDir();
  const store = await createFileRevocationStore({ dataDir: dir, clock: c.clock });
  return {
    store,
    close: async () => {
      await store.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
});

runReplayStoreContract('file', async (c) => {
  const dir = await tempDir();
  const store = await createFileReplayStore({ dataDir: dir, clock: c.clock });
  return {
    store,
    close: async () => {
      await store.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
});

runAuditStoreContract('file', async (c) => {
  const dir = await tempDir();
  const store = await createFileAuditStore({ dataDir: dir, clock: c.clock });
  return {
    store,
    rawDump: () => readFile(join(dir, 'audit.jsonl'), 'utf8'),
    close: async () => {
      await store.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
});

runEventBusContract('file (in-process)', () => {
  const a = createMemoryEventBus({ channel: '/data/x' });
  const b = createMemoryEventBus({ channel: '/data/x' });
  return Promise.resolve({
    a,
    b,
    close: async () => {
      await a.close();
      await b.close();
    },
  });
});

test('file storage: everything survives a restart', async () => {
  const dir = await tempDir();
  const c = manualClock();
  const kek = newKek();
  try {
    const key = sampleKey();
    const first = await createStorage({ dataDir: dir, kek, clock: c.clock });
    await first.keys.create(key);
    await first.clients.create({
      clientId: 'a',
      allowedAudiences: [],
      allowedScopes: [],
      enabled: true,
      createdAt: 1,
      updatedAt: 1,
    });
    await first.revocations.revoke('j1', c.clock() + 10_000);
    await first.revocations.linkChild('j1', 'j1-child', c.clock() + 10_000);
    await first.replay.markUsed('r1', c.clock() + 10_000);
    await first.audit.append({ actor: 'admin', action: 'x' });
    await first.close();

    const second = await createStorage({ dataDir: dir, kek, clock: c.clock });
    try {
      assert.deepEqual(await second.keys.get(key.kid), key);
      assert.equal((await second.clients.get('a'))?.clientId, 'a');
      assert.equal(await second.revocations.isRevoked('j1'), true);
      assert.deepEqual(await second.revocations.listChildren('j1'), [{ jti: 'j1-child', exp: c.clock() + 10_000 }]);
      const page = await second.revocations.listSince();
      assert.equal(page.items.length, 1);
      await second.revocations.revoke('j2', c.clock() + 10_000);
      assert.deepEqual(
        (await second.revocations.listSince(page.cursor)).items.map((i) => i.jti),
        ['j2'],
        'the cursor sequence continues after a restart',
      );
      assert.equal(await second.replay.markUsed('r1', c.clock() + 10_000), false);
      const audit = await second.audit.list();
      assert.equal(audit.length, 1);
      assert.equal((await second.audit.append({ actor: 'admin', action: 'y' })).seq, audit[0]!.seq + 1);
    } finally {
      await second.close();
    }
    assert.deepEqual(
      (await readdir(dir)).filter((f) => f.endsWith('.tmp')),
      [],
      'no temporary files are left behind',
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('file storage: a corrupt file is ERR_STORE_CORRUPT naming the file, and is left as it was', async () => {
  const dir = await tempDir();
  try {
    const cases: Array<[string, string, () => Promise<unknown>]> = [
      ['clients.json', '{"version":1,"clients":[', () => createFileClientStore({ dataDir: dir })],
      ['clients.json', '{"version":1,"clients":[{"clientId":"a"}]}', () => createFileClientStore({ dataDir: dir })],
      ['keys.json', '{"version":2,"keys":[]}', () => fileKeys(dir, newKek())],
      ['revocations.json', '[]', () => createFileRevocationStore({ dataDir: dir })],
      ['token-links.json', '{"version":1,"links":[{"jti":"a"}]}', () => createFileRevocationStore({ dataDir: dir })],
      ['replay.jsonl', '{"k":"a","e":"soon"}\n', () => createFileReplayStore({ dataDir: dir })],
      ['replay.jsonl', '{"k":"a","e":1}\n{"k":', () => createFileReplayStore({ dataDir: dir })],
      [
        'audit.jsonl',
        '{"seq":1,"at":1,"actor":"a","action":"x"}\n{"seq":2,',
        () => createFileAuditStore({ dataDir: dir }),
      ],
      [
        'audit.jsonl',
        '{"seq":1,"at":1,"actor":"a","action":"x"}\nnot json\n',
        () => createFileAuditStore({ dataDir: dir }),
      ],
    ];
    for (const [file, content, open] of cases) {
      await writeFile(join(dir, file), content);
      await assert.rejects(open(), (err: Error & { code?: string }) => {
        assert.equal(err.code, 'ERR_STORE_CORRUPT', `${file}: ${err.message}`);
        assert.ok(err.message.includes(join(dir, file)), `the message names the file: ${err.message}`);
        return true;
      });
      assert.equal(await readFile(join(dir, file), 'utf8'), content, `${file} is not reset`);
      await rm(join(dir, file));
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('file storage: the generated kek file has mode 0600 and the data directory 0700; a loose kek file is refused', async () => {
  const parent = await tempDir();
  const dir = join(parent, 'data');
  try {
    const storage = await createStorage({ dataDir: dir, env: {} });
    await storage.keys.create(sampleKey());
    await storage.close();
    assert.equal((await stat(join(dir, 'kek'))).mode & 0o777, 0o600);
    assert.equal((await stat(dir)).mode & 0o777, 0o700);
    assert.equal((await stat(join(dir, 'keys.json'))).mode & 0o777, 0o600);
    const kek1 = await resolveKek({ env: {}, dataDir: dir });
    assert.equal(kek1.length, 32);
    const again = await createStorage({ dataDir: dir, env: {} });
    assert.equal((await again.keys.list()).length, 1, 'the same kek file opens the keys after a restart');
    await again.close();
    await chmod(join(dir, 'kek'), 0o644);
    await assert.rejects(
      createStorage({ dataDir: dir, env: {} }),
      (err: Error & { code?: string }) => err.code === 'ERR_STORE_KEK_INVALID' && err.message.includes('644'),
    );
  } finally {
    await rm(parent, { recursive: true, force: true });
  }
});

test('file storage: TESSERA_KEK is used, and a different one cannot open the keys', async () => {
  const dir = await tempDir();
  try {
    const kek = newKek();
    const s = await createStorage({ dataDir: dir, env: { TESSERA_KEK: kek } });
    const key = sampleKey();
    await s.keys.create(key);
    await s.close();
    const names = await readdir(dir);
    assert.ok(!names.includes('kek'), 'no kek file is generated when TESSERA_KEK is set');
    const raw = await readFile(join(dir, 'keys.json'), 'utf8');
    assert.ok(!raw.includes(key.privateJwk!.d!));
    await assert.rejects(
      createStorage({ dataDir: dir, env: { TESSERA_KEK: newKek() } }),
      (err: Error & { code?: string }) => {
        assert.equal(err.code, 'ERR_STORE_KEK_INVALID');
        assert.ok(err.message.includes(key.kid));
        return true;
      },
    );
    await assert.rejects(
      createStorage({ dataDir: dir, env: { TESSERA_KEK: 'too-short' } }),
      (err: Error & { code?: string }) => err.code === 'ERR_STORE_KEK_INVALID',
    );
    const ok = await createStorage({ dataDir: dir, env: { TESSERA_KEK: kek } });
    assert.deepEqual(await ok.keys.get(key.kid), key);
    await ok.close();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('file storage: a ciphertext moved to another kid does not decrypt', async () => {
  const dir = await tempDir();
  try {
    const kek = newKek();
    const keys = await fileKeys(dir, kek);
    const a = sampleKey();
    const b = sampleKey();
    await keys.create(a);
    await keys.create(b);
    await keys.close();
    const doc = JSON.parse(await readFile(join(dir, 'keys.json'), 'utf8')) as {
      keys: Array<{ kid: string; privateKeyEncrypted: string }>;
    };
    doc.keys[0]!.privateKeyEncrypted = doc.keys[1]!.privateKeyEncrypted;
    await writeFile(join(dir, 'keys.json'), JSON.stringify(doc));
    await assert.rejects(fileKeys(dir, kek), (err: Error & { code?: string }) => err.code === 'ERR_STORE_KEK_INVALID');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('file storage: a closed store refuses writes with ERR_STORE_UNAVAILABLE', async () => {
  const dir = await tempDir();
  try {
    const s = await createStorage({ dataDir: dir, kek: newKek() });
    await s.close();
    await s.close();
    await assert.rejects(
      s.clients.create({
        clientId: 'a',
        allowedAudiences: [],
        allowedScopes: [],
        enabled: true,
        createdAt: 1,
        updatedAt: 1,
      }),
      (err: Error & { code?: string }) => err.code === 'ERR_STORE_UNAVAILABLE',
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('file storage: one process per data directory — a live owner is refused, a stale lock is taken over', async () => {
  const dir = await tempDir();
  try {
    const kek = newKek();
    // The parent process (the test runner) is alive and is not us.
    await writeFile(join(dir, 'lock'), `${process.ppid}\n`);
    await assert.rejects(createStorage({ dataDir: dir, kek }), (err: Error & { code?: string }) => {
      assert.equal(err.code, 'ERR_STORE_UNAVAILABLE');
      assert.ok(err.message.includes(String(process.ppid)), err.message);
      return true;
    });
    // A pid above the Linux maximum (2^22) belongs to no process: the lock is stale.
    await writeFile(join(dir, 'lock'), '4194999\n');
    const s = await createStorage({ dataDir: dir, kek });
    assert.equal((await readFile(join(dir, 'lock'), 'utf8')).trim(), String(process.pid));
    const inProcess = await createStorage({ dataDir: dir, kek });
    await inProcess.close();
    assert.equal(
      (await readFile(join(dir, 'lock'), 'utf8')).trim(),
      String(process.pid),
      'still held by the first storage',
    );
    await s.close();
    assert.ok(!(await readdir(dir)).includes('lock'), 'released on close');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('file replay: the log is compacted to the live ids and still refuses them after a restart', async () => {
  const dir = await tempDir();
  const c = manualClock();
  try {
    const replay = await createFileReplayStore({ dataDir: dir, clock: c.clock });
    const t = c.clock();
    assert.ok(
      (await Promise.all(Array.from({ length: 1500 }, (_, i) => replay.markUsed(`old-${i}`, t + 1000)))).every(
        (r) => r,
      ),
    );
    assert.equal(await replay.markUsed('live', t + 100_000), true);
    c.advance(2000);
    assert.equal(await replay.purgeExpired(), 1500);
    const lines = (await readFile(join(dir, 'replay.jsonl'), 'utf8')).trim().split('\n');
    assert.deepEqual(
      lines.map((l) => (JSON.parse(l) as { k: string }).k),
      ['live'],
    );
    assert.equal(await replay.markUsed('after', t + 100_000), true);
    await replay.close();
    const again = await createFileReplayStore({ dataDir: dir, clock: c.clock });
    assert.equal(await again.markUsed('live', t + 100_000), false);
    assert.equal(await again.markUsed('after', t + 100_000), false);
    assert.equal(await again.markUsed('old-1', t + 100_000), true, 'expired ids are usable again');
    await again.close();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('file audit: a long log is read from the end for the newest records, streamed otherwise; a bad line is named', async () => {
  const dir = await tempDir();
  const c = manualClock();
  try {
    const audit = await createFileAuditStore({ dataDir: dir, clock: c.clock });
    const t = c.clock();
    const pad = 'x'.repeat(100);
    for (let i = 0; i < 3000; i += 50) {
      await Promise.all(
        Array.from({ length: 50 }, (_, j) =>
          audit.append({ at: t + i + j, actor: 'c', action: 'token.issued', target: `t${i + j}`, details: { pad } }),
        ),
      );
    }
    await audit.close();
    const again = await createFileAuditStore({ dataDir: dir, clock: c.clock });
    assert.equal(
      (await again.append({ actor: 'c', action: 'last' })).seq,
      3001,
      'the sequence continues from the last line',
    );
    assert.deepEqual(
      (await again.list({ order: 'desc', limit: 3 })).map((e) => e.seq),
      [3001, 3000, 2999],
    );
    assert.deepEqual(
      (await again.list({ since: t + 2998, limit: 2 })).map((e) => e.seq),
      [2999, 3000],
    );
    // The newest record ('last') carries at = t, so `since` leaves it out even though it is newest.
    assert.deepEqual(
      (await again.list({ since: t + 10, order: 'desc', limit: 2 })).map((e) => e.seq),
      [3000, 2999],
    );
    await again.close();
    const text = await readFile(join(dir, 'audit.jsonl'), 'utf8');
    const lines = text.split('\n');
    lines[10] = '{"seq":';
    await writeFile(join(dir, 'audit.jsonl'), lines.join('\n'));
    const broken = await createFileAuditStore({ dataDir: dir, clock: c.clock });
    await assert.rejects(
      broken.list(),
      (err: Error & { code?: string }) =>
        err.code === 'ERR_STORE_CORRUPT' && err.message.includes(`${join(dir, 'audit.jsonl')}:11`),
    );
    await broken.close();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
