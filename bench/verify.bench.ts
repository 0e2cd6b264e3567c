// Verify and sign throughput: Tessera side by side with jose, fast-jwt, jsonwebtoken and raw
// node:crypto (the floor), for RS256, ES256, EdDSA and HS256 (issue 2, "Benchmark").
import {
  constants,
  createHmac,
  createPrivateKey,
  sign as cryptoSign,
  timingSafeEqual,
  verify as cryptoVerify,
  type KeyObject,
} from 'node:crypto';
import * as jose from 'jose';
import { createSigner as fastSigner, createVerifier as fastVerifier } from 'fast-jwt';
import jsonwebtoken from 'jsonwebtoken';
import { createVerifier, exportPem, generateKey, signJwt, type JwsAlgorithm } from '@tessera/core';
import { formatOps, measure, table, type BenchCase } from './internal/measure.js';

const ALGORITHMS = ['RS256', 'ES256', 'EdDSA', 'HS256'] as const satisfies readonly JwsAlgorithm[];
const ISSUER = 'https://issuer.bench';
const AUDIENCE = 'bench-service';

/** The floor: split, base64url-decode, JSON.parse both parts, one crypto call with a prepared key. */
function rawVerifier(alg: (typeof ALGORITHMS)[number], key: KeyObject): (token: string) => unknown {
  const hash = alg === 'EdDSA' ? null : 'sha256';
  const options = alg === 'ES256' ? { key, dsaEncoding: 'ieee-p1363' as const } : key;
  return (token) => {
    const first = token.indexOf('.');
    const second = token.indexOf('.', first + 1);
    const header = JSON.parse(Buffer.from(token.slice(0, first), 'base64url').toString()) as { alg?: unknown };
    const payload: unknown = JSON.parse(Buffer.from(token.slice(first + 1, second), 'base64url').toString());
    const signature = Buffer.from(token.slice(second + 1), 'base64url');
    const input = Buffer.from(token.slice(0, second));
    const ok =
      alg === 'HS256'
        ? timingSafeEqual(createHmac('sha256', key).update(input).digest(), signature)
        : cryptoVerify(hash, input, options, signature);
    if (!ok || header.alg !== alg) throw new Error('bad');
    return payload;
  };
}

function rawSigner(alg: (typeof ALGORITHMS)[number], key: KeyObject, payload: object): () => string {
  const header = Buffer.from(JSON.stringify({ alg, typ: 'JWT' })).toString('base64url');
  return () => {
    const input = `${header}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}`;
    const data = Buffer.from(input);
    const signature =
      alg === 'HS256'
        ? createHmac('sha256', key).update(data).digest()
        : alg === 'EdDSA'
          ? cryptoSign(null, data, key)
          : alg === 'ES256'
            ? cryptoSign('sha256', data, { key, dsaEncoding: 'ieee-p1363' })
            : cryptoSign('sha256', data, { key, padding: constants.RSA_PKCS1_PADDING });
    return `${input}.${signature.toString('base64url')}`;
  };
}

export default async function run(): Promise<void> {
  const verifyRows: string[][] = [];
  const signRows: string[][] = [];
  const ratioRows: string[][] = [];
  const now = Date.now();
  const payload = {
    iss: ISSUER,
    aud: AUDIENCE,
    sub: 'spiffe://cluster.local/ns/default/sa/orders',
    scope: 'orders:read orders:write',
    client_id: 'orders',
    jti: 'b1f2c3d4e5f6',
  };
  for (const alg of ALGORITHMS) {
    const generated = generateKey(alg);
    const token = signJwt(payload, generated.signingKey, { expiresIn: 3600, clock: () => now });
    const publicKey = generated.verificationKey.keyObject;
    const isHmac = alg === 'HS256';
    const secret = isHmac ? publicKey.export() : undefined;
    const publicPem = isHmac ? undefined : exportPem(generated.verificationKey);
    const privatePem = isHmac ? undefined : exportPem(generated.signingKey);

    const tesseraOff = createVerifier({
      issuer: ISSUER,
      audience: AUDIENCE,
      keys: [generated.verificationKey],
      algorithms: [alg],
      cache: false,
    });
    const tesseraOn = createVerifier({
      issuer: ISSUER,
      audience: AUDIENCE,
      keys: [generated.verificationKey],
      algorithms: [alg],
    });
    const joseKey = isHmac ? new Uint8Array(secret!) : publicKey;
    const fastKey = isHmac ? secret! : publicPem!;
    const fastOff = fastVerifier({
      key: fastKey,
      algorithms: [alg],
      allowedIss: ISSUER,
      allowedAud: AUDIENCE,
      cache: false,
    });
    const fastOn = fastVerifier({
      key: fastKey,
      algorithms: [alg],
      allowedIss: ISSUER,
      allowedAud: AUDIENCE,
      cache: true,
    });
    const raw = rawVerifier(alg, publicKey);
    // Every contender must accept the token before it is timed.
    tesseraOff.verifySync(token);
    await tesseraOn.verify(token);
    await jose.jwtVerify(token, joseKey, { issuer: ISSUER, audience: AUDIENCE, algorithms: [alg] });
    fastOff(token);
    fastOn(token);
    raw(token);
    const cases: BenchCase[] = [
      { name: 'raw', fn: () => raw(token) },
      { name: 'tessera', fn: () => tesseraOff.verifySync(token) },
      { name: 'tessera async', fn: () => tesseraOff.verify(token) },
      { name: 'tessera cache', fn: () => tesseraOn.verifySync(token) },
      {
        name: 'jose',
        fn: () => jose.jwtVerify(token, joseKey, { issuer: ISSUER, audience: AUDIENCE, algorithms: [alg] }),
      },
      // fast-jwt's synchronous verifier is typed as returning `any`.
      { name: 'fast-jwt', fn: (): unknown => fastOff(token) },
      { name: 'fast-jwt cache', fn: (): unknown => fastOn(token) },
    ];
    if (alg !== 'EdDSA') {
      // jsonwebtoken 9 has no EdDSA.
      // jsonwebtoken takes a KeyObject, so it gets a prepared key like the others.
      const key = isHmac ? secret! : publicKey;
      jsonwebtoken.verify(token, key, { algorithms: [alg], issuer: ISSUER, audience: AUDIENCE });
      cases.push({
        name: 'jsonwebtoken',
        fn: () => jsonwebtoken.verify(token, key, { algorithms: [alg], issuer: ISSUER, audience: AUDIENCE }),
      });
    }
    const v = await measure(cases);
    verifyRows.push([
      alg,
      ...['raw', 'tessera', 'tessera async', 'tessera cache', 'jose', 'fast-jwt', 'fast-jwt cache', 'jsonwebtoken'].map(
        (n) => formatOps(v.best(n)),
      ),
    ]);
    const ratio = (a: string, b: string) => `${v.ratio(a, b)!.toFixed(2)}× (${v.cpuRatio(a, b)!.toFixed(2)}×)`;
    ratioRows.push([
      alg,
      ratio('tessera', 'raw'),
      ratio('tessera async', 'raw'),
      ratio('tessera', 'jose'),
      ratio('tessera cache', 'fast-jwt cache'),
    ]);

    // Signing.
    const signPayload = { ...payload, exp: Math.floor(now / 1000) + 3600 };
    const privateKey = isHmac ? generated.signingKey.keyObject : createPrivateKey(privatePem!);
    const joseSignKey = isHmac ? new Uint8Array(secret!) : privateKey;
    const fastSign = fastSigner({ key: isHmac ? secret! : privatePem!, algorithm: alg, noTimestamp: true });
    const rawSign = rawSigner(alg, privateKey, signPayload);
    const signCases: BenchCase[] = [
      { name: 'raw', fn: rawSign },
      { name: 'tessera', fn: () => signJwt(signPayload, generated.signingKey, { issuedAt: false }) },
      {
        name: 'jose',
        fn: () => new jose.SignJWT(signPayload).setProtectedHeader({ alg, typ: 'JWT' }).sign(joseSignKey),
      },
      { name: 'fast-jwt', fn: () => fastSign(signPayload) },
    ];
    if (alg !== 'EdDSA') {
      const key = isHmac ? secret! : privateKey;
      signCases.push({
        name: 'jsonwebtoken',
        fn: () => jsonwebtoken.sign(signPayload, key, { algorithm: alg, noTimestamp: true }),
      });
    }
    const s = await measure(signCases, { rounds: 4, sliceMs: 100 });
    signRows.push([
      alg,
      ...['raw', 'tessera', 'jose', 'fast-jwt', 'jsonwebtoken'].map((n) => formatOps(s.best(n))),
      `${s.ratio('tessera', 'raw')!.toFixed(2)}× (${s.cpuRatio('tessera', 'raw')!.toFixed(2)}×)`,
    ]);
    process.stdout.write(`  measured ${alg}\n`);
  }
  console.log('\nverify ops/s (best of 10 interleaved 100 ms slices; "cache" = verified-token cache on, same token;');
  console.log('"tessera" = verifySync, "tessera async" = await verify)\n');
  console.log(
    table(
      [
        'alg',
        'raw node:crypto',
        'tessera',
        'tessera async',
        'tessera cache',
        'jose',
        'fast-jwt',
        'fast-jwt cache',
        'jsonwebtoken',
      ],
      verifyRows,
    ),
  );
  console.log(
    '\nratios: median over the 10 rounds of the ratio of back-to-back slices, by wall clock (and by CPU time, which',
  );
  console.log(
    'load from other processes disturbs less). Targets: tessera/raw ≥ 0.90, tessera cache/fast-jwt cache ≥ 1.00\n',
  );
  console.log(
    table(
      [
        'alg',
        'tessera / raw (cpu)',
        'tessera async / raw (cpu)',
        'tessera / jose (cpu)',
        'tessera cache / fast-jwt cache (cpu)',
      ],
      ratioRows,
    ),
  );
  console.log('\nsign ops/s\n');
  console.log(
    table(['alg', 'raw node:crypto', 'tessera', 'jose', 'fast-jwt', 'jsonwebtoken', 'tessera / raw (cpu)'], signRows),
  );
}
