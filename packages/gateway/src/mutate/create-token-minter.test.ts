import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createVerifier, decodeJwt, signJwt, generateKey } from '@tessera/core';
import { loadGatewayConfig } from '../config/load-gateway-config.js';
import { createTokenMinter } from './create-token-minter.js';
import type { GatewayIdentity } from '../auth/verdict.js';

const config = loadGatewayConfig({ object: { minting: { issuer: 'https://gw.test', cacheSize: 10 } } });
const mint = { mode: 'self', audience: 'orders', header: 'authorization', lifetimeSeconds: 60 } as const;
const caller = generateKey('ES256');

function identity(sub: string, now: number): GatewayIdentity {
  const token = signJwt({ sub }, caller.signingKey, { issuer: 'https://idp.test', expiresIn: 600, clock: () => now });
  return {
    token,
    payload: { sub, iss: 'https://idp.test', exp: Math.floor(now / 1000) + 600 },
    requestPrincipal: `https://idp.test/${sub}`,
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

test('a minted token: header from the minting key, the caller as sub, the gateway as actor, capped by the original exp', () => {
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
        sub: 'alice',
        act: { sub: 'https://gw.test' },
        orig_iss: 'https://idp.test',
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
