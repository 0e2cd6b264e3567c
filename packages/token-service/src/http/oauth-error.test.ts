// RFC 6749 §5.2 error descriptions are printable ASCII without " or \: the "§" of an RFC citation is
// spelled out rather than turned into a stray character.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tokenServiceErrors } from '../errors.js';
import { toOAuthError } from './oauth-error.js';

test('error_description keeps RFC citations readable in ASCII', () => {
  const answer = toOAuthError(
    tokenServiceErrors.create('ERR_OAUTH_INVALID_CLIENT', 'the secret must be form-encoded (RFC 6749 §2.3.1) → retry'),
  );
  assert.equal(answer.body.error_description, 'the secret must be form-encoded (RFC 6749 section 2.3.1) -> retry');
  assert.match(answer.body.error_description, /^[\x20-\x21\x23-\x5b\x5d-\x7e]*$/);
});

test('storage down is a 503 temporarily_unavailable with Retry-After, and the driver message stays out', () => {
  const answer = toOAuthError(
    tokenServiceErrors.create('ERR_STORE_UNAVAILABLE', 'connect ECONNREFUSED 10.1.2.3:5432 (user tessera)'),
  );
  assert.equal(answer.status, 503);
  assert.equal(answer.headers['retry-after'], '1');
  assert.deepEqual(answer.body, {
    error: 'temporarily_unavailable',
    error_description: 'storage is unavailable; retry shortly',
  });
});
