// `tessera hash-secret`: the secret from stdin (never argv), the hash the token service accepts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { verifySecret } from '@tessera/token-service';
import { runTessera } from './run-cli.js';

test('hash-secret hashes the secret piped on stdin into a hash verifySecret accepts', async () => {
  const r = await runTessera(['hash-secret'], { input: 'a long random client secret\n' });
  assert.equal(r.code, 0, r.stderr);
  const hash = r.stdout.trim();
  assert.match(hash, /^scrypt\$32768\$8\$1\$[\w-]+\$[\w-]+$/);
  // The line ending `echo` adds is not part of the secret.
  assert.equal(await verifySecret('a long random client secret', hash), true);
  assert.equal(await verifySecret('a long random client secret\n', hash), false);
  assert.ok(!r.stderr.includes('a long random client secret'));
});

test('hash-secret --json prints { secretHash }', async () => {
  const r = await runTessera(['hash-secret', '--json'], { input: 's3cret' });
  assert.equal(r.code, 0, r.stderr);
  const { secretHash } = JSON.parse(r.stdout) as { secretHash: string };
  assert.equal(await verifySecret('s3cret', secretHash), true);
});

test('hash-secret refuses a secret on the command line without repeating it, exit 2', async () => {
  const r = await runTessera(['hash-secret', 'hunter2-on-argv']);
  assert.equal(r.code, 2);
  assert.equal(r.stdout, '');
  assert.match(r.stderr, /^tessera: ERR_CLI_USAGE: hash-secret takes no arguments/);
  assert.ok(!r.stderr.includes('hunter2-on-argv'));
});

test('hash-secret refuses an empty secret, exit 2', async () => {
  const r = await runTessera(['hash-secret'], { input: '' });
  assert.equal(r.code, 2);
  assert.match(r.stderr, /^tessera: ERR_CLI_USAGE: empty secret/);
});
