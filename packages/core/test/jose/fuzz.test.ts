// Malformed input of any shape throws a TesseraError, never anything else (issue 2): seeded random
// mutations of valid tokens, and random headers and payloads signed with a trusted key.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createVerifier, generateKey, isTesseraError, signJwt } from '@tessera/core';
import { sign } from 'node:crypto';

/** mulberry32: a small seeded PRNG, so a failure can be replayed. */
function prng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const NOW = 1_800_000_000;
const ISS = 'https://issuer.fuzz';
const key = generateKey('ES256', { kid: 'fuzz' });
const verifier = createVerifier({
  issuer: ISS,
  audience: 'api',
  keys: [key.verificationKey],
  clock: () => NOW * 1000,
  cache: false,
  maxJsonDepth: 8,
});
const valid = signJwt({ iss: ISS, aud: 'api', sub: 'svc', n: { a: [1, 'x', null] } }, key.signingKey, {
  expiresIn: 60,
  clock: () => NOW * 1000,
});
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.=+/ \n\t\u0000é\u0130😀"{}';

async function mustFailCleanly(token: unknown, what: string): Promise<'accepted' | 'rejected'> {
  try {
    verifier.verifySync(token as string);
  } catch (error) {
    assert.ok(isTesseraError(error), `${what}: verifySync threw ${String(error)}`);
    await assert.rejects(verifier.verify(token as string), (e) => isTesseraError(e, error.code), what);
    return 'rejected';
  }
  return 'accepted';
}

test('seeded mutations of a valid token are rejected with a TesseraError (or are the token itself)', async () => {
  const random = prng(20260101);
  const pick = (s: string) => s[Math.floor(random() * s.length)]!;
  let rejected = 0;
  for (let i = 0; i < 3000; i++) {
    let t = valid;
    for (let m = 1 + Math.floor(random() * 3); m > 0; m--) {
      const at = Math.floor(random() * t.length);
      const op = Math.floor(random() * 5);
      if (op === 0) t = t.slice(0, at) + pick(ALPHABET) + t.slice(at + 1);
      else if (op === 1) t = t.slice(0, at) + t.slice(at + 1);
      else if (op === 2) t = t.slice(0, at) + pick(ALPHABET) + t.slice(at);
      else if (op === 3) t = t.slice(0, at);
      else t = t + t.slice(at);
    }
    const outcome = await mustFailCleanly(t, `mutation ${i}: ${JSON.stringify(t)}`);
    if (outcome === 'accepted') assert.equal(t, valid, `mutation ${i} was accepted: ${JSON.stringify(t)}`);
    else rejected++;
  }
  assert.ok(rejected > 2900);
});

test('random JSON headers and payloads, correctly signed, never escape as other exceptions', async () => {
  const random = prng(7);
  const values = (depth: number): unknown => {
    const r = random();
    if (depth > 10 || r < 0.25)
      return [null, true, false, 0, -1, Infinity, -Infinity, 1.5, NOW + 60, 'x', '', 'none', 'ES256', ISS, 'api'][
        Math.floor(random() * 15)
      ];
    if (r < 0.6) return Array.from({ length: Math.floor(random() * 4) }, () => values(depth + 1));
    const out: Record<string, unknown> = {};
    for (let n = Math.floor(random() * 5); n > 0; n--)
      out[
        ['alg', 'kid', 'typ', 'crit', 'b64', 'jwk', 'iss', 'aud', 'exp', 'nbf', 'iat', 'sub', 'jti', 'x'][
          Math.floor(random() * 14)
        ]!
      ] = values(depth + 1);
    return out;
  };
  const sign64 = (input: string) =>
    sign('sha256', Buffer.from(input), { key: key.signingKey.keyObject, dsaEncoding: 'ieee-p1363' }).toString(
      'base64url',
    );
  let accepted = 0;
  for (let i = 0; i < 1500; i++) {
    const header = random() < 0.5 ? { alg: 'ES256', kid: 'fuzz', ...(values(0) as object) } : values(0);
    const payload = random() < 0.5 ? { iss: ISS, aud: 'api', exp: NOW + 60, ...(values(0) as object) } : values(0);
    const text = (v: unknown) =>
      (JSON.stringify(v) ?? 'null').replace(/null/g, () => (random() < 0.1 ? '1e400' : 'null'));
    const input = `${Buffer.from(text(header)).toString('base64url')}.${Buffer.from(text(payload)).toString('base64url')}`;
    if (
      (await mustFailCleanly(`${input}.${sign64(input)}`, `case ${i}: ${text(header)} ${text(payload)}`)) === 'accepted'
    )
      accepted++;
  }
  assert.ok(accepted > 0, 'some random tokens are legitimately valid');
});
