// Project Wycheproof vectors through the raw signature primitive (issue 2): every `valid` case
// accepted, every `invalid` and `acceptable` case rejected (a strict JWS verifier treats
// "acceptable" as invalid), for every signature algorithm the files cover. Read from
// ../shared/vectors/wycheproof, never copied here.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createPublicKey, createSecretKey, type KeyObject } from 'node:crypto';
import { verifySignature, ALGORITHMS, type JwsAlgorithm } from '@tessera/core';
import { VECTORS_DIR, skipUnlessVector } from './vectors-dir.js';

interface WycheproofTest {
  tcId: number;
  comment: string;
  msg: string;
  sig?: string;
  tag?: string;
  result: 'valid' | 'invalid' | 'acceptable';
}
interface WycheproofGroup {
  sha?: string;
  keySize?: number;
  tagSize?: number;
  key?: string;
  publicKey?: { curve?: string; wx?: string; wy?: string; pk?: string; modulus?: string; publicExponent?: string };
  tests: (WycheproofTest & { key?: string })[];
}

const FILES: Readonly<Record<string, JwsAlgorithm>> = {
  'ecdsa_secp256r1_sha256_p1363_test.json': 'ES256',
  'ecdsa_secp384r1_sha384_p1363_test.json': 'ES384',
  'ecdsa_secp521r1_sha512_p1363_test.json': 'ES512',
  'rsa_signature_2048_sha256_test.json': 'RS256',
  'rsa_pss_2048_sha256_mgf1_32_test.json': 'PS256',
  'ed25519_test.json': 'EdDSA',
  'hmac_sha256_test.json': 'HS256',
  'hmac_sha384_test.json': 'HS384',
  'hmac_sha512_test.json': 'HS512',
};

const b64 = (hex: string) => Buffer.from(hex, 'hex').toString('base64url');
/** Big-endian hex, possibly with a leading 00 (a sign byte), normalised to `size` bytes. */
function fixed(hex: string, size: number): string {
  const bytes = Buffer.from(hex.length % 2 ? `0${hex}` : hex, 'hex');
  const start = bytes.length - size;
  assert.ok(
    bytes.subarray(0, Math.max(start, 0)).every((b) => b === 0),
    'coordinate longer than the curve',
  );
  return Buffer.concat([Buffer.alloc(Math.max(-start, 0)), bytes.subarray(Math.max(start, 0))]).toString('base64url');
}
function unsigned(hex: string): string {
  const bytes = Buffer.from(hex.length % 2 ? `0${hex}` : hex, 'hex');
  let i = 0;
  while (i < bytes.length - 1 && bytes[i] === 0) i++;
  return bytes.subarray(i).toString('base64url');
}

function keyFor(alg: JwsAlgorithm, group: WycheproofGroup, tc: { key?: string }): KeyObject {
  const spec = ALGORITHMS[alg];
  const pk = group.publicKey!;
  switch (spec.family) {
    case 'ECDSA': {
      const size = spec.signatureLength! / 2;
      return createPublicKey({
        key: { kty: 'EC', crv: spec.crv!, x: fixed(pk.wx!, size), y: fixed(pk.wy!, size) },
        format: 'jwk',
      });
    }
    case 'EdDSA':
      return createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: b64(pk.pk!) }, format: 'jwk' });
    case 'RSASSA-PKCS1-v1_5':
    case 'RSASSA-PSS':
      return createPublicKey({
        key: { kty: 'RSA', n: unsigned(pk.modulus!), e: unsigned(pk.publicExponent!) },
        format: 'jwk',
      });
    case 'HMAC':
      return createSecretKey(Buffer.from(tc.key!, 'hex'));
  }
}

for (const [file, alg] of Object.entries(FILES)) {
  test(`Wycheproof ${file} → ${alg} through verifySignature`, { skip: skipUnlessVector(`wycheproof/${file}`) }, () => {
    const data = JSON.parse(readFileSync(`${VECTORS_DIR}/wycheproof/${file}`, 'utf8')) as {
      testGroups: WycheproofGroup[];
    };
    const spec = ALGORITHMS[alg];
    let accepted = 0;
    let rejected = 0;
    const failures: string[] = [];
    for (const group of data.testGroups) {
      if (group.sha !== undefined)
        assert.equal(group.sha.replace('-', '').toLowerCase(), spec.hash, `${file}: group hash`);
      // HMAC tags shorter than the hash are never valid JWS signatures (RFC 7518 §3.2).
      const truncated = spec.family === 'HMAC' && group.tagSize !== spec.hashLength * 8;
      for (const tc of group.tests) {
        const expected = tc.result === 'valid' && !truncated;
        let got: boolean;
        try {
          got = verifySignature(
            alg,
            keyFor(alg, group, tc),
            Buffer.from(tc.msg, 'hex'),
            Buffer.from((tc.sig ?? tc.tag)!, 'hex'),
          );
        } catch (error) {
          got = false;
          if (expected) failures.push(`tcId ${tc.tcId} (${tc.comment}) threw ${(error as Error).message}`);
        }
        if (got !== expected)
          failures.push(
            `tcId ${tc.tcId} (${tc.comment}): ${tc.result}${truncated ? ' (truncated tag)' : ''}, got ${got ? 'accepted' : 'rejected'}`,
          );
        if (got) accepted++;
        else rejected++;
      }
    }
    assert.deepEqual(failures, []);
    assert.ok(accepted > 0 && rejected > 0, `${file}: ${accepted} accepted, ${rejected} rejected`);
  });
}
