import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateKeyPairSync } from 'node:crypto';
import { createLocalJwks } from './local-jwks.js';
import { importJwks, type DroppedJwk } from './import-jwks.js';
import { generateKey } from './generate-key.js';
import { isTesseraError } from '../errors/tessera-error.js';
import type { Jwk } from './types.js';

const es = generateKey('ES256', { kid: 'es' });
const rs = generateKey('RS256', { kid: 'rs' });
const ed = generateKey('EdDSA');
const weak = {
  ...(generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({ format: 'jwk' }) as Jwk),
  kid: 'weak',
  alg: 'RS256',
};

test('a bad key is dropped alone, with its reason', () => {
  const seen: DroppedJwk[] = [];
  const jwks = {
    keys: [
      es.publicJwk,
      weak,
      { kty: 'RSA', kid: 'enc', use: 'enc', n: rs.publicJwk.n, e: 'AQAB' },
      'junk',
      null,
      rs.publicJwk,
      { kty: 'EC', crv: 'P-256', kid: 'curve', alg: 'ES384', x: es.publicJwk.x, y: es.publicJwk.y },
      ed.publicJwk,
    ],
  };
  const imported = importJwks(jwks, { onInvalidKey: (d) => seen.push(d) });
  assert.deepEqual(
    imported.keys.map((k) => k.kid),
    ['es', 'rs', ed.kid],
  );
  assert.deepEqual(
    imported.dropped.map((d) => [d.index, d.kid]),
    [
      [1, 'weak'],
      [2, 'enc'],
      [3, undefined],
      [4, undefined],
      [6, 'curve'],
    ],
  );
  assert.match(imported.dropped[0]!.reason, /2048/);
  assert.deepEqual(seen, imported.dropped);
});

test('a document without a keys array is refused as a whole', () => {
  for (const doc of [null, 'x', {}, { keys: {} }, [es.publicJwk]]) {
    assert.throws(
      () => importJwks(doc),
      (e) => isTesseraError(e, 'ERR_JWKS_INVALID'),
    );
  }
  assert.throws(
    () => createLocalJwks({ keys: 'x' } as unknown as { keys: Jwk[] }),
    (e) => isTesseraError(e, 'ERR_JWKS_INVALID'),
  );
});

test('getKeys: by kid (any alg), or every key of the alg when the token has no kid', () => {
  const twin = generateKey('ES256', { kid: 'twin' });
  const source = createLocalJwks({ keys: [es.publicJwk, rs.publicJwk, twin.publicJwk] });
  assert.deepEqual(
    source.getKeys({ alg: 'ES256', kid: 'es' }).map((k) => k.kid),
    ['es'],
  );
  assert.deepEqual(
    source.getKeys({ alg: 'HS256', kid: 'rs' }).map((k) => k.kid),
    ['rs'],
  ); // the verifier rejects the alg
  assert.deepEqual(
    source.getKeys({ alg: 'ES256' }).map((k) => k.kid),
    ['es', 'twin'],
  );
  const noKey = (e: unknown) => isTesseraError(e, 'ERR_JWKS_NO_MATCHING_KEY');
  assert.throws(() => source.getKeys({ alg: 'ES256', kid: 'nope' }), noKey);
  assert.throws(() => source.getKeys({ alg: 'PS256' }), noKey);
  assert.throws(
    () => source.getKeys({ alg: 'ES256', kid: 'x'.repeat(5000) }),
    (e) => noKey(e) && (e as Error).message.length < 200,
  );
});

test('reads a file once, at creation; takes imported keys as they are', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-jwks-'));
  try {
    const path = join(dir, 'jwks.json');
    writeFileSync(path, JSON.stringify({ keys: [es.publicJwk, weak] }));
    const source = createLocalJwks({ path });
    assert.deepEqual(
      source.keys.map((k) => k.kid),
      ['es'],
    );
    assert.equal(source.dropped.length, 1);
    writeFileSync(path, '{"keys": [');
    assert.throws(
      () => createLocalJwks({ path }),
      (e) => isTesseraError(e, 'ERR_JWKS_INVALID'),
    );
    assert.throws(
      () => createLocalJwks({ path: join(dir, 'missing.json') }),
      (e) => isTesseraError(e, 'ERR_JWKS_INVALID'),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  assert.equal(createLocalJwks([rs.verificationKey]).getKeys({ alg: 'RS256' })[0], rs.verificationKey);
  assert.throws(
    () => createLocalJwks([{}] as never),
    (e) => isTesseraError(e, 'ERR_CONFIG_INVALID'),
  );
});
