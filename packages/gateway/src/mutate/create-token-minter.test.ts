import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createVerifier, signJwt, generateKey } from '@tessera/core';
import { loadGatewayConfig } from '../config/load-gateway-config.js';
import { createTokenMinter } from './create-token-minter.js';
import type { GatewayIdentity } from '../auth/verdict.js';

const config = loadGatewayConfig({ object: { minting: { issuer: 'https://gw.test', cacheSize: 10 } } });
const mint = { mode: 'self', audience: 'orders', header: 'authorization', lifetimeSeconds: 60 } as const;
const caller = generateKey('ES256');

function identity(sub: string, now: number): GatewayIdentity {
  const token = signJwt({ sub }, caller.signingKey, { issuer: 'https://idp.test', expiresIn: 600, clock: () => now });
  return { token, payload: { sub, iss: 'https://idp.test', exp: Math.floor(now / 1000) + 600 }, requestPrincipal: `https://idp.test/${sub}`, tokenHeader: 'authorization', tokenParam: undefined, forwardOriginalToken: false, headersToAdd: [] };
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
    const verify = (token: string) => createVerifier({ issuer: 'https://gw.test', audience: 'orders', keys: minter.jwks(), clock: () => now }).verify(token);
    assert.equal((await verify(first)).payload.exp, Math.floor(now / 1000) + 60);

    const publishedBefore = minter.jwks();
    assert.equal(publishedBefore.keys.length, 2, 'the signing key and the next one are published');
    minter.rotate();
    assert.equal(minter.jwks().keys.length, 3, 'next, current and the previous key are published');
    const second = minter.mint(alice, mint) as string;
    // The key that signs after the rotation was already in the JWKS a verifier fetched before it.
    await createVerifier({ issuer: 'https://gw.test', audience: 'orders', keys: publishedBefore, clock: () => now }).verify(second);
    assert.notEqual(second, first, 'rotation empties the cache');
    await verify(first);
    await verify(second);

    now += 50_000;
    assert.notEqual(minter.mint(alice, mint), second, 'a cached token is not served close to its expiry');
  } finally {
    minter.close();
  }
});
