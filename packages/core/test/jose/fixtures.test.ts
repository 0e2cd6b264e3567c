// The committed fixtures (fixtures/generate.ts) stay consistent: every token gets the outcome
// written beside it, and every private key matches its public half in jwks.json.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  calculateJwkThumbprint,
  createLocalJwks,
  createVerifier,
  decodeJwt,
  importSigningKey,
  isTesseraError,
  JWS_ALGORITHMS,
  signJwt,
  type Jwk,
  type JwsAlgorithm,
} from '@tessera/core';
import { FIXTURE_AUDIENCE, FIXTURE_ISSUER, FIXTURE_NOW, FIXTURE_TOKENS } from './fixtures/tokens.js';

const jwksPath = fileURLToPath(new URL('./fixtures/jwks.json', import.meta.url));
const privateKeys = JSON.parse(readFileSync(new URL('./fixtures/keys.json', import.meta.url), 'utf8')) as Record<
  JwsAlgorithm,
  Jwk
>;

test('every fixture token gets the outcome written beside it', async () => {
  const keys = createLocalJwks({ path: jwksPath });
  assert.equal(keys.dropped.length, 0);
  assert.equal(keys.keys.length, JWS_ALGORITHMS.length);
  const verifier = createVerifier({
    issuer: FIXTURE_ISSUER,
    audience: FIXTURE_AUDIENCE,
    keys,
    clock: () => FIXTURE_NOW * 1000,
  });
  for (const [name, { token, expect }] of Object.entries(FIXTURE_TOKENS)) {
    if (expect === 'valid') {
      assert.equal((await verifier.verify(token)).payload.iss, FIXTURE_ISSUER, name);
    } else {
      await assert.rejects(verifier.verify(token), (e) => isTesseraError(e, expect), name);
    }
  }
  assert.equal(decodeJwt(FIXTURE_TOKENS.at_jwt_ES256.token).header.typ, 'at+jwt');
});

test('every private fixture key signs tokens its public JWK verifies', async () => {
  const verifier = createVerifier({
    issuer: FIXTURE_ISSUER,
    keys: createLocalJwks({ path: jwksPath }),
    clock: () => FIXTURE_NOW * 1000,
  });
  for (const alg of JWS_ALGORITHMS) {
    const jwk = privateKeys[alg];
    assert.equal(jwk.alg, alg);
    const key = importSigningKey(jwk, alg);
    const token = signJwt({ iss: FIXTURE_ISSUER }, key, { expiresIn: 60, clock: () => FIXTURE_NOW * 1000 });
    assert.equal((await verifier.verify(token)).key.kid, jwk.kid);
    assert.notEqual(calculateJwkThumbprint(jwk), '');
  }
});
