import { z } from 'zod';
import {
  createLocalJwks,
  createVerifier,
  decodeJwt,
  isTesseraError,
  type KeySource,
  type LocalJwks,
  type VerifierOptions,
} from '@tessera/core';
import { tokenServiceErrors } from '../errors.js';
import type { ServiceContext } from '../http/service-context.js';

/** What `POST /admin/tokens/inspect` takes. */
export const inspectRequestSchema = z.strictObject({
  token: z.string().min(1).max(16_384),
  /** Keys to check the signature with instead of this service's live JWKS. */
  jwks: z.strictObject({ keys: z.array(z.record(z.string(), z.unknown())).max(100) }).optional(),
  /** The expected issuer; default this service's. */
  issuer: z.string().min(1).max(2048).optional(),
  audience: z.union([z.string().min(1), z.array(z.string().min(1)).min(1).max(20)]).optional(),
  subject: z.string().min(1).max(1024).optional(),
  typ: z.string().min(1).max(100).optional(),
});

/** One check of the report: passed, failed (with the verifier's code and reason), or not made (and why). */
export interface TokenCheck {
  readonly check: 'format' | 'signature' | 'crit' | 'iss' | 'aud' | 'sub' | 'typ' | 'exp' | 'nbf' | 'revocation';
  readonly status: 'passed' | 'failed' | 'skipped';
  readonly code?: string;
  readonly message?: string;
}

/** What the token debugger shows: the verdict, the parts, and each check. */
export interface TokenReport {
  /** What a Tessera verifier with these options answers (`tessera token verify`'s verdict), revocation included. */
  readonly valid: boolean;
  readonly error?: { readonly code: string; readonly message: string };
  readonly header?: Readonly<Record<string, unknown>>;
  readonly payload?: Readonly<Record<string, unknown>>;
  /** `exp`, `nbf`, `iat` as ISO 8601 (UTC), for the page to show in local time. */
  readonly times: Readonly<Record<string, string>>;
  readonly keys: 'live' | 'pasted';
  /** Keys of a pasted set that could not be used, and why. */
  readonly droppedKeys?: readonly { readonly kid?: string; readonly reason: string }[];
  readonly checks: readonly TokenCheck[];
}

/** The outcome of one verifier run: passed, or the verifier's refusal. */
async function run(token: string, options: VerifierOptions): Promise<Omit<TokenCheck, 'check'>> {
  try {
    await createVerifier({ ...options, cache: false }).verify(token);
    return { status: 'passed' };
  } catch (error) {
    if (!isTesseraError(error)) throw error;
    return { status: 'failed', code: error.code, message: error.message };
  }
}

/**
 * Inspects a token for the console's debugger with core's `createVerifier`, the code `tessera
 * token verify` runs, so the verdict and its reason are the CLI's: against this service's live
 * JWKS (or pasted keys), its issuer (or the one given), and the audience, subject and `typ` when
 * given; then whether its `jti` is revoked here. Each check is also made on its own, so the page
 * can list every one that fails, not only the first: the signature (at an instant inside the
 * token's lifetime), each claim (the same), `exp` (now, or from `nbf` on) and `nbf` (now, or up to
 * `exp`). A token that is not a JWS at all is a failed `format` check, not an error.
 *
 * @example
 * ```ts
 * const report = await inspectToken(ctx, { token, audience: 'orders' });
 * ```
 */
export async function inspectToken(
  ctx: ServiceContext,
  input: z.output<typeof inspectRequestSchema>,
): Promise<TokenReport> {
  const token = input.token.trim();
  let pasted: LocalJwks | undefined;
  try {
    pasted = input.jwks === undefined ? undefined : createLocalJwks(input.jwks as { keys: [] });
  } catch (error) {
    if (!isTesseraError(error)) throw error;
    throw tokenServiceErrors.create('ERR_ADMIN_BAD_REQUEST', `jwks: ${error.message}`);
  }
  const keys: KeySource = pasted ?? ctx.keyRing.keySource;
  const source = pasted === undefined ? 'live' : 'pasted';
  const dropped =
    pasted === undefined || pasted.dropped.length === 0
      ? {}
      : {
          droppedKeys: pasted.dropped.map((d) => ({
            ...(d.kid === undefined ? {} : { kid: d.kid }),
            reason: d.reason,
          })),
        };
  let decoded;
  try {
    decoded = decodeJwt(token);
  } catch (error) {
    if (!isTesseraError(error)) throw error;
    const failure = { code: error.code, message: error.message };
    return {
      valid: false,
      error: failure,
      times: {},
      keys: source,
      ...dropped,
      checks: [{ check: 'format', status: 'failed', ...failure }],
    };
  }
  const { header, payload } = decoded;
  const issuer = input.issuer ?? ctx.issuerUrl();
  const skew = ctx.config.tokens.clockSkewSeconds;
  const now = ctx.clock();
  const seconds = (name: string) => (typeof payload[name] === 'number' ? payload[name] : undefined);
  const times: Record<string, string> = {};
  for (const name of ['exp', 'nbf', 'iat']) {
    const at = seconds(name);
    if (at !== undefined && Number.isFinite(at) && Math.abs(at) < 1e11) times[name] = new Date(at * 1000).toISOString();
  }
  // An instant at which the token's own dates hold, to check the rest apart from them.
  const from = Math.max(seconds('nbf') ?? -Infinity, seconds('iat') ?? -Infinity) * 1000;
  const until = (seconds('exp') ?? Infinity) * 1000 - 1000;
  const inside = Math.min(Math.max(now, from), until);
  const base: VerifierOptions = { keys, clock: () => inside, requireExpiration: false };

  const verdict = await run(token, {
    keys,
    issuer,
    clock: () => now,
    clockTolerance: skew,
    ...(input.audience === undefined ? {} : { audience: input.audience }),
    ...(input.subject === undefined ? {} : { subject: input.subject }),
    ...(input.typ === undefined ? {} : { typ: input.typ }),
  });
  const jti = typeof payload.jti === 'string' ? payload.jti : undefined;
  const revoked = jti === undefined ? false : await ctx.storage.revocations.isRevoked(jti);

  const checks: TokenCheck[] = [{ check: 'format', status: 'passed' }];
  const signature = await run(token, base);
  const critFailed = signature.code === 'ERR_JWT_CRIT_UNSUPPORTED';
  checks.push(
    critFailed
      ? { check: 'signature', status: 'skipped', message: 'not checked: the token names a critical extension' }
      : { check: 'signature', ...signature },
    { check: 'crit', ...(critFailed ? signature : { status: 'passed' }) },
  );
  const signed = signature.status === 'passed';
  const skipped = (check: TokenCheck['check'], message: string): TokenCheck => ({ check, status: 'skipped', message });
  const claims: [TokenCheck['check'], VerifierOptions | undefined][] = [
    ['iss', { issuer }],
    ['aud', input.audience === undefined ? undefined : { audience: input.audience }],
    ['sub', input.subject === undefined ? undefined : { subject: input.subject }],
    ['typ', input.typ === undefined ? undefined : { typ: input.typ }],
    ['exp', { clock: () => Math.max(now, from), clockTolerance: skew, requireExpiration: true }],
    ['nbf', { clock: () => Math.min(now, until), clockTolerance: skew }],
  ];
  for (const [check, options] of claims) {
    if (options === undefined) checks.push(skipped(check, 'not asked for'));
    else if (!signed) checks.push(skipped(check, 'not checked: the signature did not verify'));
    else checks.push({ check, ...(await run(token, { ...base, ...options })) });
  }
  checks.push(
    jti === undefined
      ? skipped('revocation', 'the token has no jti')
      : revoked
        ? { check: 'revocation', status: 'failed', code: 'REVOKED', message: `jti ${jti} is revoked at this service` }
        : { check: 'revocation', status: 'passed' },
  );
  const error =
    verdict.status === 'failed'
      ? { code: verdict.code!, message: verdict.message! }
      : revoked
        ? { code: 'REVOKED', message: `jti ${jti} is revoked at this service` }
        : undefined;
  return {
    valid: error === undefined,
    ...(error === undefined ? {} : { error }),
    header,
    payload,
    times,
    keys: source,
    ...dropped,
    checks,
  };
}
