// Differential tests against jose (dev dependency, issue 2): for every algorithm, what Tessera signs
// verifies in jose and what jose signs verifies in Tessera; and both reject the same tampered tokens.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as jose from 'jose';
import { createVerifier, generateKey, isTesseraError, JWS_ALGORITHMS, signJwt, type JwsAlgorithm } from '@tessera/core';

const ISS = 'https://issuer.diff';
const AUD = 'diff-api';
const b64 = (value: unknown) =>
  Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');

/** Tampered variants of a valid token, each of which any correct verifier must refuse. */
function tamper(token: string, alg: JwsAlgorithm): Record<string, string> {
  const [h, p, s] = token.split('.') as [string, string, string];
  const header = JSON.parse(Buffer.from(h, 'base64url').toString()) as Record<string, unknown>;
  const payload = JSON.parse(Buffer.from(p, 'base64url').toString()) as Record<string, unknown>;
  const sig = Buffer.from(s, 'base64url');
  const flipped = Buffer.from(sig);
  flipped[0]! ^= 0x01;
  const other: JwsAlgorithm =
    alg === 'HS256'
      ? 'HS384'
      : alg.startsWith('RS')
        ? 'PS256'
        : alg.startsWith('PS')
          ? 'RS256'
          : alg === 'EdDSA'
            ? 'ES256'
            : alg === 'Ed25519'
              ? 'EdDSA' // RFC 9864: same signature, but the key declared Ed25519 decides
              : alg === 'ES256'
                ? 'ES384'
                : 'ES256';
  return {
    'signature bit flipped': `${h}.${p}.${flipped.toString('base64url')}`,
    'signature truncated': `${h}.${p}.${sig.subarray(0, sig.length - 1).toString('base64url')}`,
    'signature removed': `${h}.${p}.`,
    'payload changed': `${h}.${b64({ ...payload, sub: 'admin' })}.${s}`,
    'header changed': `${b64({ ...header, kid: 'other' })}.${p}.${s}`,
    'alg none': `${b64({ ...header, alg: 'none' })}.${p}.`,
    'alg swapped': `${b64({ ...header, alg: other })}.${p}.${s}`,
    'four segments': `${token}.${s}`,
    expired: `${h}.${b64({ ...payload, exp: 1 })}.${s}`,
  };
}

for (const alg of JWS_ALGORITHMS) {
  test(`${alg}: Tessera ⇄ jose`, async () => {
    const key = generateKey(alg, { kid: `k-${alg}` });
    const isHmac = alg.startsWith('HS');
    const josePublic = await jose.importJWK(isHmac ? key.privateJwk : key.publicJwk!, alg);
    const josePrivate = await jose.importJWK(key.privateJwk, alg);
    const verifier = createVerifier({ issuer: ISS, audience: AUD, keys: [key.verificationKey], cache: false });

    // Tessera signs, jose verifies.
    const ours = signJwt({ sub: 'svc-a', scope: 'read' }, key.signingKey, {
      issuer: ISS,
      audience: AUD,
      expiresIn: '5m',
    });
    const theirs = await jose.jwtVerify(ours, josePublic, { issuer: ISS, audience: AUD, algorithms: [alg] });
    assert.equal(theirs.payload.sub, 'svc-a');
    assert.equal(theirs.protectedHeader.kid, `k-${alg}`);

    // jose signs, Tessera verifies.
    const joseToken = await new jose.SignJWT({ sub: 'svc-b', n: { deep: [1, 'two'] } })
      .setProtectedHeader({ alg, kid: `k-${alg}`, typ: 'JWT' })
      .setIssuer(ISS)
      .setAudience([AUD, 'x'])
      .setIssuedAt()
      .setExpirationTime('5m')
      .sign(josePrivate);
    const mine = await verifier.verify(joseToken);
    assert.equal(mine.payload.sub, 'svc-b');
    assert.deepEqual(mine.payload.n, { deep: [1, 'two'] });

    // Both refuse every tampered variant, of either signer's token.
    for (const [source, token] of [
      ['tessera', ours],
      ['jose', joseToken],
    ] as const) {
      for (const [what, bad] of Object.entries(tamper(token, alg))) {
        await assert.rejects(
          verifier.verify(bad),
          (e) => isTesseraError(e),
          `tessera accepted ${source} token with ${what}`,
        );
        await assert.rejects(
          jose.jwtVerify(bad, josePublic, { issuer: ISS, audience: AUD, algorithms: [alg] }),
          `jose accepted ${source} token with ${what}`,
        );
      }
    }
  });
}
