import { test } from 'node:test';
import assert from 'node:assert/strict';
import { invocation } from './invocation.js';

test('invocation: the way tessera was started, said so it runs again from the current directory', () => {
  assert.equal(invocation('/home/me/app/node_modules/.bin/tessera', '/home/me/app'), 'npx tessera');
  assert.equal(invocation('/home/me/app/node_modules/@tessera/cli/bin/tessera.js', '/home/me/app'), 'npx tessera');
  assert.equal(invocation('/usr/local/bin/tessera', '/home/me'), 'tessera');
  assert.equal(
    invocation('/src/tessera/packages/cli/bin/tessera.js', '/src/tessera'),
    'node packages/cli/bin/tessera.js',
  );
  assert.equal(
    invocation('/src/my tessera/packages/cli/bin/tessera.js', '/tmp'),
    'node "../src/my tessera/packages/cli/bin/tessera.js"',
  );
});
