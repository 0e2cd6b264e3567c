// The published examples: RFC 7515 Appendix A.1 (HS256), A.2 (RS256), A.3 (ES256) and RFC 8037
// Appendix A.4 (Ed25519). Their signatures were made by other implementations, so they pin our
// byte handling (signing input, R‖S, base64url) to the standards'.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  createLocalJwks,
  createVerifier,
  decodeBase64Url,
  importJwk,
  importSigningKey,
  signJwt,
  verifySignature,
  type Jwk,
} from '@tessera/core';
import { isTesseraError } from '@tessera/core';

// A.1-A.3 share this payload: {"iss":"joe",\r\n "exp":1300819380,\r\n "http://example.com/is_root":true}
const PAYLOAD = 'eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ';
const BEFORE_EXP = () => 1_300_819_379_000;

const EXAMPLES: { name: string; jwk: Jwk; token: string; alg: 'HS256' | 'RS256' | 'ES256' }[] = [
  {
    name: 'RFC 7515 A.1 HS256',
    alg: 'HS256',
    jwk: { kty: 'oct', k: 'AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow' },
    // header {"typ":"JWT",\r\n "alg":"HS256"}
    token: `eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9.${PAYLOAD}.dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk`,
  },
  {
    name: 'RFC 7515 A.2 RS256',
    alg: 'RS256',
    jwk: {
      kty: 'RSA',
      e: 'AQAB',
      n: 'ofgWCuLjybRlzo0tZWJjNiuSfb4p4fAkd_wWJcyQoTbji9k0l8W26mPddxHmfHQp-Vaw-4qPCJrcS2mJPMEzP1Pt0Bm4d4QlL-yRT-SFd2lZS-pCgNMsD1W_YpRPEwOWvG6b32690r2jZ47soMZo9wGzjb_7OMg0LOL-bSf63kpaSHSXndS5z5rexMdbBYUsLA9e-KXBdQOS-UTo7WTBEMa2R2CapHg665xsmtdVMTBQY4uDZlxvb3qCo5ZwKh9kG4LT6_I5IhlJH7aGhyxXFvUK-DWNmoudF8NAco9_h9iaGNj8q2ethFkMLs91kzk2PAcDTW9gb54h4FRWyuXpoQ',
    },
    // header {"alg":"RS256"}
    token: `eyJhbGciOiJSUzI1NiJ9.${PAYLOAD}.cC4hiUPoj9Eetdgtv3hF80EGrhuB__dzERat0XF9g2VtQgr9PJbu3XOiZj5RZmh7AAuHIm4Bh-0Qc_lF5YKt_O8W2Fp5jujGbds9uJdbF9CUAr7t1dnZcAcQjbKBYNX4BAynRFdiuB--f_nZLgrnbyTyWzO75vRK5h6xBArLIARNPvkSjtQBMHlb1L07Qe7K0GarZRmB_eSN9383LcOLn6_dO--xi12jzDwusC-eOkHWEsqtFZESc6BfI7noOPqvhJ1phCnvWh6IeYI2w9QOYEUipUTI8np6LbgGY9Fs98rqVt5AXLIhWkWywlVmtVrBp0igcN_IoypGlUPQGe77Rw`,
  },
  {
    name: 'RFC 7515 A.3 ES256',
    alg: 'ES256',
    jwk: {
      kty: 'EC',
      crv: 'P-256',
      x: 'f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU',
      y: 'x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0',
    },
    // header {"alg":"ES256"}
    token: `eyJhbGciOiJFUzI1NiJ9.${PAYLOAD}.DtEhU3ljbEg8L38VWAfUAqOyKAM6-Xx-F4GawxaepmXFCgfTjDxw5djxLa8ISlSApmWQxfKTUJqPP3-Kg6NU1Q`,
  },
];

for (const example of EXAMPLES) {
  test(`${example.name}: the published token verifies, a changed byte does not`, async () => {
    const key = importJwk(example.jwk, { alg: example.alg });
    const [h, p, s] = example.token.split('.') as [string, string, string];
    assert.equal(verifySignature(example.alg, key.keyObject, Buffer.from(`${h}.${p}`), decodeBase64Url(s)), true);
    assert.equal(
      verifySignature(example.alg, key.keyObject, Buffer.from(`${h}.${p.slice(0, -1)}`), decodeBase64Url(s)),
      false,
    );

    const verifier = createVerifier({ issuer: 'joe', keys: createLocalJwks([key]), clock: BEFORE_EXP });
    const { payload, header } = await verifier.verify(example.token);
    assert.deepEqual(payload, { iss: 'joe', exp: 1_300_819_380, 'http://example.com/is_root': true });
    assert.equal(header.alg, example.alg);
    // The same token a second later is past its exp (2011-03-22T18:43:00Z).
    const late = createVerifier({ issuer: 'joe', keys: [key], clock: () => 1_300_819_380_000 });
    await assert.rejects(late.verify(example.token), (e) => isTesseraError(e, 'ERR_JWT_EXPIRED'));
  });
}

test('RFC 7515 A.1: the example key imports as a signing key, and what it signs verifies', () => {
  // HMAC is deterministic, so our signer must reproduce the example byte for byte.
  const secret = importSigningKey(EXAMPLES[0]!.jwk, 'HS256');
  const [h, p, s] = EXAMPLES[0]!.token.split('.') as [string, string, string];
  assert.equal(verifySignature('HS256', secret.keyObject, Buffer.from(`${h}.${p}`), decodeBase64Url(s)), true);
  const ours = signJwt({ iss: 'joe', exp: 1_300_819_380 }, secret, { issuedAt: false });
  assert.notEqual(ours.split('.')[2], s); // different (compact) JSON, different MAC ...
  assert.ok(
    verifySignature(
      'HS256',
      secret.keyObject,
      Buffer.from(ours.split('.').slice(0, 2).join('.')),
      decodeBase64Url(ours.split('.')[2]!),
    ),
  );
});

test('RFC 8037 A.4 Ed25519: the published signature verifies; Ed25519 signing is deterministic', () => {
  const jwk = { kty: 'OKP', crv: 'Ed25519', x: '11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo' };
  const key = importJwk(jwk);
  assert.equal(key.alg, 'EdDSA');
  // header {"alg":"EdDSA"}, payload "Example of Ed25519 signing" (not JSON, so not a JWT)
  const input = 'eyJhbGciOiJFZERTQSJ9.RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbmc';
  const signature = 'hgyY0il_MGCjP0JzlnLWG1PPOt7-09PGcvMg3AIbQR6dWbhijcNR4ki4iylGjg5BhVsPt9g7sVvpAr_MuM0KAg';
  assert.equal(verifySignature('EdDSA', key.keyObject, Buffer.from(input), decodeBase64Url(signature)), true);
  assert.equal(verifySignature('EdDSA', key.keyObject, Buffer.from(`${input}x`), decodeBase64Url(signature)), false);
  const signing = importSigningKey({ ...jwk, d: 'nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A' }, 'EdDSA');
  assert.equal(signing.keyObject.type, 'private');
});
