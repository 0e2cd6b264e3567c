import { isTesseraError, type JwtPayload } from '@tessera/core';

/** The answer the brief's services give after checking a token (jsonwebtoken's error names). */
export type VerificationResult =
  | { valid: true; claims: JwtPayload }
  | {
      message: string;
      valid: false;
      error: { name: string; message: string; expiredAt?: string; code: string };
      claims: Record<string, never>;
    };

/**
 * Turns a Tessera verification failure into the brief's answer
 * (`{"valid":false,"error":{"name":"TokenExpiredError","message":"jwt expired","expiredAt":...}}`),
 * keeping Tessera's stable `code` beside the familiar name.
 *
 * @example
 * ```ts
 * try { ok(await verifier.verify(token)) } catch (e) { res.status(401).json(toVerificationFailure(e)) }
 * ```
 */
export function toVerificationFailure(error: unknown): VerificationResult {
  const code = isTesseraError(error) ? error.code : 'ERR_UNEXPECTED';
  let name = 'JsonWebTokenError';
  let message = isTesseraError(error) ? error.message : 'invalid token';
  let expiredAt: string | undefined;
  if (code === 'ERR_JWT_EXPIRED') {
    name = 'TokenExpiredError';
    message = 'jwt expired';
    const exp = isTesseraError(error) ? (error.details?.['expiredAt'] ?? error.details?.['exp']) : undefined;
    if (typeof exp === 'string') expiredAt = exp;
    else if (typeof exp === 'number') expiredAt = new Date(exp * (exp < 1e12 ? 1000 : 1)).toISOString();
  } else if (code === 'ERR_JWT_NOT_YET_VALID') {
    name = 'NotBeforeError';
  }
  return {
    message: 'invalid token',
    valid: false,
    error: { name, message, ...(expiredAt === undefined ? {} : { expiredAt }), code },
    claims: {},
  };
}

/**
 * Describes a verification answer in the short form the demo table compares:
 * `200 valid=true sub=servicea aud=serviceb` or `401 valid=false TokenExpiredError`.
 */
export function describeVerification(status: number, body: unknown): string {
  const b = (body ?? {}) as { valid?: unknown; claims?: JwtPayload; error?: { name?: string } };
  if (b.valid === true) return `${status} valid=true sub=${b.claims?.sub} aud=${[b.claims?.aud].flat().join(',')}`;
  if (b.valid === false) return `${status} valid=false ${b.error?.name ?? ''}`.trim();
  return `${status}`;
}
