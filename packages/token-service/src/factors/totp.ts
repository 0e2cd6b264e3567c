import { randomBytes, timingSafeEqual } from 'node:crypto';
import { Secret, TOTP } from 'otpauth';

/** RFC 6238's defaults, which every authenticator app reads: SHA-1, 6 digits, 30-second steps. */
const PERIOD = 30;
const DIGITS = 6;
/** Steps either side of now that a code may come from (RFC 6238 §5.2: clock drift, typing time). */
const WINDOW = 1;

/**
 * A new TOTP secret: 20 random bytes (RFC 4226 §4's recommended 160 bits), base32 as authenticator
 * apps take it.
 *
 * @example
 * ```ts
 * const secret = newTotpSecret(); // 'JBSWY3DPEHPK3PXP…'
 * ```
 */
export function newTotpSecret(): string {
  // A copy of exactly 20 bytes: a Buffer may be a view of a larger (pooled) ArrayBuffer.
  return new Secret({ buffer: new Uint8Array(randomBytes(20)).buffer }).base32;
}

/**
 * The `otpauth://totp/…` link an authenticator app scans (as a QR code) or opens.
 *
 * @example
 * ```ts
 * totpUri(secret, 'Tessera', 'alice'); // 'otpauth://totp/Tessera:alice?issuer=Tessera&secret=…'
 * ```
 */
export function totpUri(secret: string, issuer: string, account: string): string {
  return new TOTP({
    issuer,
    label: account,
    secret: Secret.fromBase32(secret),
    algorithm: 'SHA1',
    digits: DIGITS,
    period: PERIOD,
  }).toString();
}

/**
 * The time step a code matches, when it is this secret's code for a step within ±1 of `nowMs` and
 * after `lastStep` (the step of the last code accepted): a code, once used, is refused if replayed,
 * and so are older ones (RFC 6238 §5.2). Undefined otherwise. otpauth computes the codes; the
 * comparison is constant-time and the replay rule is ours.
 *
 * @example
 * ```ts
 * const step = matchTotp(secret, '123456', Date.now(), user.factors.totp.lastStep);
 * ```
 */
export function matchTotp(secret: string, code: string, nowMs: number, lastStep: number): number | undefined {
  if (!/^\d{6}$/.test(code)) return undefined;
  const totp = new TOTP({ secret: Secret.fromBase32(secret), algorithm: 'SHA1', digits: DIGITS, period: PERIOD });
  const now = Math.floor(nowMs / 1000 / PERIOD);
  let matched: number | undefined;
  // Every candidate is computed and compared, so the time taken does not say which one matched.
  for (let step = now - WINDOW; step <= now + WINDOW; step++) {
    const expected = Buffer.from(totp.generate({ timestamp: step * PERIOD * 1000 }));
    if (timingSafeEqual(expected, Buffer.from(code)) && step > lastStep) matched ??= step;
  }
  return matched;
}
