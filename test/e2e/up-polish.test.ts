// `tessera up` as a new user trips on it (polish issue): a data directory it cannot use is said to
// be one, a taken port is named with its part, the admin token and a working token exchange are
// printed, and the gateway's policy folder is the user's after the first start.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { appendFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTessera } from '../../packages/cli/test/run-cli.js';

const FREE_PORTS =
  'ports: { tokenService: 0, tokenServiceOperations: 0, gateway: 0, gatewayAdmin: 0, orders: 0, teams: 0, webui: 0 }\n';

interface UpInfo {
  urls: { tokenService: string };
  clients: Record<string, string>;
  adminTokenFile: string;
  policies: string;
}

test('a data directory tessera up cannot use is reported as such (exit 2), not as a listen error', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'tessera-up-dir-'));
  try {
    await writeFile(join(dir, 'config.yaml'), FREE_PORTS);
    await writeFile(join(dir, 'a-file'), 'not a folder');
    for (const dataDir of [join(dir, 'a-file'), join(dir, 'a-file', 'state')]) {
      const run = startTessera(['up', '--config', join(dir, 'config.yaml'), '--data-dir', dataDir]);
      assert.equal(await run.exited(), 2, run.output().stderr);
      const lines = run.output().stderr.trim().split('\n');
      assert.match(
        lines.at(-1)!,
        /ERR_CLI_USAGE: cannot use the data directory .*a-file.*: E(NOTDIR|EXIST) \(a file is in the way of a folder\)/,
      );
      assert.doesNotMatch(run.output().stderr, /listen|unexpected error/);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('a taken port names the part and the port (exit 2), and a failed first start leaves no up.json', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'tessera-up-port-'));
  const blocker = createServer();
  await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
  const port = (blocker.address() as AddressInfo).port;
  try {
    await writeFile(
      join(dir, 'config.yaml'),
      `ports: { tokenService: ${port}, tokenServiceOperations: 0, gateway: 0, gatewayAdmin: 0, orders: 0, teams: 0, webui: 0 }\n`,
    );
    const run = startTessera(['up', '--config', join(dir, 'config.yaml'), '--data-dir', join(dir, 'state')]);
    assert.equal(await run.exited(), 2, run.output().stderr);
    assert.match(
      run.output().stderr,
      new RegExp(`cannot listen for the token service on 127\\.0\\.0\\.1:${port}: EADDRINUSE \\(the port is taken\\)`),
    );
    assert.ok(!existsSync(join(dir, 'state', 'up.json')), 'no partial state');
  } finally {
    blocker.close();
    await rm(dir, { recursive: true, force: true });
  }
});

test('tessera up prints its admin token file and an exchange that works; the policy folder is kept after the first start', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'tessera-up-polish-'));
  const args = ['up', '--config', join(dir, 'config.yaml'), '--data-dir', join(dir, 'state'), '--json'];
  // A fixed token service port, so the issuer (and the policies written for it) stays the same.
  const probe = createServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
  const tsPort = (probe.address() as AddressInfo).port;
  await new Promise<void>((r) => probe.close(() => r()));
  await writeFile(join(dir, 'config.yaml'), FREE_PORTS.replace('tokenService: 0', `tokenService: ${tsPort}`));
  try {
    const first = startTessera(args);
    let info: UpInfo;
    try {
      info = JSON.parse((await first.waitFor(/^\{"urls".*\}$/m, 60_000))[0]) as UpInfo;
      assert.equal(info.adminTokenFile, join(dir, 'state', 'token-service', 'admin-token'));
      const adminToken = (await readFile(info.adminTokenFile, 'utf8')).trim();
      const keys = await fetch(`${info.urls.tokenService}/admin/keys`, {
        headers: { authorization: `Bearer ${adminToken}` },
      });
      assert.equal(keys.status, 200);
      await keys.body?.cancel();
      // The exchange the text output shows: orders-client trades its orders token for inventory.
      const basic = `Basic ${Buffer.from(`orders-client:${info.clients['orders-client']}`).toString('base64')}`;
      const post = async (form: Record<string, string>) => {
        const res = await fetch(`${info.urls.tokenService}/token`, {
          method: 'POST',
          headers: { authorization: basic, 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams(form),
        });
        return { status: res.status, body: (await res.json()) as Record<string, string> };
      };
      const subject = await post({ grant_type: 'client_credentials', audience: 'orders', scope: 'orders:read' });
      const type = 'urn:ietf:params:oauth:token-type:access_token';
      const exchanged = await post({
        grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange',
        subject_token: subject.body['access_token']!,
        subject_token_type: type,
        actor_token: subject.body['access_token']!,
        actor_token_type: type,
        audience: 'inventory',
      });
      assert.equal(exchanged.status, 200, JSON.stringify(exchanged.body));
      await appendFile(join(info.policies, 'zz-mine.yaml'), '# my own policy file\n');
      await appendFile(join(info.policies, 'sports-api.yaml'), '# edited by me\n');
    } finally {
      assert.equal(await first.stop('SIGTERM'), 0, first.output().stderr);
    }
    const policyFile = join(info.policies, 'zz-mine.yaml');
    const second = startTessera(args);
    try {
      const again = JSON.parse((await second.waitFor(/^\{"urls".*\}$/m, 60_000))[0]) as UpInfo & {
        policiesKept: string[];
      };
      assert.ok(existsSync(policyFile), "the user's files survive a restart");
      assert.deepEqual(again.policiesKept, ['sports-api.yaml'], 'an edited embedded file is kept and said to be');
      assert.match(await readFile(join(info.policies, 'sports-api.yaml'), 'utf8'), /# edited by me/);
    } finally {
      assert.equal(await second.stop('SIGTERM'), 0, second.output().stderr);
    }
    const reset = startTessera([...args, '--reset-policies']);
    try {
      await reset.waitFor(/^\{"urls".*\}$/m, 60_000);
      assert.ok(!existsSync(policyFile), '--reset-policies writes the embedded policies again');
      assert.doesNotMatch(await readFile(join(info.policies, 'sports-api.yaml'), 'utf8'), /# edited by me/);
    } finally {
      assert.equal(await reset.stop('SIGTERM'), 0, reset.output().stderr);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
