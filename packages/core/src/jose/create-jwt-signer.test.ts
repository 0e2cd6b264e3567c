// createJwtSigner against jose (dev dependency) as the reference: for every algorithm core supports,
// tokens from sign() and signAsync() verify in jose and in Tessera, and jose's tokens verify in
// Tessera; the key checks refuse what RFC 8725 / RFC 7518 forbid, when the signer is made.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSecretKey, generateKeyPairSync } from 'node:crypto';
import * as jose from 'jose';
import { isTesseraError } from '../errors/tessera-error.js';
import { JWS_ALGORITHMS } from './algorithms.js';
import { createJwtSigner } from './create-jwt-signer.js';
import { createVerifier } from './create-verifier.js';
import { decodeJwt } from './decode-jwt.js';
import { generateKey } from './generate-key.js';
import { signJwt } from './sign-jwt.js';
import type { JwtPayload, SigningKey } from './types.js';

const ISS = 'https://issuer.signer';
const AUD = 'signer-api';
const NOW = 1_800_000_000_000;
const clock = () => NOW;
// Deterministic signature schemes: the same input gives the same signature (RSA-PSS and ECDSA are
// randomized, so only their header and payload can be compared byte for byte).
const DETERMINISTIC = /^(RS|HS)|^EdDSA$/;

for (const alg of JWS_ALGORITHMS) {
  test(`${alg}: sign and signAsync verify in jose and Tessera, jose's tokens verify in Tessera`, async () => {
    const key = generateKey(alg, { kid: `k-${alg}` });
    const isHmac = alg.startsWith('HS');
    const josePublic = await jose.importJWK(isHmac ? key.privateJwk : key.publicJwk!, alg);
    const josePrivate = await jose.importJWK(key.privateJwk, alg);
    const verifier = createVerifier({ issuer: ISS, audience: AUD, keys: [key.verificationKey], clock, cache: false });
    const signer = createJwtSigner(key.signingKey, { issuer: ISS, audience: AUD, expiresIn: '5m', clock });
    assert.equal(signer.alg, alg);
    assert.equal(signer.kid, `k-${alg}`);

    const payload = { sub: 'svc-a', scope: 'read write', n: 1 };
    const sync = signer.sign(payload);
    const async = await signer.signAsync(payload);
    const [syncHeader, syncPayload] = sync.split('.');
    const [asyncHeader, asyncPayload] = async.split('.');
    assert.equal(asyncHeader, syncHeader, 'same protected header');
    assert.equal(asyncPayload, syncPayload, 'same claims');
    if (DETERMINISTIC.test(alg)) assert.equal(async, sync, 'a deterministic algorithm gives the same token');

    const expected = {
      header: { alg, kid: `k-${alg}`, typ: 'JWT' },
      payload: { ...payload, iss: ISS, aud: AUD, iat: NOW / 1000, exp: NOW / 1000 + 300 },
    };
    for (const token of [sync, async]) {
      const theirs = await jose.jwtVerify(token, josePublic, {
        issuer: ISS,
        audience: AUD,
        algorithms: [alg],
        currentDate: new Date(NOW), // the injected clock, never the real one
      });
      assert.deepEqual(theirs.protectedHeader, expected.header);
      assert.deepEqual(theirs.payload, expected.payload);
      const ours = verifier.verifySync(token);
      assert.deepEqual({ header: ours.header, payload: ours.payload }, expected);
    }

    // jose signs, Tessera verifies.
    const fromJose = await new jose.SignJWT(payload)
      .setProtectedHeader({ alg, kid: `k-${alg}`, typ: 'JWT' })
      .setIssuer(ISS)
      .setAudience(AUD)
      .setIssuedAt(NOW / 1000)
      .setExpirationTime(NOW / 1000 + 300)
      .sign(josePrivate);
    assert.deepEqual(verifier.verifySync(fromJose).payload, expected.payload);
  });
}

test('signJwt gives the token a signer with the same options gives', () => {
  for (const alg of ['RS256', 'EdDSA', 'HS256'] as const) {
    const { signingKey } = generateKey(alg, { kid: 'same' });
    const options = {
      issuer: ISS,
      subject: 'svc',
      audience: [AUD, 'other'],
      jwtId: 'j1',
      notBefore: 0,
      expiresIn: 60,
      clock,
    };
    assert.equal(createJwtSigner(signingKey, options).sign({ x: 1 }), signJwt({ x: 1 }, signingKey, options));
  }
});

test('header and claim options', async () => {
  const { signingKey } = generateKey('ES256', { kid: 'k1' });
  const bare = createJwtSigner(signingKey, { kid: null, typ: null, issuedAt: false });
  assert.equal(bare.kid, undefined);
  const { header, payload } = decodeJwt(bare.sign({ a: 1 }));
  assert.deepEqual({ header, payload }, { header: { alg: 'ES256' }, payload: { a: 1 } });
  const custom = createJwtSigner(signingKey, { kid: 'other', typ: 'at+jwt', header: { cty: 'x' }, clock });
  const decoded = decodeJwt(await custom.signAsync({ iat: 5 }));
  assert.deepEqual(decoded.header, { alg: 'ES256', kid: 'other', typ: 'at+jwt', cty: 'x' });
  assert.deepEqual(decoded.payload, { iat: 5 }, 'an iat in the payload is kept unless issuedAt is true');
  const always = createJwtSigner(signingKey, { issuedAt: true, clock });
  assert.equal(decodeJwt(always.sign({ iat: 5 })).payload.iat, NOW / 1000);
  // The clock is read at each signature, not when the signer is made.
  let now = NOW;
  const ticking = createJwtSigner(signingKey, { expiresIn: '1m', clock: () => now });
  now += 10_000;
  assert.equal(decodeJwt(ticking.sign({})).payload.exp, NOW / 1000 + 70);
});

test('the key and the options are checked when the signer is made', () => {
  const config = (e: unknown) => isTesseraError(e, 'ERR_CONFIG_INVALID');
  const badKey = (e: unknown) => isTesseraError(e, 'ERR_JWK_INVALID');
  const es256 = generateKey('ES256');
  assert.throws(() => createJwtSigner(es256.signingKey, { alg: 'RS256' }), config);
  assert.throws(() => createJwtSigner(es256.signingKey, { expiresIn: '5 years' }), config);
  assert.throws(() => createJwtSigner(es256.signingKey, { notBefore: -1 }), config);
  assert.throws(() => createJwtSigner(es256.signingKey, { header: { alg: 'none' } }), config);
  assert.throws(() => createJwtSigner(es256.signingKey, { header: { jku: 'https://evil' } }), config);
  assert.throws(() => createJwtSigner(es256.signingKey, { clock: 5 as never }), config);
  assert.throws(
    () => createJwtSigner({ alg: 'none' as never, kid: undefined, keyObject: es256.signingKey.keyObject }),
    config,
  );

  const publicOnly: SigningKey = { alg: 'ES256', kid: undefined, keyObject: es256.verificationKey.keyObject };
  assert.throws(() => createJwtSigner(publicOnly), badKey, 'a public key cannot sign');
  const p384 = generateKey('ES384').signingKey.keyObject;
  assert.throws(() => createJwtSigner({ alg: 'ES256', kid: undefined, keyObject: p384 }), badKey, 'curve must fit');
  const rsa1024 = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey;
  assert.throws(() => createJwtSigner({ alg: 'RS256', kid: undefined, keyObject: rsa1024 }), badKey, 'RSA < 2048');
  const shortSecret = createSecretKey(Buffer.alloc(16, 1));
  assert.throws(() => createJwtSigner({ alg: 'HS256', kid: undefined, keyObject: shortSecret }), badKey, 'HMAC < 32 B');
  const rsa = generateKey('RS256').signingKey.keyObject;
  assert.throws(() => createJwtSigner({ alg: 'EdDSA', kid: undefined, keyObject: rsa }), badKey, 'type must fit');
});

test('a payload it cannot sign honestly: sign throws, signAsync rejects', async () => {
  const signer = createJwtSigner(generateKey('RS256').signingKey);
  const config = (e: unknown) => isTesseraError(e, 'ERR_CONFIG_INVALID');
  for (const payload of [[], null, { exp: Infinity }, { iat: '1' }, { big: 10n }] as unknown as JwtPayload[]) {
    assert.throws(() => signer.sign(payload), config);
    const pending = signer.signAsync(payload);
    assert.ok(pending instanceof Promise, 'no synchronous throw');
    await assert.rejects(pending, config);
  }
});
