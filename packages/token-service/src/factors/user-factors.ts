import { isTesseraError } from '@tessera/core';
import type { SecretSealer, StoredUser, UserStore } from '../storage/index.js';
import type { StoredPasskey } from './stored-passkey.js';
import { matchRecoveryCode, newRecoveryCodes } from './recovery-codes.js';
import { matchTotp, newTotpSecret } from './totp.js';

/** A user's second factors, as the user record keeps them (its `factors` member). */
export interface UserFactors {
  /** A confirmed TOTP authenticator: the secret sealed with the KEK, and the step of the last code accepted. */
  readonly totp?: { readonly secret: string; readonly enrolledAt: number; readonly lastStep: number };
  /** An authenticator being set up: shown as a QR code, confirmed by its first code. */
  readonly pendingTotp?: { readonly secret: string; readonly expiresAt: number };
  /** Single-use recovery codes' hashes; a used one is `null`. */
  readonly recovery?: { readonly hashes: readonly (string | null)[]; readonly createdAt: number };
  /** Passkeys (WebAuthn credentials), each named by the user. */
  readonly passkeys?: readonly StoredPasskey[];
  /** A passkey being made on the account page: the challenge its registration must sign. */
  readonly pendingPasskey?: { readonly challenge: string; readonly expiresAt: number };
}

/** How the second step of a login was passed with a code (RFC 8176 `amr` values follow from it). */
export type SecondFactorMethod = 'otp' | 'recovery-code';

/** What the factor operations need. */
export interface FactorDeps {
  readonly users: UserStore;
  readonly secrets: SecretSealer;
  readonly clock: () => number;
}

/** How long a scanned-but-unconfirmed authenticator may wait for its first code. */
const PENDING_SECONDS = 600;

/** The user's factors, read defensively (a record edited by hand may hold anything). */
export function factorsOf(user: StoredUser): UserFactors {
  const f = user['factors'];
  return typeof f === 'object' && f !== null ? f : {};
}

/** True when the user has a second factor to be asked for at login: an authenticator app or a passkey. */
export function hasSecondFactor(user: StoredUser): boolean {
  const factors = factorsOf(user);
  return factors.totp !== undefined || (factors.passkeys?.length ?? 0) > 0;
}

/** The user's passkeys. */
export function passkeysOf(user: StoredUser): readonly StoredPasskey[] {
  return factorsOf(user).passkeys ?? [];
}

/**
 * The factors as stored after one is removed: with no second factor left, the recovery codes go
 * too (they only stand in for one).
 */
export function afterRemoval(factors: UserFactors): UserFactors {
  if (factors.totp !== undefined || (factors.passkeys?.length ?? 0) > 0) return factors;
  const { recovery: _codes, ...rest } = factors;
  return rest;
}

/** Recovery codes for a user getting a first second factor (none when they have codes): the record's and the ones to show once. */
export function firstRecoveryCodes(
  factors: UserFactors,
  now: number,
): { readonly recovery?: UserFactors['recovery']; readonly codes?: readonly string[] } {
  if (factors.recovery !== undefined) return {};
  const fresh = newRecoveryCodes();
  return { recovery: { hashes: fresh.hashes, createdAt: now }, codes: fresh.codes };
}

/** How many unused recovery codes the user has. */
export function recoveryCodesLeft(user: StoredUser): number {
  return factorsOf(user).recovery?.hashes.filter((h) => h !== null).length ?? 0;
}

/**
 * Applies `change` to the user's factors as a compare-and-set on the record (`expectedUpdatedAt`),
 * reading again when another request changed it first: two requests with the same code cannot
 * both see it unused. `change` answers the new factors and a result, or `undefined` to leave the
 * record as it is.
 */
export async function changeFactors<T>(
  deps: FactorDeps,
  userId: string,
  change: (factors: UserFactors, user: StoredUser) => { factors: UserFactors; result: T } | undefined,
): Promise<T | undefined> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const user = await deps.users.get(userId);
    if (user === undefined) return undefined;
    const changed = change(factorsOf(user), user);
    if (changed === undefined) return undefined;
    try {
      await deps.users.update(userId, { factors: changed.factors }, { expectedUpdatedAt: user.updatedAt });
      return changed.result;
    } catch (err) {
      if (!isTesseraError(err, 'ERR_STORE_CONFLICT')) throw err;
    }
  }
  return undefined;
}

/**
 * Checks a second-factor code typed at login: a TOTP code (six digits, ±1 step, never the same
 * step twice) or an unused recovery code (used up by this call). The method, or undefined.
 *
 * @example
 * ```ts
 * const method = await verifySecondFactor(deps, user.userId, form.get('code') ?? '');
 * ```
 */
export function verifySecondFactor(
  deps: FactorDeps,
  userId: string,
  code: string,
): Promise<SecondFactorMethod | undefined> {
  const typed = code.trim();
  return changeFactors<SecondFactorMethod>(deps, userId, (factors) => {
    if (/^\d{6}$/.test(typed)) {
      if (factors.totp === undefined) return undefined;
      const secret = deps.secrets.open(`totp:${userId}`, factors.totp.secret);
      const step = matchTotp(secret, typed, deps.clock(), factors.totp.lastStep);
      return step === undefined
        ? undefined
        : { factors: { ...factors, totp: { ...factors.totp, lastStep: step } }, result: 'otp' };
    }
    const hashes = factors.recovery?.hashes ?? [];
    const i = matchRecoveryCode(typed, hashes);
    if (i === undefined) return undefined;
    const left = hashes.map((h, j) => (j === i ? null : h));
    return { factors: { ...factors, recovery: { ...factors.recovery!, hashes: left } }, result: 'recovery-code' };
  });
}

/**
 * Starts setting up an authenticator app: a new secret, kept sealed on the user until confirmed
 * (ten minutes). The secret, for the QR code.
 *
 * @example
 * ```ts
 * const secret = await startTotpEnrolment(deps, userId);
 * ```
 */
export async function startTotpEnrolment(deps: FactorDeps, userId: string): Promise<string | undefined> {
  const secret = newTotpSecret();
  return changeFactors(deps, userId, (factors) => ({
    factors: {
      ...factors,
      pendingTotp: {
        secret: deps.secrets.seal(`totp:${userId}`, secret),
        expiresAt: deps.clock() + PENDING_SECONDS * 1000,
      },
    },
    result: secret,
  }));
}

/** The authenticator being set up, if it has not expired: its secret. */
export function pendingTotpSecret(deps: FactorDeps, user: StoredUser): string | undefined {
  const pending = factorsOf(user).pendingTotp;
  if (pending === undefined || pending.expiresAt < deps.clock()) return undefined;
  return deps.secrets.open(`totp:${user.userId}`, pending.secret);
}

/**
 * Confirms the authenticator being set up with its first code: it becomes the user's TOTP factor
 * (that code's step counts as used). When the user had no recovery codes, ten are made: the
 * answer's `recoveryCodes`, to show once. Undefined when the code is wrong or the setup expired.
 *
 * @example
 * ```ts
 * const done = await confirmTotp(deps, userId, '123456');
 * ```
 */
export function confirmTotp(
  deps: FactorDeps,
  userId: string,
  code: string,
): Promise<{ readonly recoveryCodes: readonly string[] | undefined } | undefined> {
  return changeFactors(deps, userId, (factors, user) => {
    const secret = pendingTotpSecret(deps, user);
    if (secret === undefined || factors.pendingTotp === undefined) return undefined;
    const step = matchTotp(secret, code.trim(), deps.clock(), -1);
    if (step === undefined) return undefined;
    const fresh = firstRecoveryCodes(factors, deps.clock());
    const { pendingTotp, ...rest } = factors;
    return {
      factors: {
        ...rest,
        totp: { secret: pendingTotp.secret, enrolledAt: deps.clock(), lastStep: step },
        ...(fresh.recovery === undefined ? {} : { recovery: fresh.recovery }),
      },
      result: { recoveryCodes: fresh.codes },
    };
  });
}

/**
 * New recovery codes in place of the old ones (all of which stop working): the codes, to show once.
 *
 * @example
 * ```ts
 * const codes = await regenerateRecoveryCodes(deps, userId);
 * ```
 */
export function regenerateRecoveryCodes(deps: FactorDeps, userId: string): Promise<readonly string[] | undefined> {
  const fresh = newRecoveryCodes();
  return changeFactors(deps, userId, (factors) => ({
    factors: { ...factors, recovery: { hashes: fresh.hashes, createdAt: deps.clock() } },
    result: fresh.codes,
  }));
}

/**
 * Removes the authenticator app; with no second factor left, the recovery codes go too.
 *
 * @example
 * ```ts
 * await removeTotp(deps, userId);
 * ```
 */
export function removeTotp(deps: FactorDeps, userId: string): Promise<boolean | undefined> {
  return changeFactors(deps, userId, (factors) => {
    if (factors.totp === undefined) return undefined;
    const { totp: _removed, ...rest } = factors;
    return { factors: afterRemoval(rest), result: true };
  });
}

/**
 * Removes every second factor of a user (the admin API's reset, for a lost phone).
 *
 * @example
 * ```ts
 * await resetFactors(deps, userId);
 * ```
 */
export function resetFactors(deps: FactorDeps, userId: string): Promise<boolean | undefined> {
  return changeFactors(deps, userId, () => ({ factors: {}, result: true }));
}
