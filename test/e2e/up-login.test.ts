// People logging in under `tessera up` (issue "People"): the demo user signs in to the web UI
// through the token service's login page, sees the orders service's answer, signs out; and the
// curl flow that docs/login.md prints runs as written against the same stack.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { headlessBrowser } from '../../examples/index.js';
import { startTessera } from '../../packages/cli/test/run-cli.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

interface UpInfo {
  urls: { tokenService: string; webui: string };
  issuer: string;
  users: { demo: string };
}

/** The curl block under "The flow, with curl" in docs/login.md, without its first line (the settings). */
async function docsCurlFlow(): Promise<string> {
  const doc = await readFile(join(root, 'docs', 'login.md'), 'utf8');
  const section = doc.slice(doc.indexOf('## The flow, with curl'));
  const block = /```sh\n([\s\S]*?)```/.exec(section)![1]!;
  return block
    .split('\n')
    .filter((line) => !line.startsWith('ISSUER='))
    .join('\n');
}

test('tessera up: the demo user signs in to the web UI and out again; the documented curl flow works as printed', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'tessera-up-login-'));
  const config = join(dir, 'up.yaml');
  await writeFile(config, 'ports: { tokenService: 0, gateway: 0, gatewayAdmin: 0, orders: 0, teams: 0, webui: 0 }\n');
  const up = startTessera(['up', '--config', config, '--data-dir', join(dir, 'state'), '--json']);
  try {
    const info = JSON.parse((await up.waitFor(/^\{"urls".*\}$/m, 60_000))[0]) as UpInfo;
    assert.ok(info.users.demo.length >= 12, 'a generated password');
    const webui = info.urls.webui;

    const browser = headlessBrowser();
    assert.match((await browser.open(`${webui}/`)).html, /You are not signed in/);
    const login = await browser.open(`${webui}/login`);
    assert.ok(login.url.startsWith(`${info.issuer}/authorize?`), login.url);
    assert.match(login.html, /to continue to <strong>webui<\/strong>/);
    const wrong = await browser.signIn(login, 'demo', 'not-the-password');
    assert.equal(wrong.status, 400);
    const home = await browser.signIn(wrong, 'demo', info.users.demo);
    assert.equal(home.url, `${webui}/`);
    assert.match(home.html, /Hello, Demo User/);
    assert.match(home.html, /answered your access token with 200/);
    const out = await browser.open(`${webui}/logout`);
    assert.match(out.html, /You are not signed in/, 'back on the web UI, signed out');
    const again = await browser.open(`${webui}/login`);
    assert.match(again.html, /name="password"/, 'the session ended at the token service too');

    const curl = spawnSync('bash', ['-euo', 'pipefail', '-c', await docsCurlFlow()], {
      cwd: dir,
      env: {
        ...process.env,
        ISSUER: info.issuer,
        REDIRECT: `${webui}/callback`,
        PASSWORD: info.users.demo,
      },
      encoding: 'utf8',
      timeout: 30_000,
    });
    assert.equal(curl.status, 0, curl.stderr);
    const tokens = JSON.parse(curl.stdout) as Record<string, unknown>;
    assert.equal(tokens['token_type'], 'Bearer');
    for (const name of ['access_token', 'id_token', 'refresh_token']) assert.equal(typeof tokens[name], 'string', name);
  } finally {
    assert.equal(await up.stop('SIGTERM'), 0, up.output().stderr);
    await rm(dir, { recursive: true, force: true });
  }
});
