import { test } from 'node:test';
import assert from 'node:assert/strict';
import { exportJwks } from './export-jwks.js';
import { generateKey } from './generate-key.js';
import { importJwks } from './import-jwks.js';
import { isTesseraError } from '../errors/tessera-error.js';

test('exports public JWKs only, and they import back to the same keys', () => {
  const rs = generateKey('RS256');
  const ec = generateKey('ES384', { kid: 'e' });
  const ed = generateKey('EdDSA');
  const jwks = exportJwks([rs.signingKey, ec.verificationKey, ed.signingKey]);
  assert.deepEqual(jwks.keys, [rs.publicJwk, ec.publicJwk, ed.publicJwk]);
  for (const jwk of jwks.keys)
    for (const member of ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k']) assert.equal(jwk[member], undefined);
  const back = importJwks(JSON.parse(JSON.stringify(jwks)));
  assert.equal(back.dropped.length, 0);
  assert.deepEqual(
    back.keys.map((k) => [k.kid, k.alg]),
    [
      [rs.kid, 'RS256'],
      ['e', 'ES384'],
      [ed.kid, 'EdDSA'],
    ],
  );
});

test('HMAC secrets and duplicate kids are refused', () => {
  const invalid = (e: unknown) => isTesseraError(e, 'ERR_JWK_INVALID');
  assert.throws(() => exportJwks([generateKey('HS256').signingKey]), invalid);
  const a = generateKey('ES256', { kid: 'same' });
  const b = generateKey('ES256', { kid: 'same' });
  assert.throws(() => exportJwks([a.signingKey, b.signingKey]), invalid);
  assert.equal(exportJwks([a.signingKey, generateKey('RS256', { kid: 'same' }).signingKey]).keys.length, 2);
});
