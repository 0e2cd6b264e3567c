import { test } from 'node:test';
import assert from 'node:assert/strict';
import { clientSecretBasic } from './client-secret-basic.js';

const decoded = (header: string) => Buffer.from(header.replace(/^Basic /, ''), 'base64').toString();

test('client_secret_basic form-encodes each part (RFC 6749 §2.3.1): a space is +, a colon and a plus are escaped', () => {
  assert.equal(decoded(clientSecretBasic('svc', 's3cret')), 'svc:s3cret');
  assert.equal(decoded(clientSecretBasic('gate way', 'a:b+c')), 'gate+way:a%3Ab%2Bc');
  assert.equal(decoded(clientSecretBasic('é', '~!')), '%C3%A9:%7E%21');
  assert.match(clientSecretBasic('a', 'b'), /^Basic [A-Za-z0-9+/]+=*$/);
});
