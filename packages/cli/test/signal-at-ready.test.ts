// A supervisor may send SIGTERM the moment a server prints that it is ready. The CLI must already be
// listening for the signal then, or the process dies by the signal without draining (exit code null).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { runTessera, startTessera } from './run-cli.js';

/**
 * A preload that holds the main thread for a while right after each stdout write: the window
 * between "ready" reaching the reader and whatever the command does next becomes wide enough that
 * the signal below always lands in it, instead of only on a loaded machine.
 */
const SLOW_STDOUT = `
const write = process.stdout.write.bind(process.stdout);
process.stdout.write = (...args) => {
  const result = write(...args);
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 400);
  return result;
};
`;

test('SIGTERM sent as soon as the ready line is read drains and exits 0 (jwks serve, token-service)', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'tessera-cli-signal-'));
  try {
    const preload = join(dir, 'slow-stdout.mjs');
    await writeFile(preload, SLOW_STDOUT);
    const env = { NODE_OPTIONS: `--import ${pathToFileURL(preload).href}` };
    await runTessera(['keys', 'generate', '--alg', 'ES256', '--kid', 'k1', '--out-dir', join(dir, 'keys')]);
    // Each with the line that says it is ready (the token service also logs JSON lines on stdout).
    const commands: [string[], RegExp][] = [
      [['jwks', 'serve', '--file', join(dir, 'keys', 'private.jwk.json'), '--port', '0', '--json'], /^\{"url"/m],
      [['token-service', '--port', '0', '--data-dir', join(dir, 'ts'), '--json'], /^\{"url"/m],
    ];
    for (const [args, ready] of commands) {
      const server = startTessera(args, { env });
      await server.waitFor(ready, 60_000);
      assert.equal(await server.stop('SIGTERM'), 0, `${args[0]}: ${server.output().stderr}`);
      assert.match(server.output().stderr, /stopped/);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
