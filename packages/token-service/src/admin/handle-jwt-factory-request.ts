import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import { createJwtSigner, createVerifier, exportPem, isTesseraError, type JwtPayload } from '@tessera/core';
import { tokenServiceErrors } from '../errors.js';
import {
  generateKeyPairJwk,
  RING_ALGORITHMS,
  toSigningKey,
  toVerificationKey,
  type RingAlgorithm,
} from '../internal/jose.js';
import type { StoredKey } from '../storage/index.js';
import { sendJson } from '../http/send-json.js';
import type { ServiceContext } from '../http/service-context.js';
import { parseJsonBody } from './internal/admin-io.js';

/**
 * The default `iss` of jwt-factory tokens, as the original service set it.
 *
 * @example
 * ```ts
 * payload.iss ??= JWT_FACTORY_ISSUER;
 * ```
 */
export const JWT_FACTORY_ISSUER = 'https://jwt-factory/';

const keyIdPattern = /^[A-Za-z0-9._-]{1,64}$/;
const algSchema = z.enum(RING_ALGORITHMS);
const numericDate = z.number().finite().nonnegative();
const stringOrUri = z.string().min(1);
// RFC 7519 §4.1: the registered claims keep their types, so the factory never signs a token its own
// verify (or any verifier) would refuse; other claims are the caller's.
const claimsSchema = z
  .looseObject({
    iss: stringOrUri.optional(),
    sub: stringOrUri.optional(),
    aud: z.union([stringOrUri, z.array(stringOrUri).min(1)]).optional(),
    exp: numericDate.optional(),
    nbf: numericDate.optional(),
    iat: numericDate.optional(),
    jti: z.string().min(1).optional(),
  })
  .refine((c) => !Object.hasOwn(c, '__proto__'), 'invalid claim name');
const verifySchema = z.looseObject({
  token: z.string().min(1).max(16_384),
  aud: z.string().min(1).optional(),
  sub: z.string().min(1).optional(),
});

/** A jsonwebtoken-style verification answer (the shape jwt-factory users know). */
export type FactoryVerification =
  | { readonly valid: true; readonly claims: JwtPayload }
  | {
      readonly valid: false;
      readonly error: {
        readonly name: 'TokenExpiredError' | 'JsonWebTokenError' | 'NotBeforeError';
        readonly message: string;
        readonly expiredAt?: string;
        readonly date?: string;
      };
      readonly claims: Record<string, never>;
    };

/**
 * The jwt-factory API inside the admin API (`/admin/jwt-factory/…`), the endpoints and fields of
 * the original service (brief 002), backed by named keys in the key store:
 * - `GET /keys/:keyId` (or POST) — create a key pair under `keyId` (`?alg=`, RS256 default); an
 *   existing key is returned as is;
 * - `POST /issueToken/:keyId?expired=1` — body = claims; `iss` defaults to `https://jwt-factory/`,
 *   `sub` to the key id, `exp` to one hour; `expired=1` issues a token that expired a minute ago;
 * - `POST /verify/:keyId` — body `{ token, aud, sub }` → `{ valid, claims }` or
 *   `{ valid: false, error: { name, message, expiredAt } }` with jsonwebtoken's error names;
 * - `GET /utils/publicKey/:keyId` — base64 PEM (`publicKey`), plus `pem` and `jwk`;
 * - `GET /utils/keys` — the key ids; `POST /utils/dump` — PEM files into `<dataDir>/keys`.
 *
 * @example
 * ```ts
 * if (parts[0] === 'jwt-factory') return handleJwtFactoryRequest(ctx, req, res, parts.slice(1), query, body);
 * ```
 */
export async function handleJwtFactoryRequest(
  ctx: ServiceContext,
  req: IncomingMessage,
  res: ServerResponse,
  parts: readonly string[],
  query: URLSearchParams,
  body: Buffer,
  actor: string,
): Promise<void> {
  const method = req.method ?? 'GET';
  const [head, second, third] = parts;
  if (head === 'keys' && parts.length === 2 && (method === 'GET' || method === 'POST'))
    return createNamedKey(ctx, res, keyId(second), query, actor);
  if (head === 'issueToken' && parts.length === 2 && method === 'POST') {
    const key = await namedKey(ctx, keyId(second));
    const claims = parseJsonBody(req, body, claimsSchema) as JwtPayload;
    const now = Math.floor(ctx.clock() / 1000);
    const expired = query.get('expired') === '1';
    const payload: JwtPayload = { iss: JWT_FACTORY_ISSUER, sub: key.kid, ...claims };
    payload.iat = expired ? now - 3660 : (claims.iat ?? now);
    payload.exp = expired ? now - 60 : (claims.exp ?? now + 3600);
    const signingKey = toSigningKey(key.privateJwk!, key.alg as RingAlgorithm, key.kid);
    const token = await createJwtSigner(signingKey, { kid: key.kid, issuedAt: false }).signAsync(payload);
    const record = {
      actor,
      action: 'factory.token.issued',
      target: key.kid,
      details: { sub: payload.sub, aud: payload.aud, exp: payload.exp, expired },
    };
    // As at the token endpoint: no token without its record when `audit.required`.
    if (ctx.config.audit.required) await ctx.audit.required(record);
    else await ctx.audit(record);
    return sendJson(res, 200, { token }, { 'cache-control': 'no-store' });
  }
  if (head === 'verify' && parts.length === 2 && method === 'POST') {
    const key = await namedKey(ctx, keyId(second));
    const input = parseJsonBody(req, body, verifySchema);
    return sendJson(res, 200, await verifyWithNamedKey(ctx, key, input.token, input.aud, input.sub));
  }
  if (head === 'utils' && second === 'publicKey' && parts.length === 3 && method === 'GET') {
    const key = await namedKey(ctx, keyId(third));
    const pem = exportPem(toVerificationKey(key.publicJwk, key.alg as RingAlgorithm, key.kid));
    return sendJson(res, 200, {
      keyId: key.kid,
      alg: key.alg,
      publicKey: Buffer.from(pem).toString('base64'),
      pem,
      jwk: key.publicJwk,
    });
  }
  if (head === 'utils' && second === 'keys' && parts.length === 2 && method === 'GET') {
    return sendJson(res, 200, { keys: (await ctx.storage.keys.list({ purpose: 'named' })).map((k) => k.kid) });
  }
  if (head === 'utils' && second === 'dump' && parts.length === 2 && method === 'POST') {
    // Only ever into the data directory: the admin API never writes where a request says.
    const dir = resolve(ctx.config.storage.dataDir, 'keys');
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const keys = await ctx.storage.keys.list({ purpose: 'named' });
    for (const key of keys) {
      await writeFile(
        join(dir, `${key.kid}.private.pem`),
        exportPem(toSigningKey(key.privateJwk!, key.alg as RingAlgorithm, key.kid)),
        { mode: 0o600 },
      );
      await writeFile(
        join(dir, `${key.kid}.public.pem`),
        exportPem(toVerificationKey(key.publicJwk, key.alg as RingAlgorithm, key.kid)),
        { mode: 0o644 },
      );
    }
    await ctx.audit({ actor, action: 'factory.keys.dumped', details: { dir, keys: keys.map((k) => k.kid) } });
    return sendJson(res, 200, { dir, keys: keys.map((k) => k.kid) });
  }
  throw tokenServiceErrors.create('ERR_ADMIN_NOT_FOUND', 'no such jwt-factory endpoint');
}

function keyId(value: string | undefined): string {
  if (value === undefined || !keyIdPattern.test(value))
    throw tokenServiceErrors.create('ERR_ADMIN_BAD_REQUEST', 'keyId must be 1-64 characters of A-Z a-z 0-9 . _ -');
  return value;
}

async function namedKey(ctx: ServiceContext, kid: string): Promise<StoredKey> {
  const key = await ctx.storage.keys.get(kid);
  if (key === undefined || key.purpose !== 'named' || key.privateJwk === undefined)
    throw tokenServiceErrors.create('ERR_ADMIN_NOT_FOUND', `no key "${kid}"`);
  return key;
}

async function createNamedKey(
  ctx: ServiceContext,
  res: ServerResponse,
  kid: string,
  query: URLSearchParams,
  actor: string,
): Promise<void> {
  const existing = await ctx.storage.keys.get(kid);
  if (existing !== undefined) {
    if (existing.purpose !== 'named')
      throw tokenServiceErrors.create('ERR_ADMIN_CONFLICT', `"${kid}" is a signing ring key id`);
    return sendJson(res, 200, { keyId: kid, alg: existing.alg, created: false, jwk: existing.publicJwk });
  }
  const alg = algSchema.safeParse(query.get('alg') ?? 'RS256');
  if (!alg.success)
    throw tokenServiceErrors.create('ERR_ADMIN_BAD_REQUEST', `alg must be one of ${RING_ALGORITHMS.join(', ')}`);
  const pair = generateKeyPairJwk(alg.data, kid);
  await ctx.storage.keys.create({
    kid,
    purpose: 'named',
    alg: alg.data,
    state: 'active',
    createdAt: ctx.clock(),
    activatedAt: ctx.clock(),
    publicJwk: pair.publicJwk,
    privateJwk: pair.privateJwk,
  });
  await ctx.audit({ actor, action: 'factory.key.created', target: kid, details: { alg: alg.data } });
  sendJson(res, 201, { keyId: kid, alg: alg.data, created: true, jwk: pair.publicJwk });
}

/**
 * Verifies `token` with a named key and the expected `aud`/`sub`, answering like jsonwebtoken's
 * `verify`: error names `TokenExpiredError` (with `expiredAt`), `NotBeforeError` (with `date`) and
 * `JsonWebTokenError`.
 *
 * @example
 * ```ts
 * const result = await verifyWithNamedKey(ctx, key, token, 'serviceb', 'servicea');
 * if (!result.valid) reply(401, result.error);
 * ```
 */
export async function verifyWithNamedKey(
  ctx: ServiceContext,
  key: StoredKey,
  token: string,
  aud: string | undefined,
  sub: string | undefined,
): Promise<FactoryVerification> {
  const verifier = createVerifier({
    keys: [toVerificationKey(key.publicJwk, key.alg as RingAlgorithm, key.kid)],
    algorithms: [key.alg as RingAlgorithm],
    ...(aud === undefined ? {} : { audience: aud }),
    ...(sub === undefined ? {} : { subject: sub }),
    requireExpiration: false,
    clock: ctx.clock,
    cache: false,
  });
  try {
    const { payload } = await verifier.verify(token);
    return { valid: true, claims: payload };
  } catch (e) {
    if (!isTesseraError(e)) throw e;
    const at = (name: string) => {
      const v = e.details?.[name];
      return typeof v === 'number' ? new Date(v * 1000).toISOString() : undefined;
    };
    // Only the verifier's codes have a jsonwebtoken equivalent; `default` covers every other code.
    // eslint-disable-next-line @typescript-eslint/switch-exhaustiveness-check -- e.code is a closed union of every package's codes
    switch (e.code) {
      case 'ERR_JWT_EXPIRED':
        return {
          valid: false,
          error: {
            name: 'TokenExpiredError',
            message: 'jwt expired',
            ...(at('expiredAt') === undefined ? {} : { expiredAt: at('expiredAt')! }),
          },
          claims: {},
        };
      case 'ERR_JWT_NOT_YET_VALID':
        return {
          valid: false,
          error: {
            name: 'NotBeforeError',
            message: 'jwt not active',
            ...(at('notBefore') === undefined ? {} : { date: at('notBefore')! }),
          },
          claims: {},
        };
      case 'ERR_JWT_AUDIENCE_INVALID':
        return {
          valid: false,
          error: { name: 'JsonWebTokenError', message: `jwt audience invalid. expected: ${aud}` },
          claims: {},
        };
      case 'ERR_JWT_SUBJECT_INVALID':
        return {
          valid: false,
          error: { name: 'JsonWebTokenError', message: `jwt subject invalid. expected: ${sub}` },
          claims: {},
        };
      case 'ERR_JWT_SIGNATURE_INVALID':
      case 'ERR_JWKS_NO_MATCHING_KEY':
        return { valid: false, error: { name: 'JsonWebTokenError', message: 'invalid signature' }, claims: {} };
      case 'ERR_JWT_MALFORMED':
        return { valid: false, error: { name: 'JsonWebTokenError', message: 'jwt malformed' }, claims: {} };
      case 'ERR_JWT_ALG_NOT_ALLOWED':
        return { valid: false, error: { name: 'JsonWebTokenError', message: 'invalid algorithm' }, claims: {} };
      default:
        return { valid: false, error: { name: 'JsonWebTokenError', message: e.message }, claims: {} };
    }
  }
}
