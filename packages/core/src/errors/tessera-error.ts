import { codeAliases } from './internal/code-aliases.js';

/**
 * Every package's error table, by package, for the types below. Each package's `errors.ts` adds its
 * own entry by declaration merging, so `@tessera/core` knows the codes of the packages in a program
 * without importing them (ARCHITECTURE.md: core imports no server package). An entry is the table's
 * specs, `ErrorSpecsOf<typeof table>`.
 *
 * @example
 * ```ts
 * declare module '@tessera/core' {
 *   interface TesseraErrorCodeRegistry {
 *     gateway: ErrorSpecsOf<typeof gatewayErrors>;
 *   }
 * }
 * ```
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- filled by declaration merging (each errors.ts)
export interface TesseraErrorCodeRegistry {}

type Registry = TesseraErrorCodeRegistry;

/**
 * Every error code of every Tessera package in the program, deprecated aliases included: a closed
 * union, so a misspelt code does not compile. `@tessera/core` alone knows its own codes
 * (`CoreErrorCode`); importing a package adds its codes (`TokenServiceErrorCode`,
 * `GatewayErrorCode`, `CliErrorCode`).
 *
 * @example
 * ```ts
 * const code: TesseraErrorCode = 'ERR_JWT_EXPIRED';
 * ```
 */
export type TesseraErrorCode = { [P in keyof Registry]: keyof Registry[P] & string }[keyof Registry];

/**
 * The code an error made with code `C` carries: `C` itself, or for a deprecated alias the code that
 * replaced it (docs/errors.md, "Deprecated codes"). What `isTesseraError(e, C)` narrows `e.code` to.
 *
 * @example
 * ```ts
 * type T = CanonicalErrorCodeOf<'ERR_TOKEN_INVALID_GRANT'>; // 'ERR_OAUTH_INVALID_GRANT'
 * ```
 */
export type CanonicalErrorCodeOf<C extends TesseraErrorCode> = {
  [P in keyof Registry]: C extends keyof Registry[P]
    ? Registry[P][C] extends { readonly replacedBy: infer R extends string }
      ? R
      : C
    : never;
}[keyof Registry];

/**
 * The codes a {@link TesseraError} can carry: every code but the deprecated aliases, which the tables
 * turn into their replacements. Comparing `e.code` with an alias therefore does not compile: use
 * `isTesseraError(e, code)`, which knows the aliases.
 *
 * @example
 * ```ts
 * const code: CanonicalErrorCode = err.code;
 * ```
 */
export type CanonicalErrorCode = CanonicalErrorCodeOf<TesseraErrorCode>;

/**
 * The one error class every Tessera package throws.
 *
 * `code` is stable (`ERR_<AREA>_<REASON>`, never reused or renamed), listed in `docs/errors.md`, and
 * typed as the closed union {@link CanonicalErrorCode}. `status` is the HTTP status the error maps to
 * at a wire boundary. `expose` says whether `message` may be shown to the caller; when it is `false`
 * a boundary answers a generic 500 and logs the rest. Packages make their errors with their table's
 * `create` (`defineErrors`), which also turns a deprecated code into its replacement.
 *
 * @example
 * ```ts
 * throw new TesseraError('ERR_JWT_EXPIRED', 'token expired at 2026-01-01T00:00:00Z', { status: 401 });
 * ```
 */
export class TesseraError extends Error {
  /** Stable machine-readable code, e.g. `ERR_JWT_EXPIRED`; never a deprecated alias. */
  readonly code: CanonicalErrorCode;
  /** HTTP status this error maps to at a wire boundary. */
  readonly status: number;
  /** Whether `message` may be shown to the remote caller. */
  readonly expose: boolean;
  /** Extra structured facts (never secrets), e.g. `{ expiredAt }`. */
  readonly details: Readonly<Record<string, unknown>> | undefined;

  constructor(
    code: CanonicalErrorCode,
    message: string,
    options: { status?: number; expose?: boolean; cause?: unknown; details?: Record<string, unknown> } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'TesseraError';
    this.code = code;
    this.status = options.status ?? 500;
    this.expose = options.expose ?? this.status < 500;
    this.details = options.details;
  }
}

/**
 * True when `value` is a {@link TesseraError}, optionally with the given code, which may be any
 * known code of any package; `value.code` is then narrowed to it. A deprecated alias matches the
 * code that replaced it (errors are thrown with the replacement, and `value.code` is narrowed to
 * that), so checks written against the old code keep working.
 *
 * @example
 * ```ts
 * if (isTesseraError(err, 'ERR_JWT_EXPIRED')) renew(); // err.code: 'ERR_JWT_EXPIRED'
 * ```
 */
export function isTesseraError(value: unknown): value is TesseraError;
export function isTesseraError<C extends TesseraErrorCode>(
  value: unknown,
  code: C,
): value is TesseraError & { readonly code: CanonicalErrorCodeOf<C> };
export function isTesseraError(value: unknown, code?: TesseraErrorCode): value is TesseraError {
  if (!(value instanceof TesseraError)) return false;
  return code === undefined || value.code === code || value.code === codeAliases.replacementOf(code);
}
