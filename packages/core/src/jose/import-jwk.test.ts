import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSecretKey, generateKeyPairSync, randomBytes } from 'node:crypto';
import { importJwk, importSigningKey } from './import-jwk.js';
import { exportJwk, toPublicJwk } from './export-jwk.js';
import { exportPem, importPem } from './pem.js';
import { calculateJwkThumbprint } from './jwk-thumbprint.js';
import { isTesseraError } from '../errors/tessera-error.js';
import type { Jwk } from './types.js';

const invalid = (e: unknown) => isTesseraError(e, 'ERR_JWK_INVALID');
const rsa2048 = generateKeyPairSync('rsa', { modulusLength: 2048 });
const rsaPublic = rsa2048.publicKey.export({ format: 'jwk' }) as Jwk;
const rsaPrivate = rsa2048.privateKey.export({ format: 'jwk' }) as Jwk;
const p256 = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey.export({ format: 'jwk' }) as Jwk;
const p384 = generateKeyPairSync('ec', { namedCurve: 'secp384r1' }).publicKey.export({ format: 'jwk' }) as Jwk;
const ed = generateKeyPairSync('ed25519').privateKey.export({ format: 'jwk' }) as Jwk;

test('the algorithm comes from the option, the JWK, or the curve; RSA defaults to RS256', () => {
  assert.equal(importJwk({ ...rsaPublic, alg: 'PS384' }).alg, 'PS384');
  assert.equal(importJwk(rsaPublic, { alg: 'RS512' }).alg, 'RS512');
  assert.equal(importJwk(rsaPublic).alg, 'RS256');
  assert.equal(importJwk(p256).alg, 'ES256');
  assert.equal(importJwk(p384).alg, 'ES384');
  assert.equal(importJwk(ed).alg, 'EdDSA');
  assert.equal(importJwk({ kty: 'oct', k: randomBytes(32).toString('base64url'), alg: 'HS256' }).alg, 'HS256');
});

test('mismatches between key and algorithm are refused', () => {
  assert.throws(() => importJwk({ ...rsaPublic, alg: 'RS256' }, { alg: 'PS256' }), invalid); // JWK alg vs option
  assert.throws(() => importJwk(p256, { alg: 'ES384' }), invalid); // curve vs alg
  assert.throws(() => importJwk({ ...p384, alg: 'ES256' }), invalid);
  assert.throws(() => importJwk(rsaPublic, { alg: 'ES256' }), invalid); // kty vs alg
  assert.throws(() => importJwk(p256, { alg: 'HS256' }), invalid);
  assert.throws(() => importJwk({ ...rsaPublic, alg: 'none' }), invalid);
  assert.throws(() => importJwk({ ...rsaPublic, alg: 'RSA-OAEP' }), invalid);
  assert.throws(() => importJwk({ kty: 'oct', k: randomBytes(32).toString('base64url') }), invalid); // HMAC needs alg
  assert.throws(() => importJwk({ kty: 'OKP', crv: 'X25519', x: ed.x }), invalid);
  assert.throws(() => importJwk({ kty: 'EC', crv: 'secp256k1', x: p256.x, y: p256.y }), invalid);
});

test('weak keys are refused: RSA under 2048 bits, HMAC secrets shorter than the hash', () => {
  const rsa1024 = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({ format: 'jwk' }) as Jwk;
  assert.throws(
    () => importJwk(rsa1024),
    (e) => invalid(e) && /2048/.test((e as Error).message),
  );
  assert.throws(() => importJwk({ kty: 'oct', k: randomBytes(31).toString('base64url'), alg: 'HS256' }), invalid);
  assert.throws(() => importJwk({ kty: 'oct', k: randomBytes(47).toString('base64url'), alg: 'HS384' }), invalid);
  assert.equal(importJwk({ kty: 'oct', k: randomBytes(64).toString('base64url'), alg: 'HS512' }).alg, 'HS512');
  assert.throws(() => importSigningKey(randomBytes(16), 'HS256'), invalid);
  assert.throws(
    () => importSigningKey(generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey, 'RS256'),
    invalid,
  );
});

test('use and key_ops must allow signatures', () => {
  assert.throws(() => importJwk({ ...rsaPublic, use: 'enc' }), invalid);
  assert.throws(() => importJwk({ ...rsaPublic, key_ops: ['encrypt'] }), invalid);
  assert.throws(() => importJwk({ ...rsaPublic, key_ops: 'verify' as unknown as string[] }), invalid);
  assert.equal(importJwk({ ...rsaPublic, use: 'sig', key_ops: ['verify'] }).alg, 'RS256');
  assert.throws(() => importSigningKey({ ...rsaPrivate, key_ops: ['verify'] }, 'RS256'), invalid);
});

test('malformed members are refused: not base64url, wrong coordinate length, off-curve point', () => {
  assert.throws(() => importJwk({ ...rsaPublic, n: `${rsaPublic.n}=` }), invalid);
  assert.throws(() => importJwk({ ...rsaPublic, e: 'AQAB ' }), invalid);
  assert.throws(() => importJwk({ ...rsaPublic, n: undefined }), invalid);
  assert.throws(
    () =>
      importJwk({
        ...p256,
        x: Buffer.concat([Buffer.alloc(1), Buffer.from(p256.x!, 'base64url')]).toString('base64url'),
      }),
    invalid,
  );
  const y = Buffer.from(p256.y!, 'base64url');
  y[31]! ^= 1;
  assert.throws(() => importJwk({ ...p256, y: y.toString('base64url') }), invalid);
  assert.throws(() => importJwk({ kty: 'XYZ' }), invalid);
  assert.throws(() => importJwk(null as unknown as Jwk), invalid);
  assert.throws(() => importJwk([] as unknown as Jwk), invalid);
  assert.throws(() => importJwk({ ...rsaPublic, kid: 7 } as unknown as Jwk), invalid);
});

test('private members are stripped from the stored JWK; kid is kept or overridden', () => {
  const key = importJwk({ ...rsaPrivate, kid: 'r1' });
  assert.deepEqual(Object.keys(key.jwk).sort(), ['alg', 'e', 'kid', 'kty', 'n', 'use']);
  assert.equal(key.keyObject.type, 'public');
  assert.equal(key.kid, 'r1');
  assert.equal(importJwk({ ...p256, kid: 'a' }, { kid: 'b' }).kid, 'b');
  const ec = importJwk(p256);
  assert.equal(ec.jwk.d, undefined);
  assert.ok(Object.isFrozen(ec) && Object.isFrozen(ec.jwk));
});

test('importSigningKey takes JWK, PEM, KeyObject and bytes, but never a string as an HMAC secret', () => {
  assert.equal(importSigningKey({ ...rsaPrivate, kid: 'k' }, 'PS256').kid, 'k');
  assert.equal(importSigningKey(exportPem(rsa2048.privateKey), 'RS384', { kid: 'pem' }).alg, 'RS384');
  assert.equal(importSigningKey(p256, 'ES256').keyObject.type, 'private');
  assert.equal(importSigningKey(ed, 'EdDSA').alg, 'EdDSA');
  assert.equal(importSigningKey(createSecretKey(randomBytes(32)), 'HS256').alg, 'HS256');
  assert.throws(() => importSigningKey('a-very-long-shared-secret-string-0123456789', 'HS256'), invalid);
  assert.throws(() => importSigningKey(exportPem(rsa2048.publicKey), 'HS256'), invalid); // the alg-confusion key
  assert.throws(() => importSigningKey(rsaPublic, 'RS256'), invalid); // no d
  assert.throws(() => importSigningKey(rsa2048.publicKey, 'RS256'), invalid);
  assert.throws(() => importSigningKey(p256, 'ES384'), invalid);
  assert.throws(() => importSigningKey('not pem', 'RS256'), invalid);
  assert.throws(
    () => importSigningKey('-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----', 'RS256'),
    invalid,
  );
  assert.throws(() => importSigningKey(randomBytes(32), 'RS256'), invalid);
  assert.throws(() => importSigningKey(rsaPrivate, 'none' as 'RS256'), invalid);
});

test('PEM and JWK export round-trip', () => {
  const signing = importSigningKey(rsaPrivate, 'RS256', { kid: 'x' });
  const pub = importPem(exportPem(signing), 'RS256', { kid: 'x' });
  assert.equal(pub.jwk.n, rsaPublic.n);
  assert.match(exportPem(signing), /BEGIN PRIVATE KEY/);
  assert.match(exportPem(pub), /BEGIN PUBLIC KEY/);
  assert.deepEqual(toPublicJwk(signing), {
    kty: 'RSA',
    n: rsaPublic.n,
    e: rsaPublic.e,
    kid: 'x',
    use: 'sig',
    alg: 'RS256',
  });
  const exported = exportJwk(signing);
  assert.equal(exported.d, rsaPrivate.d);
  assert.equal(exported.kid, 'x');
  assert.equal(exportJwk(pub).d, undefined);
  assert.throws(() => importPem('garbage', 'RS256'), invalid);
  assert.throws(() => importPem(exportPem(rsa2048.publicKey), 'ES256'), invalid);
  assert.throws(() => exportPem(createSecretKey(randomBytes(32))), invalid);
  assert.throws(() => toPublicJwk(importSigningKey(randomBytes(32), 'HS256')), invalid);
});

test('RFC 7638 / RFC 8037 thumbprints', () => {
  // RFC 8037 Appendix A.3: the thumbprint of the A.1 Ed25519 key.
  assert.equal(
    calculateJwkThumbprint({ kty: 'OKP', crv: 'Ed25519', x: '11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo' }),
    'kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k',
  );
  // Private members and member order do not matter.
  const { d: _d, ...pub } = p256;
  assert.equal(
    calculateJwkThumbprint(p256),
    calculateJwkThumbprint({ y: pub.y, x: pub.x, kty: 'EC', crv: 'P-256', kid: 'ignored' }),
  );
  assert.notEqual(calculateJwkThumbprint(p256, 'sha384'), calculateJwkThumbprint(p256));
  assert.throws(() => calculateJwkThumbprint({ kty: 'RSA', n: 'x' }), invalid);
  assert.throws(() => calculateJwkThumbprint({ kty: 'foo' }), invalid);
});
