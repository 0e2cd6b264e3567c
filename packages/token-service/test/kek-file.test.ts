// The key that seals private keys at rest (hardening issue): by default it is generated in the data
// directory, beside the keys, so a copy of the directory holds both. `storage.kekFile` puts it
// elsewhere, and the service warns at start when the key is read from or generated in the data directory.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { createTokenService, loadConfig } from '../src/index.js';

/** Starts and stops a service with `storage`; answers the warnings it logged. */
async function warningsAtStart(storage: Record<string, unknown>): Promise<{ msg: string; kekFile?: string }[]> {
  const lines: { level: number; msg: string; kekFile?: string }[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString().split('\n')) if (line) lines.push(JSON.parse(line) as (typeof lines)[0]);
      done();
    },
  });
  const service = createTokenService(loadConfig({ object: { server: { port: 0, host: '127.0.0.1' }, storage } }), {
    logger: pino({ level: 'warn' }, sink),
    env: {},
    timers: false,
  });
  await service.listen();
  await service.close();
  return lines.filter((l) => l.level === 40 && /key-encryption key/.test(l.msg));
}

test('a kek in the data directory is warned about at start; storage.kekFile elsewhere is not', async () => {
  const root = mkdtempSync(join(tmpdir(), 'tessera-kek-start-'));
  try {
    const dataDir = join(root, 'data');
    const generated = await warningsAtStart({ dataDir });
    assert.equal(generated.length, 1);
    assert.match(generated[0]!.msg, /generated in the data directory/);
    assert.equal(generated[0]!.kekFile, join(dataDir, 'kek'));
    assert.match((await warningsAtStart({ dataDir }))[0]!.msg, /read from the data directory/);

    const other = join(root, 'data2');
    const kekFile = join(root, 'secret', 'kek');
    assert.deepEqual(await warningsAtStart({ dataDir: other, kekFile }), []);
    assert.ok(existsSync(kekFile) && !existsSync(join(other, 'kek')));
    assert.deepEqual(await warningsAtStart({ dataDir: other, kekFile }), [], 'the same key is read back');
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
