// `audit.required`: no token leaves the token service without its audit record. The storage is the
// real file store; its audit log is made to fail the way PostgreSQL down fails it (the store throws
// ERR_STORE_UNAVAILABLE). The scale-out test does the same with a stopped PostgreSQL.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { createStorage, createTokenService, loadConfig, tokenServiceErrors } from '../src/index.js';
import { postForm } from './helpers.js';

const A = { id: 'svc-a', secret: 'svc-a-secret-0123456789' };

for (const required of [true, false]) {
  test(`audit.required: ${required}: while the audit store fails, the token endpoint ${required ? 'answers 503 and issues nothing' : 'still issues'}`, async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'tessera-audit-'));
    const env = { TESSERA_KEK: Buffer.alloc(32, 7).toString('base64url') };
    const storage = await createStorage({ type: 'file', dataDir, env, clock: () => Date.now() });
    let broken = false;
    const append = storage.audit.append.bind(storage.audit);
    const service = createTokenService(
      loadConfig({
        object: {
          server: { host: '127.0.0.1', port: 0 },
          storage: { dataDir },
          clients: [{ id: A.id, secret: A.secret, audiences: ['svc-b'] }],
          audit: { required },
        },
      }),
      {
        logger: pino({ level: 'silent' }),
        env,
        timers: false,
        storage: {
          ...storage,
          audit: {
            ...storage.audit,
            append: (entry) =>
              broken
                ? Promise.reject(tokenServiceErrors.create('ERR_STORE_UNAVAILABLE', 'audit store down'))
                : append(entry),
          },
        },
      },
    );
    try {
      const url = await service.listen();
      const before = await postForm(`${url}/token`, { grant_type: 'client_credentials' }, A);
      assert.equal(before.status, 200);
      broken = true;
      const during = await postForm(`${url}/token`, { grant_type: 'client_credentials' }, A);
      if (required) {
        assert.equal(during.status, 503);
        assert.equal(during.body['error'], 'temporarily_unavailable');
        assert.equal(during.body['access_token'], undefined);
      } else assert.equal(during.status, 200);
      broken = false;
      const after = await postForm(`${url}/token`, { grant_type: 'client_credentials' }, A);
      assert.equal(after.status, 200);
      await service.close();
      // Every token that was answered has its record.
      const answered = [before, during, after]
        .filter((r) => r.status === 200)
        .map((r) => r.body['access_token'] as string);
      const jtis = answered.map(
        (t) => (JSON.parse(Buffer.from(t.split('.')[1]!, 'base64url').toString()) as { jti: string }).jti,
      );
      const log = readFileSync(join(dataDir, 'audit.jsonl'), 'utf8');
      const recorded = jtis.filter((jti) => log.includes(jti));
      assert.equal(recorded.length, required ? jtis.length : jtis.length - 1);
    } finally {
      await service.close();
      await storage.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
}
