// `tessera client rotate-secret` and `remove-secret`: a client's secret rotated with an overlap at
// a token service from the command line (the new secret printed once), then the old one stopped
// at once; usage errors exit 2, refusals 1.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { createTokenService, loadConfig } from '@tessera/token-service';
import { runTessera } from './run-cli.js';

test('client rotate-secret: the new secret works at once and the old one until the date; remove-secret stops it', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'tessera-cli-client-'));
  const service = createTokenService(
    loadConfig({ object: { server: { port: 0, host: '127.0.0.1' }, storage: { dataDir: dir } } }),
    {
      logger: pino({ level: 'silent' }),
      env: { TESSERA_KEK: Buffer.alloc(32, 3).toString('base64url') },
      timers: false,
    },
  );
  const url = await service.listen();
  const admin = ['--url', url, '--admin-token-file', join(dir, 'admin-token')];
  const token = async (secret: string) =>
    (
      await fetch(`${url}/token`, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          authorization: `Basic ${Buffer.from(`svc:${secret}`).toString('base64')}`,
        },
        body: 'grant_type=client_credentials',
      })
    ).status;
  try {
    const created = await fetch(`${url}/admin/clients`, {
      method: 'POST',
      headers: { authorization: `Bearer ${service.adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ id: 'svc', audiences: ['api'] }),
    });
    const old = ((await created.json()) as { client_secret: string }).client_secret;

    const until = new Date(Date.now() + 3_600_000).toISOString();
    const rotated = await runTessera(['client', 'rotate-secret', 'svc', ...admin, '--old-secrets-not-after', until]);
    assert.equal(rotated.code, 0, rotated.stderr);
    const fresh = rotated.stdout.trim();
    assert.match(fresh, /^[\w-]{43}$/, 'the new secret alone on stdout');
    assert.match(rotated.stderr, /primary until /);
    assert.equal(await token(fresh), 200);
    assert.equal(await token(old), 200, 'the old one until the date');

    const removed = await runTessera(['client', 'remove-secret', 'svc', 'primary', ...admin]);
    assert.equal(removed.code, 0, removed.stderr);
    assert.equal(await token(old), 401, 'stopped at once');

    const badDate = await runTessera(['client', 'rotate-secret', 'svc', ...admin, '--old-secrets-not-after', 'soon']);
    assert.equal(badDate.code, 2);
    const unknown = await runTessera(['client', 'rotate-secret', 'nobody', ...admin]);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /refused the rotation \(404/);
  } finally {
    await service.close();
    await rm(dir, { recursive: true, force: true });
  }
});
