import { TesseraError } from './tessera-error.js';

/** What a package says about one of its error codes: HTTP status and a one-line meaning for docs. */
export interface ErrorSpec {
  readonly status: number;
  readonly description: string;
}

/** A package's table of error codes, with a typed factory for each. */
export type ErrorTable<T extends Record<string, ErrorSpec>> = Readonly<T> & {
  /** Creates the error for `code` with the table's status. */
  create(
    code: keyof T & string,
    message: string,
    extra?: { cause?: unknown; details?: Record<string, unknown>; expose?: boolean },
  ): TesseraError;
};

/**
 * Declares a package's error codes in one place (ARCHITECTURE.md, "Errors"). `docs/errors.md` is
 * checked against every table by a test.
 *
 * @example
 * ```ts
 * export const coreErrors = defineErrors({
 *   ERR_JWT_EXPIRED: { status: 401, description: 'The token is past its exp.' },
 * });
 * throw coreErrors.create('ERR_JWT_EXPIRED', 'token expired');
 * ```
 */
export function defineErrors<T extends Record<string, ErrorSpec>>(table: T): ErrorTable<T> {
  for (const code of Object.keys(table)) {
    if (!/^ERR_[A-Z0-9]+(_[A-Z0-9]+)+$/.test(code)) throw new Error(`bad error code name: ${code}`);
  }
  const create = (
    code: keyof T & string,
    message: string,
    extra: { cause?: unknown; details?: Record<string, unknown>; expose?: boolean } = {},
  ) => {
    const spec = table[code];
    if (!spec) throw new Error(`unknown error code: ${code}`);
    return new TesseraError(code, message, { status: spec.status, ...extra });
  };
  return Object.freeze(Object.assign(Object.create(null), table, { create })) as ErrorTable<T>;
}
