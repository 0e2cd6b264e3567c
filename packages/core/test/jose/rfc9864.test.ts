// RFC 9864 (fully-specified JOSE algorithms): `Ed25519` is signed, verified, generated and
// published; the deprecated `EdDSA` keeps verifying; a key's declared alg is kept strictly
// (RFC 8725 §3.1); and jose, the reference library, agrees in both directions.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as jose from 'jose';
import {
  createJwtSigner,
  createVerifier,
  exportJwks,
  generateKey,
  importJwk,
  importSigningKey,
  isTesseraError,
  signJwt,
  toPublicJwk,
  type Jwk,
  type VerifierOptions,
} from '@tessera/core';

const NOW = 1_800_000_000_000;
const clock = () => NOW;
const ISS = 'https://issuer.rfc9864';
const AUD = 'api';
const ed = generateKey('Ed25519', { kid: 'ed' });
const legacy = generateKey('EdDSA', { kid: 'legacy' });

const header = (token: string) => JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString()) as Jwk;
const sign = (key = ed.signingKey, kid?: string) =>
  signJwt({ iss: ISS, aud: AUD }, kid === undefined ? key : { ...key, kid }, { expiresIn: 300, clock });
const verifier = (keys: VerifierOptions['keys'], algorithms?: VerifierOptions['algorithms']) =>
  createVerifier({ issuer: ISS, audience: AUD, keys, clock, ...(algorithms ? { algorithms } : {}) });
async function rejects(promise: Promise<unknown>, code: string): Promise<void> {
  await assert.rejects(promise, (error: unknown) => isTesseraError(error) && error.code === code);
}
/** The public JWK with no `alg` (as many published sets have it). */
function withoutAlg(jwk: Jwk): Jwk {
  const { alg: _alg, ...rest } = jwk;
  return rest;
}

test("generateKey('Ed25519') makes an OKP Ed25519 key declared alg Ed25519, in JWK and JWKS", () => {
  assert.equal(ed.alg, 'Ed25519');
  assert.deepEqual(
    { kty: ed.publicJwk.kty, crv: ed.publicJwk.crv, alg: ed.publicJwk.alg, use: ed.publicJwk.use },
    { kty: 'OKP', crv: 'Ed25519', alg: 'Ed25519', use: 'sig' },
  );
  assert.equal(ed.privateJwk.alg, 'Ed25519');
  assert.equal(toPublicJwk(ed.signingKey).alg, 'Ed25519');
  const [published] = exportJwks([ed.verificationKey]).keys;
  assert.equal(published!.alg, 'Ed25519');
  assert.equal(published!.crv, 'Ed25519');
  assert.equal(published!.d, undefined);
  assert.equal(importJwk(published!).alg, 'Ed25519');
});

test('signJwt and createJwtSigner write alg Ed25519', async () => {
  assert.equal(header(sign()).alg, 'Ed25519');
  const signer = createJwtSigner(ed.signingKey, { issuer: ISS, audience: AUD, expiresIn: 60, clock });
  assert.equal(header(signer.sign({})).alg, 'Ed25519');
  assert.equal(header(await signer.signAsync({})).alg, 'Ed25519');
  // A private JWK declared Ed25519 imports for Ed25519 only.
  assert.equal(importSigningKey(ed.privateJwk, 'Ed25519').alg, 'Ed25519');
  assert.throws(
    () => importSigningKey(ed.privateJwk, 'EdDSA'),
    (e: unknown) => isTesseraError(e, 'ERR_JWK_INVALID'),
  );
});

test('Ed25519 means the Ed25519 curve only', () => {
  const ec = generateKey('ES256');
  assert.throws(
    () => importJwk({ ...ec.publicJwk, alg: 'Ed25519' }),
    (e: unknown) => isTesseraError(e, 'ERR_JWK_INVALID'),
  );
  assert.throws(
    () => importJwk({ ...ed.publicJwk, crv: 'Ed448' }),
    (e: unknown) => isTesseraError(e, 'ERR_JWK_INVALID'),
  );
  assert.throws(
    () => importSigningKey(ec.signingKey.keyObject, 'Ed25519'),
    (e: unknown) => isTesseraError(e, 'ERR_JWK_INVALID') && /Ed25519 needs an Ed25519 key/.test(e.message),
  );
});

test('a key declared Ed25519 verifies Ed25519 tokens and never EdDSA ones (strict binding)', async () => {
  const { payload } = await verifier([ed.verificationKey]).verify(sign());
  assert.equal(payload.iss, ISS);
  // The same key material, signed under the polymorphic name: refused, the key decides.
  const asEdDsa = sign(importSigningKey(ed.signingKey.keyObject, 'EdDSA', { kid: 'ed' }));
  assert.equal(header(asEdDsa).alg, 'EdDSA');
  await rejects(verifier([ed.verificationKey]).verify(asEdDsa), 'ERR_JWT_ALG_NOT_ALLOWED');
});

test('a key declared EdDSA keeps verifying EdDSA tokens and refuses Ed25519 ones', async () => {
  assert.equal(legacy.publicJwk.alg, 'EdDSA');
  await verifier([legacy.verificationKey]).verify(sign(legacy.signingKey));
  const asEd25519 = sign(importSigningKey(legacy.signingKey.keyObject, 'Ed25519', { kid: 'legacy' }));
  await rejects(verifier([legacy.verificationKey]).verify(asEd25519), 'ERR_JWT_ALG_NOT_ALLOWED');
});

test('an OKP Ed25519 JWK without alg verifies Ed25519 and EdDSA tokens, with or without kid', async () => {
  const jwks = { keys: [withoutAlg(ed.publicJwk)] };
  const asEdDsa = importSigningKey(ed.signingKey.keyObject, 'EdDSA', { kid: 'ed' });
  for (const token of [sign(), sign(asEdDsa)]) {
    await verifier(jwks).verify(token);
    await verifier([importJwk(withoutAlg(ed.publicJwk))]).verify(token);
  }
  const kidless = signJwt({ iss: ISS, aud: AUD }, { ...ed.signingKey, kid: undefined }, { expiresIn: 300, clock });
  assert.equal(header(kidless).kid, undefined);
  await verifier(jwks).verify(kidless);
  // Only when the allow-list lets Ed25519 in.
  await rejects(verifier(jwks, ['EdDSA']).verify(sign()), 'ERR_JWT_ALG_NOT_ALLOWED');
  await verifier(jwks, ['Ed25519']).verify(sign());
  // Asking for EdDSA at import is a declaration too: Ed25519 tokens are refused.
  await rejects(
    verifier([importJwk(withoutAlg(ed.publicJwk), { alg: 'EdDSA' })]).verify(sign()),
    'ERR_JWT_ALG_NOT_ALLOWED',
  );
});

test('jose agrees: Tessera signs Ed25519, jose verifies; jose signs Ed25519, Tessera verifies', async () => {
  const token = sign();
  const joseKey = await jose.importJWK(ed.publicJwk, 'Ed25519');
  const { protectedHeader } = await jose.jwtVerify(token, joseKey, {
    issuer: ISS,
    audience: AUD,
    algorithms: ['Ed25519'],
    currentDate: new Date(NOW),
  });
  assert.equal(protectedHeader.alg, 'Ed25519');

  const josePrivate = await jose.importJWK(ed.privateJwk, 'Ed25519');
  const fromJose = await new jose.SignJWT({})
    .setProtectedHeader({ alg: 'Ed25519', kid: 'ed' })
    .setIssuer(ISS)
    .setAudience(AUD)
    .setExpirationTime(NOW / 1000 + 300)
    .sign(josePrivate);
  const verified = await verifier([ed.verificationKey], ['Ed25519']).verify(fromJose);
  assert.equal(verified.header.alg, 'Ed25519');
  assert.equal(verified.key.kid, 'ed');
});
