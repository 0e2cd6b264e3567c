// Envoy's jwt_authn test tokens (../shared/vectors/envoy/jwt_authn_tokens.json) through
// createVerifier + createLocalJwks, with Envoy's settings: every token gets the outcome Envoy gives
// it. None of them has a kid, and two keys of the set share a modulus: a kid-less token is tried
// against every RS256 key (the file's notes).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createLocalJwks, createVerifier, isTesseraError, type Jwks } from '@tessera/core';
import { VECTORS_DIR, skipUnlessVector } from './vectors-dir.js';

interface EnvoyVectors {
  verifier: { issuer: string; audiences: string[] };
  jwks: Jwks;
  tokens: Record<string, { token: string; valid: boolean; reason?: string }>;
}

// Why each invalid token fails, as a Tessera code (the file says it in words).
const CODES: Readonly<Record<string, string>> = {
  ExpiredToken: 'ERR_JWT_EXPIRED',
  InvalidAudToken: 'ERR_JWT_AUDIENCE_INVALID',
  NonExistKidToken: 'ERR_JWT_SIGNATURE_INVALID',
  NonExpiringToken: 'ERR_JWT_SIGNATURE_INVALID',
  OtherGoodToken: 'ERR_JWT_ISSUER_INVALID',
};

test(
  "Envoy jwt_authn vectors: every token gets Envoy's outcome",
  { skip: skipUnlessVector('envoy/jwt_authn_tokens.json') },
  async () => {
    const vectors = JSON.parse(readFileSync(`${VECTORS_DIR}/envoy/jwt_authn_tokens.json`, 'utf8')) as EnvoyVectors;
    const keys = createLocalJwks(vectors.jwks);
    assert.equal(keys.dropped.length, 0);
    // Envoy does not require exp; the clock sits between the expired token (2008) and the others (2033).
    const verifier = createVerifier({
      issuer: vectors.verifier.issuer,
      audience: vectors.verifier.audiences,
      keys,
      requireExpiration: false,
      clock: () => Date.UTC(2026, 0, 1),
    });
    let valid = 0;
    for (const [name, entry] of Object.entries(vectors.tokens)) {
      if (entry.valid) {
        const { payload, key } = await verifier.verify(entry.token);
        assert.equal(payload.iss, vectors.verifier.issuer, name);
        assert.equal(key.alg, 'RS256');
        valid++;
      } else {
        await assert.rejects(
          verifier.verify(entry.token),
          (e) => {
            assert.ok(isTesseraError(e), `${name}: ${String(e)}`);
            if (CODES[name] !== undefined) assert.equal(e.code, CODES[name], `${name}: ${entry.reason}`);
            return true;
          },
          name,
        );
      }
    }
    assert.ok(valid >= 2);
    const nested = await verifier.verify(vectors.tokens.NestedGoodToken!.token);
    assert.deepEqual((nested.payload.nested as Record<string, unknown>)['key-1'], 'value1');
  },
);
