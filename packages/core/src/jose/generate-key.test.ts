import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKey } from './generate-key.js';
import { calculateJwkThumbprint } from './jwk-thumbprint.js';
import { JWS_ALGORITHMS } from './algorithms.js';
import { isTesseraError } from '../errors/tessera-error.js';

test('generates every algorithm, kid = RFC 7638 thumbprint, public JWK without private members', () => {
  for (const alg of JWS_ALGORITHMS) {
    const key = generateKey(alg);
    assert.equal(key.alg, alg);
    assert.equal(key.signingKey.alg, alg);
    assert.equal(key.verificationKey.alg, alg);
    assert.equal(key.privateJwk.alg, alg);
    assert.equal(key.privateJwk.use, 'sig');
    assert.equal(key.kid, calculateJwkThumbprint(key.privateJwk));
    if (alg.startsWith('HS')) {
      assert.equal(key.publicJwk, undefined);
      assert.equal(Buffer.from(key.privateJwk.k!, 'base64url').length * 8, Number(alg.slice(2)));
    } else {
      assert.ok(key.publicJwk);
      for (const member of ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k'])
        assert.equal(key.publicJwk[member], undefined, `${alg} ${member}`);
      assert.equal(key.publicJwk.kid, key.kid);
      assert.equal(key.verificationKey.keyObject.type, 'public');
    }
  }
});

test('options: kid, modulusLength; bad options are refused', () => {
  assert.equal(generateKey('ES256', { kid: 'mine' }).kid, 'mine');
  assert.equal(
    generateKey('PS256', { modulusLength: 3072 }).verificationKey.keyObject.asymmetricKeyDetails?.modulusLength,
    3072,
  );
  const config = (e: unknown) => isTesseraError(e, 'ERR_CONFIG_INVALID');
  assert.throws(() => generateKey('RS256', { modulusLength: 1024 }), config);
  assert.throws(() => generateKey('none' as 'RS256'), config);
  assert.throws(() => generateKey('ES256', { kid: '' }), config);
  assert.throws(() => generateKey('ES256', { use: 'enc' as 'sig' }), config);
});
