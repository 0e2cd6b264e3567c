// Failure helpers of the verify path. Declared as functions returning `never`, so the compiler
// narrows after `if (...) fail(...)` and no non-null assertion is needed behind a check.
import { coreErrors } from '../../errors/errors.js';

/** A core error code (`ERR_JWT_*`, `ERR_JWKS_*`, ...). */
export type CoreErrorCode = Parameters<typeof coreErrors.create>[0];

/** Throws the TesseraError `code` with `message` (and `details`, when given). */
export function fail(code: CoreErrorCode, message: string, details?: Record<string, unknown>): never {
  throw coreErrors.create(code, message, details === undefined ? undefined : { details });
}

/** Attacker-controlled strings in messages: short and escaped. */
export function show(value: unknown): string {
  return JSON.stringify(String(value).slice(0, 64));
}
