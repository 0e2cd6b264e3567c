// A withdrawn key never verifies through the wrapped source: named by kid, or tried because the
// token has no kid; the version moves with each withdrawal, so verifiers drop their cached results.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isTesseraError } from '../errors/tessera-error.js';
import { createVerifier } from './create-verifier.js';
import { excludeWithdrawnKeys } from './exclude-withdrawn-keys.js';
import { generateKey } from './generate-key.js';
import { createLocalJwks } from './local-jwks.js';
import { signJwt } from './sign-jwt.js';

test('a withdrawn kid stops verifying at once, with or without a kid in the token, cached results included', async () => {
  const stolen = generateKey('ES256', { kid: 'stolen' });
  const good = generateKey('ES256', { kid: 'good' });
  const withdrawn = new Set<string>();
  let version = 0;
  const source = excludeWithdrawnKeys(createLocalJwks({ keys: [stolen.publicJwk, good.publicJwk] }), {
    has: (kid) => withdrawn.has(kid),
    get version() {
      return version;
    },
  });
  const verifier = createVerifier({ issuer: 'https://ts', keys: source });
  const exp = Math.floor(Date.now() / 1000) + 300;
  const named = signJwt({ iss: 'https://ts', exp }, stolen.signingKey);
  const kidless = signJwt({ iss: 'https://ts', exp }, stolen.signingKey, { kid: null });
  const other = signJwt({ iss: 'https://ts', exp }, good.signingKey);
  for (const token of [named, kidless, other]) assert.ok(await verifier.verify(token));
  assert.ok(verifier.cache !== undefined && verifier.cache.size > 0, 'results are cached');

  withdrawn.add('stolen');
  version += 1;
  for (const token of [named, kidless])
    await assert.rejects(verifier.verify(token), (e) => isTesseraError(e) && /KEY|SIGNATURE/.test(e.code));
  assert.ok(await verifier.verify(other), 'other keys still verify');
});
