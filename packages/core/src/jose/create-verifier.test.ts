import { test } from 'node:test';
import { sign as cryptoSign } from 'node:crypto';
import assert from 'node:assert/strict';
import { createVerifier, type VerifierOptions } from './create-verifier.js';
import { createLocalJwks } from './local-jwks.js';
import { generateKey } from './generate-key.js';
import { signJwt, type SignJwtOptions } from './sign-jwt.js';
import { isTesseraError } from '../errors/tessera-error.js';
import type { JwsHeader, JwtPayload, KeySource, VerificationKey } from './types.js';

const NOW = 1_800_000_000_000;
const clock = () => NOW;
const ISS = 'https://issuer.test';
const key = generateKey('ES256', { kid: 'k1' });
const other = generateKey('ES256', { kid: 'k2' });

function sign(payload: JwtPayload = {}, options: SignJwtOptions = {}, signingKey = key.signingKey): string {
  return signJwt({ iss: ISS, aud: 'api', ...payload }, signingKey, {
    expiresIn: 'exp' in payload ? undefined : 300,
    clock,
    ...options,
  });
}
/** A token signjwt would refuse to make: header and payload as raw JSON text, signed with `key`. */
function forge(header: string, payload: string): string {
  const input = `${Buffer.from(header).toString('base64url')}.${Buffer.from(payload).toString('base64url')}`;
  return `${input}.${cryptoSign('sha256', Buffer.from(input), { key: key.signingKey.keyObject, dsaEncoding: 'ieee-p1363' }).toString('base64url')}`;
}
const HEADER = '{"alg":"ES256","kid":"k1"}';
const CLAIMS = `"iss":"${ISS}","aud":"api"`;
function verifier(options: Partial<VerifierOptions> = {}) {
  return createVerifier({
    issuer: ISS,
    audience: 'api',
    keys: [key.verificationKey],
    clock,
    ...options,
  });
}
async function rejects(promise: Promise<unknown>, code: string): Promise<void> {
  await assert.rejects(promise, (e) => {
    assert.ok(isTesseraError(e), `not a TesseraError: ${String(e)}`);
    assert.equal(e.code, code, e.message);
    return true;
  });
}

test('verifies a token and returns header, payload and the key', async () => {
  const result = await verifier().verify(sign({ sub: 'svc' }));
  assert.deepEqual(result.header, { alg: 'ES256', kid: 'k1', typ: 'JWT' });
  assert.equal(result.payload.sub, 'svc');
  assert.equal(result.key, key.verificationKey);
  assert.equal(verifier({ cache: false }).verifySync(sign()).payload.iss, ISS);
});

test('exp: required by default, "on or after" is expired, tolerance, details.expiredAt', async () => {
  await rejects(verifier().verify(sign({}, { expiresIn: undefined })), 'ERR_JWT_CLAIM_MISSING');
  assert.ok(await verifier({ requireExpiration: false }).verify(sign({}, { expiresIn: undefined })));
  const exp = NOW / 1000;
  await assert.rejects(
    verifier().verify(sign({ exp })),
    (e) => isTesseraError(e, 'ERR_JWT_EXPIRED') && e.details?.expiredAt === exp,
  );
  assert.ok(await verifier().verify(sign({ exp: exp + 1 })));
  assert.ok(await verifier({ clockTolerance: 30 }).verify(sign({ exp: exp - 29 })));
  await rejects(verifier({ clockTolerance: '30s' }).verify(sign({ exp: exp - 30 })), 'ERR_JWT_EXPIRED');
});

test('numeric dates must be finite numbers', async () => {
  for (const claims of [
    '"exp":"1900000000"',
    '"exp":null',
    '"exp":true',
    '"exp":1e400',
    '"exp":-1e400',
    '"exp":1900000000,"nbf":"now"',
    '"exp":1900000000,"iat":[1]',
    '"exp":{"$gt":0}',
  ]) {
    await rejects(verifier().verify(forge(HEADER, `{${CLAIMS},${claims}}`)), 'ERR_JWT_CLAIM_INVALID');
  }
  assert.ok(await verifier().verify(forge(HEADER, `{${CLAIMS},"exp":1900000000.5}`)));
  // Finite but absurd dates still get their own codes (no Date overflow on the way).
  await rejects(verifier().verify(forge(HEADER, `{${CLAIMS},"exp":-1e300}`)), 'ERR_JWT_EXPIRED');
  await rejects(verifier().verify(forge(HEADER, `{${CLAIMS},"exp":1e300,"nbf":1e300}`)), 'ERR_JWT_NOT_YET_VALID');
});

test('nbf and iat: not yet valid, tolerance, maxTokenAge', async () => {
  const now = NOW / 1000;
  await rejects(verifier().verify(sign({ nbf: now + 10 })), 'ERR_JWT_NOT_YET_VALID');
  assert.ok(await verifier({ clockTolerance: 10 }).verify(sign({ nbf: now + 10 })));
  assert.ok(await verifier().verify(sign({ nbf: now })));
  await rejects(verifier({ maxTokenAge: 60 }).verify(sign({}, { issuedAt: false })), 'ERR_JWT_CLAIM_MISSING');
  await rejects(verifier({ maxTokenAge: 60 }).verify(sign({ iat: now - 61 })), 'ERR_JWT_TOO_OLD');
  assert.ok(await verifier({ maxTokenAge: '1m' }).verify(sign({ iat: now - 60 })));
  await rejects(verifier({ maxTokenAge: 60 }).verify(sign({ iat: now + 5 })), 'ERR_JWT_NOT_YET_VALID');
  // An iat in the future is refused without maxTokenAge too (hardening issue), within the tolerance only.
  await rejects(verifier().verify(sign({ iat: now + 3600 })), 'ERR_JWT_NOT_YET_VALID');
  await rejects(verifier().verify(sign({ iat: now + 1 })), 'ERR_JWT_NOT_YET_VALID');
  assert.ok(await verifier({ clockTolerance: 5 }).verify(sign({ iat: now + 5 })));
  assert.ok(await verifier().verify(sign({ iat: now })));
});

test('a JWS carrying JWE parameters (enc, zip) or announcing a nested token (cty: JWT) is refused', async () => {
  const payload = `{${CLAIMS},"exp":1900000000}`;
  for (const header of [
    '{"alg":"ES256","kid":"k1","enc":"A256GCM"}',
    '{"alg":"ES256","kid":"k1","zip":"DEF"}',
    '{"alg":"ES256","kid":"k1","cty":"JWT"}',
    '{"alg":"ES256","kid":"k1","cty":"application/jwt"}',
    '{"alg":"ES256","kid":"k1","cty":"jwt"}',
    '{"alg":"ES256","kid":"k1","cty":7}',
  ]) {
    await rejects(verifier().verify(forge(header, payload)), 'ERR_JWT_MALFORMED');
    assert.throws(
      () => verifier().verifySync(forge(header, payload)),
      (e) => isTesseraError(e, 'ERR_JWT_MALFORMED'),
      header,
    );
  }
  // Other content types describe the payload, not a nesting, and stay accepted.
  assert.ok(await verifier().verify(forge('{"alg":"ES256","kid":"k1","cty":"json"}', payload)));
});

test('aud: exact match against a string or an array; absent when required', async () => {
  assert.ok(await verifier().verify(sign({ aud: ['x', 'api'] })));
  assert.ok(await verifier({ audience: ['other', 'api'] }).verify(sign({ aud: 'api' })));
  for (const aud of ['API', 'api/', ' api', ['x', 'y'], []])
    await rejects(verifier().verify(sign({ aud })), 'ERR_JWT_AUDIENCE_INVALID');
  await rejects(verifier().verify(sign({ aud: undefined })), 'ERR_JWT_CLAIM_MISSING');
  await rejects(verifier().verify(sign({ aud: [1] as unknown as string[] })), 'ERR_JWT_CLAIM_INVALID');
  assert.ok(await verifier({ audience: undefined }).verify(sign({ aud: 'anything' })));
});

test('subject, requiredClaims, typ, iss and sub types', async () => {
  assert.ok(await verifier({ subject: 'svc' }).verify(sign({ sub: 'svc' })));
  await rejects(verifier({ subject: 'svc' }).verify(sign({ sub: 'svc2' })), 'ERR_JWT_SUBJECT_INVALID');
  await rejects(verifier({ requiredClaims: ['jti'] }).verify(sign()), 'ERR_JWT_CLAIM_MISSING');
  await rejects(verifier({ requiredClaims: ['constructor'] }).verify(sign()), 'ERR_JWT_CLAIM_MISSING'); // own members only
  assert.ok(await verifier({ requiredClaims: ['jti'] }).verify(sign({ jti: 'j' })));
  assert.ok(await verifier({ typ: 'at+jwt' }).verify(sign({}, { typ: 'application/AT+JWT' })));
  await rejects(verifier({ typ: 'at+jwt' }).verify(sign()), 'ERR_JWT_TYP_INVALID');
  await rejects(verifier({ typ: 'at+jwt' }).verify(sign({}, { typ: null })), 'ERR_JWT_TYP_INVALID');
  await rejects(verifier().verify(sign({ iss: 7 as unknown as string })), 'ERR_JWT_CLAIM_INVALID');
  await rejects(verifier().verify(sign({ sub: 7 as unknown as string })), 'ERR_JWT_CLAIM_INVALID');
  await rejects(verifier().verify(sign({ iss: 'https://other.test' })), 'ERR_JWT_ISSUER_INVALID');
  await rejects(verifier().verify(sign({ iss: undefined })), 'ERR_JWT_CLAIM_MISSING');
});

test('several issuers: a key of issuer A never verifies a token claiming issuer B', async () => {
  const a = generateKey('RS256', { kid: 'a' });
  const b = generateKey('RS256', { kid: 'b' });
  const v = createVerifier({
    issuers: [
      { issuer: 'https://a.test', keys: [a.verificationKey] },
      { issuer: 'https://b.test', keys: createLocalJwks({ keys: [b.publicJwk] }), audience: 'b-api' },
    ],
    audience: 'api',
    clock,
  });
  assert.ok(await v.verify(signJwt({ iss: 'https://a.test', aud: 'api' }, a.signingKey, { expiresIn: 60, clock })));
  assert.ok(await v.verify(signJwt({ iss: 'https://b.test', aud: 'b-api' }, b.signingKey, { expiresIn: 60, clock })));
  // A signs a token that claims to come from B: B's key set has no kid "a".
  await rejects(
    v.verify(signJwt({ iss: 'https://b.test', aud: 'b-api' }, a.signingKey, { expiresIn: 60, clock })),
    'ERR_JWKS_NO_MATCHING_KEY',
  );
  // ... and without a kid, B's keys are tried and none verifies.
  await rejects(
    v.verify(signJwt({ iss: 'https://b.test', aud: 'b-api' }, a.signingKey, { expiresIn: 60, clock, kid: null })),
    'ERR_JWT_SIGNATURE_INVALID',
  );
  // ... and with B's kid, the signature does not verify under B's key.
  await rejects(
    v.verify(signJwt({ iss: 'https://b.test', aud: 'b-api' }, a.signingKey, { expiresIn: 60, clock, kid: 'b' })),
    'ERR_JWT_SIGNATURE_INVALID',
  );
  await rejects(
    v.verify(signJwt({ iss: 'https://b.test', aud: 'api' }, b.signingKey, { expiresIn: 60, clock })),
    'ERR_JWT_AUDIENCE_INVALID',
  );
  await rejects(
    v.verify(signJwt({ iss: 'https://c.test', aud: 'api' }, a.signingKey, { expiresIn: 60, clock })),
    'ERR_JWT_ISSUER_INVALID',
  );
  await rejects(v.verify(signJwt({ aud: 'api' }, a.signingKey, { expiresIn: 60, clock })), 'ERR_JWT_CLAIM_MISSING');
});

test('kid-less tokens are tried against every key of the alg', async () => {
  const v = verifier({ keys: [other.verificationKey, key.verificationKey] });
  assert.equal((await v.verify(sign({}, { kid: null }))).key, key.verificationKey);
});

test('the key decides the algorithm; the allow-list narrows it further', async () => {
  const hs = generateKey('HS256', { kid: 'k1' }); // same kid as the ES256 key
  await rejects(
    verifier().verify(signJwt({ iss: ISS, aud: 'api' }, hs.signingKey, { expiresIn: 60, clock })),
    'ERR_JWT_ALG_NOT_ALLOWED',
  );
  await rejects(verifier({ algorithms: ['RS256'] }).verify(sign()), 'ERR_JWT_ALG_NOT_ALLOWED');
  assert.ok(await verifier({ algorithms: ['ES256'] }).verify(sign()));
});

test('crit: only listed, understood, present extensions; b64 never', async () => {
  const payload = `{${CLAIMS},"exp":1900000000}`;
  await rejects(verifier().verify(forge('{"alg":"ES256","crit":["kid"],"kid":"k1"}', payload)), 'ERR_JWT_MALFORMED');
  await rejects(
    verifier().verify(forge('{"alg":"ES256","crit":["x-ext"],"x-ext":1}', payload)),
    'ERR_JWT_CRIT_UNSUPPORTED',
  );
  assert.ok(await verifier({ crit: ['x-ext'] }).verify(forge('{"alg":"ES256","crit":["x-ext"],"x-ext":1}', payload)));
  await rejects(
    verifier({ crit: ['x-ext'] }).verify(forge('{"alg":"ES256","crit":["x-ext"]}', payload)),
    'ERR_JWT_MALFORMED',
  );
  await rejects(verifier().verify(forge('{"alg":"ES256","crit":[]}', payload)), 'ERR_JWT_MALFORMED');
  await rejects(verifier().verify(forge('{"alg":"ES256","crit":"x-ext","x-ext":1}', payload)), 'ERR_JWT_MALFORMED');
  await rejects(
    verifier().verify(forge('{"alg":"ES256","b64":false,"crit":["b64"]}', payload)),
    'ERR_JWT_CRIT_UNSUPPORTED',
  );
  await rejects(verifier().verify(forge('{"alg":"ES256","b64":false}', payload)), 'ERR_JWT_CRIT_UNSUPPORTED');
  assert.throws(
    () => verifier({ crit: ['b64'] }),
    (e) => isTesseraError(e, 'ERR_CONFIG_INVALID'),
  );
});

test('cache: same result object while valid, never past exp, per verifier, switchable', async () => {
  let now = NOW;
  const moving = () => now;
  const v = createVerifier({ issuer: ISS, audience: 'api', keys: [key.verificationKey], clock: moving });
  const token = signJwt({ iss: ISS, aud: 'api' }, key.signingKey, { expiresIn: 60, clock: moving });
  const first = await v.verify(token);
  assert.equal(await v.verify(token), first);
  assert.equal(v.verifySync(token), first);
  assert.ok(Object.isFrozen(first.payload) && Object.isFrozen(first.header));
  assert.equal(v.cache?.size, 1);
  now += 60_000;
  await rejects(v.verify(token), 'ERR_JWT_EXPIRED');
  // A second verifier with other options never sees the first one's results.
  const strict = createVerifier({ issuer: ISS, audience: 'other', keys: [key.verificationKey], clock });
  await rejects(strict.verify(sign()), 'ERR_JWT_AUDIENCE_INVALID');
  const uncached = verifier({ cache: false });
  const t = sign();
  assert.notEqual(await uncached.verify(t), await uncached.verify(t));
  assert.equal(uncached.cache, undefined);
  const small = verifier({ cache: { max: 1 } });
  await small.verify(sign({ jti: 'a' }));
  await small.verify(sign({ jti: 'b' }));
  assert.equal(small.cache?.size, 1);
});

test('asynchronous key sources: awaited; failures become TesseraErrors; verifySync refuses to wait', async () => {
  const later: KeySource = { getKeys: () => Promise.resolve([key.verificationKey]) };
  const v = verifier({ keys: later, cache: false });
  assert.ok(await v.verify(sign()));
  assert.throws(
    () => v.verifySync(sign()),
    (e) => isTesseraError(e, 'ERR_JWKS_NOT_READY'),
  );
  await rejects(
    verifier({
      keys: {
        getKeys: () => Promise.reject(new Error('boom')),
      },
    }).verify(sign()),
    'ERR_JWKS_FETCH_FAILED',
  );
  await rejects(
    verifier({
      keys: {
        getKeys: () => {
          throw new TypeError('bad');
        },
      },
    }).verify(sign()),
    'ERR_JWKS_FETCH_FAILED',
  );
  await rejects(
    verifier({ keys: { getKeys: () => null as unknown as VerificationKey[] } }).verify(sign()),
    'ERR_JWKS_NO_MATCHING_KEY',
  );
  await rejects(verifier({ keys: { getKeys: () => [] } }).verify(sign()), 'ERR_JWKS_NO_MATCHING_KEY');
  let seen: JwsHeader | undefined;
  await verifier({ keys: { getKeys: (h) => ((seen = h), [key.verificationKey]) } }).verify(sign());
  assert.equal(seen?.kid, 'k1');
});

test('options are checked at creation', () => {
  const bad: Partial<VerifierOptions>[] = [
    { keys: undefined },
    { keys: 'x' as never },
    { issuer: '' },
    { audience: [] },
    { audience: [1] as never },
    { algorithms: ['none'] as never },
    { algorithms: [] },
    { clockTolerance: -1 },
    { clockTolerance: 'soon' },
    { maxTokenAge: 'x' },
    { requiredClaims: 'exp' as never },
    { requireExpiration: 'no' as never },
    { typ: '' },
    { clock: 5 as never },
    { cache: 'yes' as never },
    { cache: { max: 0 } },
    { maxTokenLength: 0 },
    { maxJsonDepth: 1.5 },
    { issuers: [] },
    { issuers: [{ issuer: ISS, keys: [key.verificationKey] }] },
  ];
  for (const options of bad)
    assert.throws(
      () => verifier(options),
      (e) => isTesseraError(e, 'ERR_CONFIG_INVALID'),
      JSON.stringify(options),
    );
  assert.throws(
    () =>
      createVerifier({
        issuers: [
          { issuer: 'a', keys: [key.verificationKey] },
          { issuer: 'a', keys: [key.verificationKey] },
        ],
      }),
    (e) => isTesseraError(e, 'ERR_CONFIG_INVALID'),
  );
  assert.throws(
    () => createVerifier(undefined as never),
    (e) => isTesseraError(e, 'ERR_CONFIG_INVALID'),
  );
});

test('the remembered header never stands in for a different one', () => {
  const v = verifier({ cache: false });
  const good = sign();
  const payload = `{${CLAIMS},"exp":1900000000}`;
  const critical = forge('{"alg":"ES256","kid":"k1","crit":["x"],"x":1}', payload);
  const noKid = forge('{"alg":"ES256"}', payload);
  for (let i = 0; i < 3; i++) {
    assert.ok(v.verifySync(good));
    assert.throws(
      () => v.verifySync(critical),
      (e) => isTesseraError(e, 'ERR_JWT_CRIT_UNSUPPORTED'),
    );
    assert.equal(v.verifySync(noKid).header.kid, undefined);
    assert.throws(
      () => v.verifySync(`${good.slice(0, good.indexOf('.') - 1)}.${good.slice(good.indexOf('.') + 1)}`),
      (e) => isTesseraError(e),
    );
  }
});

test('audience and subject refusals say what came and what was expected', async () => {
  await assert.rejects(verifier({ audience: ['api', 'admin'] }).verify(sign({ aud: 'web' })), (e) => {
    assert.ok(isTesseraError(e, 'ERR_JWT_AUDIENCE_INVALID'));
    assert.equal(e.message, 'token aud "web" is not "api" or "admin"');
    return true;
  });
  await assert.rejects(verifier().verify(sign({ aud: ['a', 'b', 'c', 'd'] })), (e) => {
    assert.ok(isTesseraError(e));
    assert.equal(e.message, 'token aud "a" or "b" or "c" (and 1 more) is not "api"');
    return true;
  });
  await assert.rejects(verifier({ subject: 'svc' }).verify(sign({ sub: 'svc2' })), (e) => {
    assert.ok(isTesseraError(e));
    assert.equal(e.message, 'token sub "svc2" is not "svc"');
    return true;
  });
});
