// createVerifier({ revocations }): a revoked jti is refused even when its result was cached, a
// withdrawn key verifies nothing, and a stale source refuses every token (fail closed).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isTesseraError } from '../errors/tessera-error.js';
import { createVerifier } from './create-verifier.js';
import { generateKey } from './generate-key.js';
import type { RevocationSource } from './revocation-feed.js';
import { signJwt } from './sign-jwt.js';

const key = generateKey('ES256', { kid: 'k1' });
const sign = (jti: string) =>
  signJwt({ iss: 'https://ts.test', aud: 'orders', jti }, key.signingKey, { expiresIn: 300 });
const refusedWith = (code: string) => (error: unknown) => isTesseraError(error) && error.code === code;

test('a revoked jti is refused, cached result or not; others pass', async () => {
  const revoked = new Set<string>();
  const verifier = createVerifier({
    issuer: 'https://ts.test',
    audience: 'orders',
    keys: [key.verificationKey],
    revocations: { isRevoked: (jti) => revoked.has(jti) },
  });
  const token = sign('a');
  await verifier.verify(token);
  assert.equal(verifier.cache?.size, 1);
  revoked.add('a');
  await assert.rejects(verifier.verify(token), refusedWith('ERR_JWT_REVOKED'));
  assert.throws(() => verifier.verifySync(token), refusedWith('ERR_JWT_REVOKED'));
  await verifier.verify(sign('b'));
  revoked.add('c');
  await assert.rejects(verifier.verify(sign('c')), refusedWith('ERR_JWT_REVOKED'), 'never verified before');
});

test('a key the source lists as withdrawn verifies nothing, and what it verified leaves the cache', async () => {
  const withdrawn = new Set<string>();
  const revocations: RevocationSource = {
    isRevoked: () => false,
    withdrawnKeys: {
      has: (kid) => withdrawn.has(kid),
      get version() {
        return withdrawn.size;
      },
    },
  };
  const verifier = createVerifier({ issuer: 'https://ts.test', keys: [key.verificationKey], revocations });
  const token = sign('x');
  await verifier.verify(token);
  withdrawn.add('k1');
  await assert.rejects(verifier.verify(token), refusedWith('ERR_JWKS_NO_MATCHING_KEY'));
});

test('while the source is stale every token is refused with ERR_REVOCATIONS_UNAVAILABLE (503), then accepted again', async () => {
  let stale = false;
  const verifier = createVerifier({
    issuer: 'https://ts.test',
    keys: [key.verificationKey],
    revocations: { isRevoked: () => false, stale: () => stale },
  });
  const token = sign('y');
  await verifier.verify(token);
  stale = true;
  await assert.rejects(verifier.verify(token), (error: unknown) => {
    assert.ok(isTesseraError(error, 'ERR_REVOCATIONS_UNAVAILABLE'));
    assert.equal(error.status, 503);
    return true;
  });
  stale = false;
  await verifier.verify(token);
});

test('revocations must have isRevoked', () => {
  assert.throws(
    () => createVerifier({ keys: [key.verificationKey], revocations: {} as RevocationSource }),
    refusedWith('ERR_CONFIG_INVALID'),
  );
});
