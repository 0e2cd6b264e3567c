// pg and ioredis are optional peer dependencies: the file back-end runs without them, and a
// back-end whose client is not installed stops the start with an error that names the package.
// "Not installed" is made real in a child process whose module resolution cannot find them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// A resolve hook for the child: pg and ioredis are not there, as in a project that did not install them.
const HIDE_DRIVERS = `export async function resolve(specifier, context, next) {
  if (specifier === 'pg' || specifier === 'ioredis') {
    const error = new Error("Cannot find package '" + specifier + "'");
    error.code = 'ERR_MODULE_NOT_FOUND';
    throw error;
  }
  return next(specifier, context);
}`;

const SCRIPT = `
import { register } from 'node:module';
register('data:text/javascript,' + encodeURIComponent(${JSON.stringify(HIDE_DRIVERS)}));
const { createStorage } = await import(${JSON.stringify(new URL('../../src/index.ts', import.meta.url).href)});
const dataDir = process.argv[2];
const kek = Buffer.alloc(32, 7).toString('base64url');
const results = {};
const file = await createStorage({ dataDir, kek });
await file.close();
results.file = 'ok';
for (const type of ['postgres', 'redis']) {
  try {
    await createStorage({
      dataDir,
      kek,
      backends: { [type === 'redis' ? 'revocations' : 'keys']: type },
      postgres: { url: 'postgres://postgres@127.0.0.1:1/test' },
      redis: { url: 'redis://127.0.0.1:1' },
    });
    results[type] = 'started';
  } catch (error) {
    results[type] = { code: error.code, message: error.message };
  }
}
console.log(JSON.stringify(results));
`;

test('without pg or ioredis installed, the file back-end works and the others name the missing package', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-drivers-'));
  try {
    const script = join(dir, 'run.mjs');
    writeFileSync(script, SCRIPT);
    const child = spawnSync(
      process.execPath,
      ['--conditions=tessera-source', '--import', 'tsx', script, join(dir, 'data')],
      { cwd: new URL('../..', import.meta.url).pathname, encoding: 'utf8' },
    );
    assert.equal(child.status, 0, child.stderr);
    const results = JSON.parse(child.stdout.trim().split('\n').pop()!) as Record<
      string,
      string | { code: string; message: string }
    >;
    assert.equal(results['file'], 'ok');
    assert.deepEqual(results['postgres'], {
      code: 'ERR_STORE_CONFIG_INVALID',
      message:
        'the postgres back-end needs the package "pg": install it beside @tessera/token-service (npm install pg)',
    });
    assert.deepEqual(results['redis'], {
      code: 'ERR_STORE_CONFIG_INVALID',
      message:
        'the redis back-end needs the package "ioredis": install it beside @tessera/token-service (npm install ioredis)',
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
