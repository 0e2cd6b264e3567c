import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ALGORITHMS, JWS_ALGORITHMS, getAlgorithm, isJwsAlgorithm } from './algorithms.js';

test('the table covers the 14 algorithms with the RFC 7518 and RFC 9864 parameters', () => {
  assert.deepEqual([...JWS_ALGORITHMS].sort(), [
    'ES256',
    'ES384',
    'ES512',
    'Ed25519',
    'EdDSA',
    'HS256',
    'HS384',
    'HS512',
    'PS256',
    'PS384',
    'PS512',
    'RS256',
    'RS384',
    'RS512',
  ]);
  assert.equal(ALGORITHMS.ES512.signatureLength, 132);
  assert.equal(ALGORITHMS.ES512.crv, 'P-521');
  assert.equal(ALGORITHMS.PS384.hashLength, 48);
  assert.equal(ALGORITHMS.RS256.minKeyBits, 2048);
  assert.equal(ALGORITHMS.HS512.minKeyBits, 512);
  assert.equal(ALGORITHMS.EdDSA.hash, undefined);
  // RFC 9864: Ed25519 is exactly EdDSA on the Ed25519 curve.
  assert.deepEqual({ ...ALGORITHMS.Ed25519, alg: 'EdDSA' }, { ...ALGORITHMS.EdDSA });
  assert.equal(ALGORITHMS.Ed25519.crv, 'Ed25519');
});

test('none, other spellings and prototype names are not algorithms', () => {
  for (const name of [
    'none',
    'None',
    'NONE',
    'rs256',
    'HS256 ',
    '__proto__',
    'constructor',
    'toString',
    '',
    'ES256K',
    'ed25519',
    'Ed448',
  ]) {
    assert.equal(isJwsAlgorithm(name), false, name);
    assert.equal(getAlgorithm(name), undefined, name);
  }
  assert.equal(getAlgorithm(256), undefined);
  assert.ok(Object.isFrozen(ALGORITHMS) && Object.isFrozen(ALGORITHMS.RS256));
});
