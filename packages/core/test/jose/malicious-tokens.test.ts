// The malicious-token table (issue 2, RFC 8725): each token is an attack or a malformation, and
// each must fail with its stable TesseraError code — never another exception, never a pass.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  constants,
  createHmac,
  createPrivateKey,
  generateKeyPairSync,
  randomBytes,
  sign,
  type KeyObject,
} from 'node:crypto';
import {
  createLocalJwks,
  createVerifier,
  exportPem,
  generateKey,
  isTesseraError,
  signJwt,
  type Jwk,
  type TesseraErrorCode,
} from '@tessera/core';

const NOW = 1_800_000_000;
const clock = () => NOW * 1000;
const ISS = 'https://issuer.test';
const AUD = 'orders';

const rsa = generateKey('RS256', { kid: 'rsa' });
const ec = generateKey('ES256', { kid: 'ec' });
const ec384 = generateKey('ES384', { kid: 'ec384' });
const attacker = generateKey('RS256', { kid: 'attacker' });
const partner = generateKey('ES256', { kid: 'partner' });
const rsa1024 = generateKeyPairSync('rsa', { modulusLength: 1024 });
const shortSecret = randomBytes(16);

const jwks = {
  keys: [
    rsa.publicJwk,
    ec.publicJwk,
    ec384.publicJwk,
    { ...(rsa1024.publicKey.export({ format: 'jwk' }) as Jwk), kid: 'weak', alg: 'RS256' }, // dropped: < 2048 bits
    { kty: 'oct', kid: 'short', alg: 'HS256', k: shortSecret.toString('base64url') }, // dropped: < 32 bytes
  ],
};
const keys = createLocalJwks(jwks);
const verifier = createVerifier({
  issuers: [
    { issuer: ISS, keys },
    { issuer: 'https://partner.test', keys: [partner.verificationKey] },
  ],
  audience: AUD,
  clock,
  cache: false,
});

const b64 = (text: string | Buffer) => Buffer.from(text).toString('base64url');
const claims = (extra: Record<string, unknown> = {}) =>
  JSON.stringify({ iss: ISS, aud: AUD, sub: 'svc', exp: NOW + 300, ...extra });

type Signer = (input: Buffer) => Buffer;
const rs256 =
  (key: KeyObject): Signer =>
  (input) =>
    sign('sha256', input, key);
const es =
  (key: KeyObject, hash = 'sha256', dsaEncoding: 'ieee-p1363' | 'der' = 'ieee-p1363'): Signer =>
  (input) =>
    sign(hash, input, { key, dsaEncoding });
const hs256 =
  (secret: Buffer | string): Signer =>
  (input) =>
    createHmac('sha256', secret).update(input).digest();

/** header and payload given as raw JSON text, so the table can say exactly what is sent. */
function forge(header: string, payload: string, signer: Signer = rs256(rsa.signingKey.keyObject)): string {
  const input = `${b64(header)}.${b64(payload)}`;
  return `${input}.${b64(signer(Buffer.from(input)))}`;
}
const good = forge('{"alg":"RS256","kid":"rsa"}', claims());
const [gh, gp, gs] = good.split('.') as [string, string, string];

const TABLE: [string, unknown, TesseraErrorCode][] = [
  // RFC 8725 §2.1: "none", in any spelling.
  ['alg none, empty signature', `${b64('{"alg":"none"}')}.${b64(claims())}.`, 'ERR_JWT_MALFORMED'],
  ['alg none with a signature', forge('{"alg":"none"}', claims()), 'ERR_JWT_ALG_NOT_ALLOWED'],
  ['alg None', forge('{"alg":"None","kid":"rsa"}', claims()), 'ERR_JWT_ALG_NOT_ALLOWED'],
  ['alg NONE', forge('{"alg":"NONE","kid":"rsa"}', claims()), 'ERR_JWT_ALG_NOT_ALLOWED'],
  ['alg nOnE', forge('{"alg":"nOnE"}', claims()), 'ERR_JWT_ALG_NOT_ALLOWED'],
  ['alg rs256 (case)', forge('{"alg":"rs256","kid":"rsa"}', claims()), 'ERR_JWT_ALG_NOT_ALLOWED'],
  ['alg missing', forge('{"kid":"rsa"}', claims()), 'ERR_JWT_MALFORMED'],
  ['alg not a string', forge('{"alg":["RS256"],"kid":"rsa"}', claims()), 'ERR_JWT_MALFORMED'],
  // RFC 8725 §2.1: algorithm confusion, the RSA public key used as an HMAC secret.
  [
    'RS256→HS256 swap, public PEM as secret, kid of the RSA key',
    forge('{"alg":"HS256","kid":"rsa"}', claims(), hs256(exportPem(rsa.verificationKey))),
    'ERR_JWT_ALG_NOT_ALLOWED',
  ],
  [
    'RS256→HS256 swap, JWK n as secret, no kid',
    forge('{"alg":"HS256"}', claims(), hs256(Buffer.from(rsa.publicJwk.n!, 'base64url'))),
    'ERR_JWKS_NO_MATCHING_KEY',
  ],
  [
    'RS256→PS256 swap, same key',
    forge('{"alg":"PS256","kid":"rsa"}', claims(), (i) =>
      sign('sha256', i, { key: rsa.signingKey.keyObject, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 }),
    ),
    'ERR_JWT_ALG_NOT_ALLOWED',
  ],
  // RFC 8725 §3.4: the curve must match; node:crypto would verify this one.
  [
    'ES256 header with the P-384 key',
    forge('{"alg":"ES256","kid":"ec384"}', claims(), es(ec384.signingKey.keyObject)),
    'ERR_JWT_ALG_NOT_ALLOWED',
  ],
  [
    'ES256 signature in DER',
    forge('{"alg":"ES256","kid":"ec"}', claims(), es(ec.signingKey.keyObject, 'sha256', 'der')),
    'ERR_JWT_SIGNATURE_INVALID',
  ],
  [
    'ES256 R‖S with a zero byte appended',
    forge('{"alg":"ES256","kid":"ec"}', claims(), (i) =>
      Buffer.concat([es(ec.signingKey.keyObject)(i), Buffer.alloc(1)]),
    ),
    'ERR_JWT_SIGNATURE_INVALID',
  ],
  [
    'ES256 with r = s = 0',
    forge('{"alg":"ES256","kid":"ec"}', claims(), () => Buffer.alloc(64)),
    'ERR_JWT_SIGNATURE_INVALID',
  ],
  // Strict base64url (RFC 7515 §2): one encoding per signature.
  ['padded signature', `${good}=`, 'ERR_JWT_MALFORMED'],
  ['padded payload', `${gh}.${gp}==.${gs}`, 'ERR_JWT_MALFORMED'],
  [
    'standard base64 alphabet',
    `${gh}.${gp}.${gs.replace(/-/g, '+').replace(/_/g, '/')}${/[-_]/.test(gs) ? '' : '+'}`,
    'ERR_JWT_MALFORMED',
  ],
  [
    'non-canonical trailing bits',
    `${gh}.${gp}.${gs.slice(0, -1)}${String.fromCharCode(gs.charCodeAt(gs.length - 1) ^ 1)}`,
    'ERR_JWT_MALFORMED',
  ],
  ['non-ASCII look-alike in the signature', `${gh}.${gp}.${gs.slice(0, -2)}\u0130${gs.slice(-1)}`, 'ERR_JWT_MALFORMED'],
  // Strict compact serialization (RFC 7515 §7.1).
  ['four segments', `${good}.${gs}`, 'ERR_JWT_MALFORMED'],
  ['five segments (a JWE)', `${gh}.${gp}.${gs}.${gs}.${gs}`, 'ERR_JWT_MALFORMED'],
  ['two segments', `${gh}.${gp}`, 'ERR_JWT_MALFORMED'],
  ['leading space', ` ${good}`, 'ERR_JWT_MALFORMED'],
  ['trailing newline', `${good}\n`, 'ERR_JWT_MALFORMED'],
  ['space inside', `${gh}. ${gp}.${gs}`, 'ERR_JWT_MALFORMED'],
  ['Bearer prefix left on', `Bearer ${good}`, 'ERR_JWT_MALFORMED'],
  ['huge token', forge('{"alg":"RS256","kid":"rsa"}', claims({ pad: 'x'.repeat(10_000) })), 'ERR_JWT_MALFORMED'],
  [
    'deep nesting',
    forge('{"alg":"RS256","kid":"rsa"}', claims({ deep: JSON.parse(`${'['.repeat(40)}${']'.repeat(40)}`) })),
    'ERR_JWT_MALFORMED',
  ],
  ['header is not JSON', forge('{alg:RS256}', claims()), 'ERR_JWT_MALFORMED'],
  ['payload is an array', forge('{"alg":"RS256","kid":"rsa"}', '[1]'), 'ERR_JWT_MALFORMED'],
  [
    'payload is not UTF-8',
    `${b64('{"alg":"RS256","kid":"rsa"}')}.${b64(Buffer.from([0x7b, 0x7d, 0xc3]))}.${gs}`,
    'ERR_JWT_MALFORMED',
  ],
  // JSON pitfalls (ARCHITECTURE.md, "Platform facts").
  ['duplicate alg in the header', forge('{"alg":"RS256","alg":"none","kid":"rsa"}', claims()), 'ERR_JWT_MALFORMED'],
  [
    'duplicate iss in the payload',
    forge(
      '{"alg":"RS256","kid":"rsa"}',
      `{"iss":"https://evil.test","aud":"${AUD}","exp":${NOW + 300},"iss":"${ISS}"}`,
    ),
    'ERR_JWT_MALFORMED',
  ],
  [
    '__proto__ in the payload',
    forge(
      '{"alg":"RS256","kid":"rsa"}',
      `{"iss":"${ISS}","aud":"${AUD}","exp":${NOW + 300},"__proto__":{"admin":true}}`,
    ),
    'ERR_JWT_MALFORMED',
  ],
  [
    'exp 1e400 (Infinity)',
    forge('{"alg":"RS256","kid":"rsa"}', `{"iss":"${ISS}","aud":"${AUD}","exp":1e400}`),
    'ERR_JWT_CLAIM_INVALID',
  ],
  ['exp as a string', forge('{"alg":"RS256","kid":"rsa"}', claims({ exp: '1900000000' })), 'ERR_JWT_CLAIM_INVALID'],
  ['exp missing', forge('{"alg":"RS256","kid":"rsa"}', claims({ exp: undefined })), 'ERR_JWT_CLAIM_MISSING'],
  ['expired', forge('{"alg":"RS256","kid":"rsa"}', claims({ exp: NOW - 1 })), 'ERR_JWT_EXPIRED'],
  ['nbf in the future', forge('{"alg":"RS256","kid":"rsa"}', claims({ nbf: NOW + 60 })), 'ERR_JWT_NOT_YET_VALID'],
  ['iss as an array', forge('{"alg":"RS256","kid":"rsa"}', claims({ iss: [ISS] })), 'ERR_JWT_CLAIM_INVALID'],
  ['kid as a number', forge('{"alg":"RS256","kid":1}', claims()), 'ERR_JWT_MALFORMED'],
  // RFC 7515 §4.1.11 crit; RFC 7797 b64.
  [
    'crit names a registered header (kid)',
    forge('{"alg":"RS256","kid":"rsa","crit":["kid"]}', claims()),
    'ERR_JWT_MALFORMED',
  ],
  [
    'crit names a claim-like extension',
    forge('{"alg":"RS256","kid":"rsa","crit":["exp"],"exp":1}', claims()),
    'ERR_JWT_CRIT_UNSUPPORTED',
  ],
  [
    'crit names an extension not understood',
    forge('{"alg":"RS256","kid":"rsa","crit":["http://evil/ext"],"http://evil/ext":true}', claims()),
    'ERR_JWT_CRIT_UNSUPPORTED',
  ],
  [
    'b64 false (unencoded payload)',
    forge('{"alg":"RS256","kid":"rsa","b64":false,"crit":["b64"]}', claims()),
    'ERR_JWT_CRIT_UNSUPPORTED',
  ],
  // RFC 8725 §3.10 / RFC 7515 §10: keys named by the token are never fetched or trusted.
  [
    'jku to the attacker, attacker kid',
    forge(
      '{"alg":"RS256","kid":"attacker","jku":"https://evil.test/jwks"}',
      claims(),
      rs256(attacker.signingKey.keyObject),
    ),
    'ERR_JWKS_NO_MATCHING_KEY',
  ],
  [
    'x5u to the attacker, our kid',
    forge('{"alg":"RS256","kid":"rsa","x5u":"https://evil.test/cert"}', claims(), rs256(attacker.signingKey.keyObject)),
    'ERR_JWT_SIGNATURE_INVALID',
  ],
  [
    'embedded jwk of the attacker, no kid',
    forge(JSON.stringify({ alg: 'RS256', jwk: attacker.publicJwk }), claims(), rs256(attacker.signingKey.keyObject)),
    'ERR_JWT_SIGNATURE_INVALID',
  ],
  [
    'x5c chain, our kid, attacker signature',
    forge(
      `{"alg":"RS256","kid":"rsa","x5c":["${exportPem(attacker.verificationKey).split('\n').slice(1, -2).join('')}"]}`,
      claims(),
      rs256(attacker.signingKey.keyObject),
    ),
    'ERR_JWT_SIGNATURE_INVALID',
  ],
  // Weak keys in the set are dropped, so tokens they sign find no key.
  [
    'RSA 1024 key',
    forge('{"alg":"RS256","kid":"weak"}', claims(), rs256(rsa1024.privateKey)),
    'ERR_JWKS_NO_MATCHING_KEY',
  ],
  [
    'HMAC secret of 16 bytes',
    forge('{"alg":"HS256","kid":"short"}', claims(), hs256(shortSecret)),
    'ERR_JWKS_NO_MATCHING_KEY',
  ],
  // Issuer binding: the partner's key cannot speak for the main issuer, nor the other way round.
  [
    'partner key, main issuer',
    forge('{"alg":"ES256","kid":"partner"}', claims(), es(partner.signingKey.keyObject)),
    'ERR_JWKS_NO_MATCHING_KEY',
  ],
  [
    'main key, partner issuer',
    forge('{"alg":"RS256","kid":"rsa"}', claims({ iss: 'https://partner.test' })),
    'ERR_JWKS_NO_MATCHING_KEY',
  ],
  [
    'unknown issuer',
    forge('{"alg":"RS256","kid":"rsa"}', claims({ iss: 'https://evil.test' })),
    'ERR_JWT_ISSUER_INVALID',
  ],
  ['aud mismatch', forge('{"alg":"RS256","kid":"rsa"}', claims({ aud: 'payments' })), 'ERR_JWT_AUDIENCE_INVALID'],
  ['aud prefix', forge('{"alg":"RS256","kid":"rsa"}', claims({ aud: `${AUD}-admin` })), 'ERR_JWT_AUDIENCE_INVALID'],
  [
    'signature of another key under our kid',
    forge('{"alg":"RS256","kid":"rsa"}', claims(), rs256(attacker.signingKey.keyObject)),
    'ERR_JWT_SIGNATURE_INVALID',
  ],
  [
    'payload swapped under a valid signature',
    `${gh}.${b64(claims({ sub: 'admin' }))}.${gs}`,
    'ERR_JWT_SIGNATURE_INVALID',
  ],
  // Not even a string.
  ['undefined', undefined, 'ERR_JWT_MALFORMED'],
  ['null', null, 'ERR_JWT_MALFORMED'],
  ['a number', 42, 'ERR_JWT_MALFORMED'],
  ['an object', { toString: () => good }, 'ERR_JWT_MALFORMED'],
  ['an array', [gh, gp, gs], 'ERR_JWT_MALFORMED'],
  ['a Buffer', Buffer.from(good), 'ERR_JWT_MALFORMED'],
  ['empty string', '', 'ERR_JWT_MALFORMED'],
  ['two dots', '..', 'ERR_JWT_MALFORMED'],
];

test('the untampered token of the table verifies (so the failures below are the attacks)', async () => {
  assert.equal((await verifier.verify(good)).payload.sub, 'svc');
  assert.deepEqual(
    keys.dropped.map((d) => d.kid),
    ['weak', 'short'],
  );
});

for (const [name, token, code] of TABLE) {
  test(`malicious: ${name} → ${code}`, async () => {
    await assert.rejects(verifier.verify(token as string), (e) => {
      assert.ok(isTesseraError(e), `not a TesseraError: ${String(e)}`);
      assert.equal(e.code, code, e.message);
      assert.equal(e.status, 401);
      return true;
    });
    assert.throws(
      () => verifier.verifySync(token as string),
      (e) => isTesseraError(e, code),
    );
  });
}

test('alg confusion through signJwt is impossible: an HMAC signing key cannot be made from a PEM', () => {
  assert.ok(createPrivateKey(exportPem(rsa.signingKey)));
  assert.throws(
    () => signJwt({}, { alg: 'HS256', kid: 'rsa', keyObject: rsa.verificationKey.keyObject }),
    (e) => isTesseraError(e, 'ERR_JWK_INVALID'),
  );
});
