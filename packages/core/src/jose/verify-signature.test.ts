import { test } from 'node:test';
import assert from 'node:assert/strict';
import { constants, createSecretKey, generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import { verifySignature } from './verify-signature.js';
import { generateKey } from './generate-key.js';
import { signJwt } from './sign-jwt.js';
import { JWS_ALGORITHMS } from './algorithms.js';
import { isTesseraError } from '../errors/tessera-error.js';

const data = Buffer.from('eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJhIn0');
const notAllowed = (e: unknown) => isTesseraError(e, 'ERR_JWT_ALG_NOT_ALLOWED');

test('accepts what signJwt makes for every algorithm, and nothing altered', () => {
  for (const alg of JWS_ALGORITHMS) {
    const key = generateKey(alg);
    const [h, p, s] = signJwt({ sub: 'a' }, key.signingKey).split('.') as [string, string, string];
    const input = Buffer.from(`${h}.${p}`);
    const signature = Buffer.from(s, 'base64url');
    assert.equal(verifySignature(alg, key.verificationKey.keyObject, input, signature), true, alg);
    const flipped = Buffer.from(signature);
    flipped[flipped.length - 1]! ^= 1;
    assert.equal(verifySignature(alg, key.verificationKey.keyObject, input, flipped), false, alg);
    assert.equal(
      verifySignature(alg, key.verificationKey.keyObject, Buffer.concat([input, Buffer.from('x')]), signature),
      false,
      alg,
    );
    assert.equal(
      verifySignature(alg, key.verificationKey.keyObject, input, signature.subarray(0, signature.length - 1)),
      false,
      alg,
    );
    assert.equal(
      verifySignature(alg, key.verificationKey.keyObject, input, Buffer.concat([signature, Buffer.alloc(1)])),
      false,
      alg,
    );
    assert.equal(verifySignature(alg, key.verificationKey.keyObject, input, Buffer.alloc(0)), false, alg);
  }
});

test('ECDSA: a DER signature is refused, only raw R‖S of the exact length (RFC 7518 §3.4)', () => {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const der = sign('sha256', data, privateKey); // node:crypto's default encoding
  const raw = sign('sha256', data, { key: privateKey, dsaEncoding: 'ieee-p1363' });
  assert.equal(verifySignature('ES256', publicKey, data, raw), true);
  assert.equal(verifySignature('ES256', publicKey, data, der), false);
});

test('the key must fit the algorithm: curve, type, RSA size (RFC 8725 §3.1)', () => {
  const p384 = generateKeyPairSync('ec', { namedCurve: 'secp384r1' });
  const raw384 = sign('sha256', data, { key: p384.privateKey, dsaEncoding: 'ieee-p1363' });
  assert.throws(() => verifySignature('ES256', p384.publicKey, data, raw384), notAllowed); // node:crypto would accept this
  const rsa1024 = generateKeyPairSync('rsa', { modulusLength: 1024 });
  assert.throws(
    () => verifySignature('RS256', rsa1024.publicKey, data, sign('sha256', data, rsa1024.privateKey)),
    notAllowed,
  );
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
  assert.throws(() => verifySignature('ES256', rsa.publicKey, data, Buffer.alloc(64)), notAllowed);
  assert.throws(() => verifySignature('EdDSA', rsa.publicKey, data, Buffer.alloc(64)), notAllowed);
  assert.throws(() => verifySignature('HS256', rsa.publicKey, data, Buffer.alloc(32)), notAllowed);
  assert.throws(() => verifySignature('RS256', createSecretKey(randomBytes(32)), data, Buffer.alloc(256)), notAllowed);
  assert.throws(() => verifySignature('none' as 'RS256', rsa.publicKey, data, Buffer.alloc(0)), notAllowed);
});

test('RSA-PSS: the salt length is pinned to the hash length (RFC 7518 §3.5)', () => {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const pss = (saltLength: number) =>
    sign('sha256', data, { key: privateKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength });
  assert.equal(verifySignature('PS256', publicKey, data, pss(32)), true);
  assert.equal(verifySignature('PS256', publicKey, data, pss(0)), false);
  assert.equal(verifySignature('PS256', publicKey, data, pss(64)), false);
  // PKCS#1 v1.5 and PSS never stand in for each other.
  assert.equal(verifySignature('RS256', publicKey, data, pss(32)), false);
  assert.equal(verifySignature('PS256', publicKey, data, sign('sha256', data, privateKey)), false);
});

test('HMAC: a truncated tag never verifies', () => {
  const secret = createSecretKey(randomBytes(32));
  const key = { ...generateKey('HS256'), signingKey: { alg: 'HS256' as const, kid: undefined, keyObject: secret } };
  const [h, p, s] = signJwt({}, key.signingKey).split('.') as [string, string, string];
  const tag = Buffer.from(s, 'base64url');
  assert.equal(verifySignature('HS256', secret, Buffer.from(`${h}.${p}`), tag), true);
  assert.equal(verifySignature('HS256', secret, Buffer.from(`${h}.${p}`), tag.subarray(0, 16)), false);
  assert.equal(verifySignature('HS384', secret, Buffer.from(`${h}.${p}`), tag), false);
});
