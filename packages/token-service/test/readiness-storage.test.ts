// /readyz with storage down: still ready (every replica shares the storage; taking them all out of
// rotation would turn the outage into connection errors), and it says the storage is unavailable.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { pino } from 'pino';
import { createStorage, createTokenService, loadConfig } from '../src/index.js';

test('/readyz stays 200 while storage is down and reports it; it never waits on storage', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'tessera-ready-'));
  const env = { TESSERA_KEK: Buffer.alloc(32, 7).toString('base64url') };
  const storage = await createStorage({ type: 'file', dataDir, env, clock: () => Date.now() });
  let down = false;
  const service = createTokenService(
    loadConfig({ object: { server: { host: '127.0.0.1', port: 0 }, storage: { dataDir } } }),
    {
      logger: pino({ level: 'silent' }),
      env,
      timers: false,
      storage: {
        ...storage,
        // Down as a database that does not answer: the ping hangs.
        ping: () => (down ? new Promise<void>(() => undefined) : storage.ping()),
      },
    },
  );
  try {
    const url = await service.listen();
    const ready = async () => {
      const res = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(500) });
      return { status: res.status, body: (await res.json()) as { storage: string } };
    };
    assert.deepEqual(await ready(), { status: 200, body: { status: 'ready', storage: 'up' } });
    down = true;
    let seen = await ready();
    for (let i = 0; i < 40 && seen.body.storage === 'up'; i++) {
      await sleep(100);
      seen = await ready();
    }
    assert.deepEqual(seen, { status: 200, body: { status: 'ready', storage: 'unavailable' } });
    down = false;
    for (let i = 0; i < 40 && seen.body.storage !== 'up'; i++) {
      await sleep(100);
      seen = await ready();
    }
    assert.equal(seen.body.storage, 'up', 'reported up again once it answers');
  } finally {
    await service.close();
    await storage.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
});
