import { test } from 'node:test';
import assert from 'node:assert/strict';
import { coreErrors } from '@tessera/core';
import { cliErrors } from '../errors.js';
import { exitCodeFor } from './exit-code.js';
import { formatError } from './report-error.js';

test('errors print as one line with the code and a hint, and map to the promised exit codes', () => {
  const multi = coreErrors.create(
    'ERR_POLICY_INVALID',
    'invalid policy:\n  a.yaml:1: spec: bad\n  b.yaml:2: spec: worse',
  );
  assert.equal(
    formatError(multi),
    'tessera: ERR_POLICY_INVALID: invalid policy:; a.yaml:1: spec: bad; b.yaml:2: spec: worse (run `tessera policy lint` on the file)',
  );
  assert.equal(
    formatError(cliErrors.create('ERR_CLI_USAGE', 'x', { details: { hint: 'do y' } })),
    'tessera: ERR_CLI_USAGE: x (do y)',
  );
  assert.match(formatError(new Error('boom\nstack')), /^tessera: unexpected error: boom; stack \(set TESSERA_DEBUG=1/);
  assert.equal(exitCodeFor(cliErrors.create('ERR_CLI_USAGE', 'x')), 2);
  assert.equal(exitCodeFor(cliErrors.create('ERR_CLI_INPUT_INVALID', 'x')), 2);
  assert.equal(exitCodeFor(cliErrors.create('ERR_CLI_CONFIG_INVALID', 'x')), 3);
  assert.equal(exitCodeFor(coreErrors.create('ERR_POLICY_INVALID', 'x')), 3);
  assert.equal(exitCodeFor(cliErrors.create('ERR_CLI_CHECK_FAILED', 'x')), 1);
  assert.equal(exitCodeFor(coreErrors.create('ERR_JWT_EXPIRED', 'x')), 1);
  assert.equal(exitCodeFor(new Error('bug')), 1);
});
