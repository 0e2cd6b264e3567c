import { test } from 'node:test';
import assert from 'node:assert/strict';
import { signJwt } from './sign-jwt.js';
import { generateKey } from './generate-key.js';
import { decodeJwt } from './decode-jwt.js';
import { isTesseraError } from '../errors/tessera-error.js';
import type { JwtPayload } from './types.js';

const key = generateKey('ES256', { kid: 'k1' });
const clock = () => 1_800_000_000_500;

test('header: alg and kid from the key, typ JWT by default, overridable', () => {
  assert.deepEqual(decodeJwt(signJwt({}, key.signingKey)).header, { alg: 'ES256', kid: 'k1', typ: 'JWT' });
  assert.deepEqual(decodeJwt(signJwt({}, key.signingKey, { kid: null, typ: 'at+jwt' })).header, {
    alg: 'ES256',
    typ: 'at+jwt',
  });
  assert.deepEqual(decodeJwt(signJwt({}, key.signingKey, { kid: 'other', typ: null, header: { cty: 'x' } })).header, {
    alg: 'ES256',
    kid: 'other',
    cty: 'x',
  });
});

test('claims from options, numeric dates in whole seconds from the injected clock', () => {
  const token = signJwt({ scope: 'read', iss: 'overridden' }, key.signingKey, {
    issuer: 'https://ts',
    audience: ['a', 'b'],
    subject: 'svc',
    jwtId: 'j1',
    expiresIn: '5m',
    notBefore: 0,
    clock,
  });
  assert.deepEqual(decodeJwt(token).payload, {
    scope: 'read',
    iss: 'https://ts',
    sub: 'svc',
    aud: ['a', 'b'],
    jti: 'j1',
    iat: 1_800_000_000,
    nbf: 1_800_000_000,
    exp: 1_800_000_300,
  });
  assert.equal(decodeJwt(signJwt({ iat: 5 }, key.signingKey, { clock })).payload.iat, 5);
  assert.equal(decodeJwt(signJwt({}, key.signingKey, { issuedAt: false })).payload.iat, undefined);
  assert.equal(decodeJwt(signJwt({}, key.signingKey, { expiresIn: 90, clock })).payload.exp, 1_800_000_090);
  assert.equal(decodeJwt(signJwt({}, key.signingKey, { expiresIn: '2h', clock })).payload.exp, 1_800_007_200);
});

test('refuses what it cannot sign honestly', () => {
  const config = (e: unknown) => isTesseraError(e, 'ERR_CONFIG_INVALID');
  assert.throws(() => signJwt({}, key.signingKey, { alg: 'RS256' }), config);
  assert.throws(() => signJwt([] as unknown as JwtPayload, key.signingKey), config);
  assert.throws(() => signJwt({ exp: Infinity }, key.signingKey), config);
  assert.throws(() => signJwt({ exp: '1' as unknown as number }, key.signingKey), config);
  assert.throws(() => signJwt({}, key.signingKey, { expiresIn: '5 years' }), config);
  assert.throws(() => signJwt({}, key.signingKey, { expiresIn: -1 }), config);
  assert.throws(() => signJwt({}, key.signingKey, { header: { alg: 'none' } }), config);
  assert.throws(() => signJwt({}, key.signingKey, { header: { jku: 'https://evil' } }), config);
  assert.throws(() => signJwt({ big: 10n }, key.signingKey), config);
  const publicOnly = { alg: 'ES256' as const, kid: undefined, keyObject: key.verificationKey.keyObject };
  assert.throws(
    () => signJwt({}, publicOnly),
    (e) => isTesseraError(e, 'ERR_JWK_INVALID'),
  );
});

test('cached headers never mix up kid and typ', () => {
  const a = decodeJwt(signJwt({}, key.signingKey, { kid: 'x|+y', typ: 'z' })).header;
  const b = decodeJwt(signJwt({}, key.signingKey, { kid: 'x', typ: 'y|+z' })).header;
  assert.deepEqual(a, { alg: 'ES256', kid: 'x|+y', typ: 'z' });
  assert.deepEqual(b, { alg: 'ES256', kid: 'x', typ: 'y|+z' });
  assert.deepEqual(decodeJwt(signJwt({}, key.signingKey, { kid: null, typ: null })).header, { alg: 'ES256' });
  assert.deepEqual(decodeJwt(signJwt({}, key.signingKey, { kid: '-', typ: '-' })).header, {
    alg: 'ES256',
    kid: '-',
    typ: '-',
  });
});
