// `tessera keys withdraw`: the token service's emergency key withdrawal from the command line, with
// the admin token from a file or TESSERA_ADMIN_TOKEN (never an argument), and the exit codes of
// docs/cli.md (0 done, 1 refused or unreachable, 2 usage).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { createTokenService, loadConfig } from '@tessera/token-service';
import { runTessera } from './run-cli.js';

test('keys withdraw takes the active key out of the JWKS; bad tokens, unknown kids and missing tokens are refused', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'tessera-cli-withdraw-'));
  const service = createTokenService(
    loadConfig({ object: { server: { port: 0, host: '127.0.0.1' }, storage: { dataDir: dir } } }),
    {
      logger: pino({ level: 'silent' }),
      env: { TESSERA_KEK: Buffer.alloc(32, 3).toString('base64url') },
      timers: false,
    },
  );
  const url = await service.listen();
  try {
    const kid = service.keyRing.list().find((k) => k.state === 'active')!.kid;
    const tokenFile = join(dir, 'admin-token');

    const missing = await runTessera(['keys', 'withdraw', kid, '--url', url], { env: { TESSERA_ADMIN_TOKEN: '' } });
    assert.equal(missing.code, 2, missing.stderr);
    assert.match(missing.stderr, /ERR_CLI_USAGE: no admin token/);

    const wrong = await runTessera(['keys', 'withdraw', kid, '--url', url], {
      env: { TESSERA_ADMIN_TOKEN: 'not-the-admin-token' },
    });
    assert.equal(wrong.code, 1, wrong.stderr);
    assert.match(wrong.stderr, /ERR_CLI_REMOTE_FAILED: the token service refused the withdrawal \(401/);

    const done = await runTessera([
      'keys',
      'withdraw',
      kid,
      '--url',
      url,
      '--admin-token-file',
      tokenFile,
      '--reason',
      'leaked in a log',
    ]);
    assert.equal(done.code, 0, done.stderr);
    assert.match(done.stdout, new RegExp(`^withdrew ${kid} at `, 'm'));
    assert.match(done.stdout, /signs from now on/);
    const jwks = (await (await fetch(`${url}/.well-known/jwks.json`)).json()) as { keys: { kid: string }[] };
    assert.ok(!jwks.keys.some((k) => k.kid === kid));

    const again = await runTessera(['keys', 'withdraw', kid, '--url', url, '--admin-token-file', tokenFile]);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /409 ERR_KEYRING_TRANSITION_INVALID: key ".+" is already withdrawn/);
  } finally {
    await service.close();
    await rm(dir, { recursive: true, force: true });
  }
});
