import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createVerifier, decodeJwt, signJwt, generateKey } from '@tessera/core';
import { loadGatewayConfig } from '../config/load-gateway-config.js';
import { createTokenMinter } from './create-token-minter.js';
import type { GatewayIdentity } from '../auth/verdict.js';

const config = loadGatewayConfig({
  object: { minting: { issuer: 'https://gw.test', cacheSize: 10, subjectPrefixes: { 'https://idp.test': 'idp:' } } },
});
const mint = { mode: 'self', audience: 'orders', header: 'authorization', lifetimeSeconds: 60 } as const;
const caller = generateKey('ES256');

function identity(sub: string, now: number, iss = 'https://idp.test'): GatewayIdentity {
  const token = signJwt({ sub }, caller.signingKey, { issuer: iss, expiresIn: 600, clock: () => now });
  return {
    token,
    payload: { sub, iss, exp: Math.floor(now / 1000) + 600 },
    requestPrincipal: `${iss}/${sub}`,
    tokenHeader: 'authorization',
    tokenParam: undefined,
    forwardOriginalToken: false,
    headersToAdd: [],
  };
}

test('cached per (subject, audience, original token); rotation signs with the key published beforehand, drops the cache and keeps the old key published', async () => {
  let now = Date.UTC(2030, 0, 1);
  const minter = createTokenMinter({ config, clock: () => now });
  try {
    const alice = identity('alice', now);
    const first = minter.mint(alice, mint) as string;
    assert.equal(minter.mint(alice, mint), first);
    assert.notEqual(minter.mint(alice, { ...mint, audience: 'billing' }), first);
    assert.notEqual(minter.mint(identity('bob', now), mint), first);
    const verify = (token: string) =>
      createVerifier({ issuer: 'https://gw.test', audience: 'orders', keys: minter.jwks(), clock: () => now }).verify(
        token,
      );
    assert.equal((await verify(first)).payload.exp, Math.floor(now / 1000) + 60);

    const publishedBefore = minter.jwks();
    assert.equal(publishedBefore.keys.length, 2, 'the signing key and the next one are published');
    minter.rotate();
    assert.equal(minter.jwks().keys.length, 3, 'next, current and the previous key are published');
    const second = minter.mint(alice, mint) as string;
    // The key that signs after the rotation was already in the JWKS a verifier fetched before it.
    await createVerifier({
      issuer: 'https://gw.test',
      audience: 'orders',
      keys: publishedBefore,
      clock: () => now,
    }).verify(second);
    assert.notEqual(second, first, 'rotation empties the cache');
    await verify(first);
    await verify(second);

    now += 50_000;
    assert.notEqual(minter.mint(alice, mint), second, 'a cached token is not served close to its expiry');
  } finally {
    minter.close();
  }
});

test("adopt: a worker follows its primary's schedule — signs with current, publishes next and previous", async () => {
  const now = Date.UTC(2030, 0, 1);
  const [a, b, c] = [generateKey('ES256'), generateKey('ES256'), generateKey('ES256')];
  const minter = createTokenMinter({ config, clock: () => now, keys: { current: a.privateJwk, next: b.privateJwk } });
  try {
    const kids = () =>
      minter
        .jwks()
        .keys.map((k) => k.kid)
        .sort();
    assert.deepEqual(kids(), [a.kid, b.kid].sort());
    const first = minter.mint(identity('alice', now), mint) as string;
    assert.equal(decodeJwt(first).header.kid, a.kid);
    // The primary rotates: b signs, c is next, a stays published for the tokens it signed.
    minter.adopt({ current: b.privateJwk, next: c.privateJwk, previous: a.publicJwk });
    assert.deepEqual(kids(), [a.kid, b.kid, c.kid].sort());
    const second = minter.mint(identity('alice', now), mint) as string;
    assert.equal(decodeJwt(second).header.kid, b.kid, 'the cache was dropped and the new current key signs');
    const verifier = createVerifier({
      issuer: 'https://gw.test',
      audience: 'orders',
      keys: minter.jwks(),
      clock: () => now,
    });
    await verifier.verify(first);
    await verifier.verify(second);
  } finally {
    minter.close();
  }
});

test("a minted token: header from the minting key, the caller as its issuer's prefix + sub with an RFC 9493 sub_id, the gateway as actor, capped by the original exp", () => {
  const now = Date.UTC(2030, 0, 1);
  const key = generateKey('ES256');
  const minter = createTokenMinter({ config, clock: () => now, keys: { current: key.privateJwk } });
  try {
    const caller = identity('alice', now);
    const { header, payload } = decodeJwt(minter.mint(caller, { ...mint, lifetimeSeconds: 900 }) as string);
    assert.deepEqual(header, { alg: 'ES256', kid: key.kid, typ: 'JWT' });
    const nowS = Math.floor(now / 1000);
    assert.deepEqual(
      { ...payload, jti: typeof payload.jti },
      {
        sub: 'idp:alice',
        sub_id: { format: 'iss_sub', iss: 'https://idp.test', sub: 'alice' },
        act: { sub: 'https://gw.test' },
        iss: 'https://gw.test',
        aud: 'orders',
        jti: 'string',
        iat: nowS,
        exp: nowS + 600, // the caller's token expires first
      },
    );
  } finally {
    minter.close();
  }
});

test('a caller of an issuer without a subject prefix, or without sub, gets no minted token (fail closed)', () => {
  const now = Date.UTC(2030, 0, 1);
  const minter = createTokenMinter({ config, clock: () => now });
  try {
    assert.throws(
      () => minter.mint(identity('alice', now, 'https://other.test'), mint),
      (err: Error & { code?: string }) => err.code === 'ERR_GATEWAY_MINT_FAILED' && /other\.test/.test(err.message),
    );
    const noSub = identity('alice', now);
    assert.throws(() => minter.mint({ ...noSub, payload: { ...noSub.payload, sub: undefined } }, mint), {
      code: 'ERR_GATEWAY_MINT_FAILED',
    });
  } finally {
    minter.close();
  }
});

test('minting.subjectPrefixes: prefixes that start one another are refused at load, naming the issuer', () => {
  assert.throws(
    () =>
      loadGatewayConfig({
        object: { minting: { subjectPrefixes: { 'https://a.test': 'a:', 'https://b.test': 'a:b' } } },
      }),
    (err: Error & { code?: string }) =>
      err.code === 'ERR_GATEWAY_CONFIG_INVALID' && /minting\.subjectPrefixes\.https:\/\/b\.test/.test(err.message),
  );
  assert.throws(() => loadGatewayConfig({ object: { minting: { subjectPrefixes: { 'https://a.test': '' } } } }), {
    code: 'ERR_GATEWAY_CONFIG_INVALID',
  });
});
