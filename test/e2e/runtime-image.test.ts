// The container image's runtime stage without a Docker engine: the Dockerfile RUNs
// scripts/build-runtime.sh, and so does this test, into a temporary folder that is then made
// read-only and run by an unprivileged user (uid 65534 when the tests run as root), with its data in
// a folder of that user's own, as the image runs with `--read-only` and a volume.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { chmod, chown, mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { runTessera, startTessera } from '../../packages/cli/test/run-cli.js';

const run = promisify(execFile);
const repo = new URL('../../', import.meta.url).pathname;
const NOBODY = 65534;
const asRoot = process.getuid?.() === 0;

test('the image recipe: build-runtime.sh installs a production tree that runs read-only as an unprivileged user', async () => {
  // The Dockerfile and this test run the same script; renaming or dropping it breaks both.
  const dockerfile = await readFile(join(repo, 'Dockerfile'), 'utf8');
  assert.match(dockerfile, /^RUN npm ci .*&& scripts\/build-runtime\.sh \/opt\/tessera$/m);
  assert.match(dockerfile, /^USER node$/m);
  assert.match(dockerfile, /^STOPSIGNAL SIGTERM$/m);
  assert.match(dockerfile, /^HEALTHCHECK .*CMD \["tessera", "health"\]$/m);

  const dir = await mkdtemp(join(tmpdir(), 'tessera-runtime-'));
  try {
    const opt = join(dir, 'opt');
    await run('bash', [join(repo, 'scripts/build-runtime.sh'), opt], { cwd: dir, maxBuffer: 16 * 1024 * 1024 });
    const installed = JSON.parse(await readFile(join(opt, 'package.json'), 'utf8')) as {
      dependencies: Record<string, string>;
    };
    assert.deepEqual(Object.keys(installed.dependencies).sort(), [
      '@tessera/cli',
      '@tessera/core',
      '@tessera/gateway',
      '@tessera/token-service',
      'ioredis',
      'pg',
    ]);
    // Read-only code (the image's root filesystem); a data folder of the user's own (the volume).
    await run('chmod', ['-R', 'a-w', opt]);
    await chmod(dir, 0o755);
    const data = join(dir, 'data');
    await mkdir(data, { mode: 0o700 });
    if (asRoot) await chown(data, NOBODY, NOBODY);
    const bin = join(opt, 'node_modules/.bin/tessera');
    const env = { TESSERA_DATA_DIR: data, TESSERA_LOG_LEVEL: 'warn', HOME: data };

    const server = startTessera(['token-service', '--port', '0', '--json'], { bin, cwd: data, env, user: NOBODY });
    try {
      const info = JSON.parse((await server.waitFor(/^\{"url".*\}$/m, 30_000))[0]) as {
        url: string;
        operationsUrl: string;
        jwksUri: string;
      };
      const health = await runTessera(['health', `${info.operationsUrl}/readyz`], { bin, cwd: data });
      assert.equal(health.code, 0, health.stderr);
      const jwks = (await (await fetch(info.jwksUri)).json()) as { keys: { kid: string }[] };
      assert.equal(jwks.keys.length, 1);

      // The admin API works from the user's data folder: a client, then a token for it.
      const adminToken = (await readFile(join(data, 'admin-token'), 'utf8')).trim();
      const created = await fetch(`${info.url}/admin/clients`, {
        method: 'POST',
        headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
        body: JSON.stringify({ id: 'svc-a', secret: 'svc-a-secret-0123456789', audiences: ['svc-b'] }),
      });
      assert.equal(created.status, 201, await created.text());
      const issued = await fetch(`${info.url}/token`, {
        method: 'POST',
        headers: {
          authorization: `Basic ${Buffer.from('svc-a:svc-a-secret-0123456789').toString('base64')}`,
          'content-type': 'application/x-www-form-urlencoded',
        },
        body: 'grant_type=client_credentials&audience=svc-b',
      });
      assert.equal(issued.status, 200);
      // It ran as the unprivileged user (the process setpriv turned into node).
      if (asRoot) {
        const status = await readFile(`/proc/${server.child.pid}/status`, 'utf8');
        assert.match(status, new RegExp(`^Uid:\\t${NOBODY}\\t${NOBODY}\\t`, 'm'));
      }
    } finally {
      assert.equal(await server.stop('SIGTERM'), 0, server.output().stderr);
    }
  } finally {
    await run('chmod', ['-R', 'u+w', dir]).catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  }
});
