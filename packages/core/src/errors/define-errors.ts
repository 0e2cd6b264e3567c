import { codeAliases } from './internal/code-aliases.js';
import { TesseraError, type CanonicalErrorCode } from './tessera-error.js';

/**
 * What a package says about one of its error codes: HTTP status and a one-line meaning for docs.
 * A code is never removed or renamed (ARCHITECTURE.md, "Errors"); one that should no longer be
 * used is kept and marked instead: `replacedBy` names the code that took its place, `deprecated`
 * says why a code without a replacement is no longer thrown.
 */
export interface ErrorSpec {
  readonly status: number;
  readonly description: string;
  /**
   * Makes this code a deprecated alias of another code of the same table (same status): `create`
   * with this code makes an error carrying the replacement, and `isTesseraError(e, thisCode)` still
   * matches it.
   */
  readonly replacedBy?: string;
  /** Marks a code deprecated without a replacement (nothing throws it any more), and says why. */
  readonly deprecated?: string;
}

/** The optional parts of an error made by a table's `create`. */
export interface ErrorExtra {
  readonly cause?: unknown;
  readonly details?: Record<string, unknown>;
  readonly expose?: boolean;
}

type DeprecatedKey<T> = {
  [K in keyof T]: T[K] extends { readonly replacedBy: string } | { readonly deprecated: string } ? K : never;
}[keyof T] &
  string;
type ReplacementOf<T, C extends keyof T> = T[C] extends { readonly replacedBy: infer R extends string } ? R : C;

/** A package's table of error codes, with a typed factory for each. */
export type ErrorTable<T extends Readonly<Record<string, ErrorSpec>>> = Readonly<T> & {
  /**
   * Creates the error for a deprecated `code`, carrying its replacement's code when it has one.
   *
   * @deprecated This code is deprecated (docs/errors.md): use its replacement.
   */
  create<C extends DeprecatedKey<T>>(
    code: C,
    message: string,
    extra?: ErrorExtra,
  ): TesseraError & { readonly code: ReplacementOf<T, C> };
  // The live codes' signature comes last: `Parameters<typeof table.create>[0]` reads the last one.
  /** Creates the error for `code` with the table's status. */
  create<C extends Exclude<keyof T & string, DeprecatedKey<T>>>(
    code: C,
    message: string,
    extra?: ErrorExtra,
  ): TesseraError & { readonly code: C };
};

/**
 * The specs of an error table, as the table was declared: what a package adds to
 * `TesseraErrorCodeRegistry`.
 *
 * @example
 * ```ts
 * type Specs = ErrorSpecsOf<typeof coreErrors>; // { readonly ERR_CONFIG_INVALID: { … }, … }
 * ```
 */
export type ErrorSpecsOf<E> = E extends ErrorTable<infer T> ? T : never;

/**
 * The codes of an error table (`typeof table` keys, without `create`), deprecated aliases included:
 * each package exports its own (`CoreErrorCode`, `TokenServiceErrorCode`, ...).
 *
 * @example
 * ```ts
 * export type GatewayErrorCode = ErrorCodeOf<typeof gatewayErrors>;
 * ```
 */
export type ErrorCodeOf<E> = keyof ErrorSpecsOf<E> & string;

const CODE_NAME = /^ERR_[A-Z0-9]+(_[A-Z0-9]+)+$/;

/**
 * Declares a package's error codes in one place (ARCHITECTURE.md, "Errors"). `docs/errors.md` is
 * checked against every table by a test. The table is checked at once: code names, and that every
 * `replacedBy` names a live code of the same table with the same status.
 *
 * @example
 * ```ts
 * export const coreErrors = defineErrors({
 *   ERR_JWT_EXPIRED: { status: 401, description: 'The token is past its exp.' },
 * });
 * throw coreErrors.create('ERR_JWT_EXPIRED', 'token expired');
 * ```
 */
export function defineErrors<const T extends Readonly<Record<string, ErrorSpec>>>(table: T): ErrorTable<T> {
  for (const [code, spec] of Object.entries(table)) {
    if (!CODE_NAME.test(code)) throw new Error(`bad error code name: ${code}`);
    if (spec.replacedBy === undefined) continue;
    const target = Object.hasOwn(table, spec.replacedBy) ? table[spec.replacedBy] : undefined;
    if (target === undefined || target.replacedBy !== undefined || target.deprecated !== undefined)
      throw new Error(`${code}: replacedBy ${spec.replacedBy} is not a live code of the same table`);
    if (target.status !== spec.status)
      throw new Error(`${code}: status ${spec.status} differs from its replacement ${spec.replacedBy}`);
    codeAliases.register(code, spec.replacedBy);
  }
  const create = (code: string, message: string, extra: ErrorExtra = {}): TesseraError => {
    const spec = Object.hasOwn(table, code) ? table[code] : undefined;
    if (spec === undefined) throw new Error(`unknown error code: ${code}`);
    // A deprecated alias is thrown as its replacement (docs/errors.md, "Deprecated codes").
    return new TesseraError((spec.replacedBy ?? code) as CanonicalErrorCode, message, {
      status: spec.status,
      ...extra,
    });
  };
  return Object.freeze(Object.assign(Object.create(null), table, { create })) as ErrorTable<T>;
}
