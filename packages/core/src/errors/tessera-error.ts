/**
 * The one error class every Tessera package throws.
 *
 * `code` is stable (`ERR_<AREA>_<REASON>`, never reused or renamed) and listed in `docs/errors.md`.
 * `status` is the HTTP status the error maps to at a wire boundary. `expose` says whether `message`
 * may be shown to the caller; when it is `false` a boundary answers a generic 500 and logs the rest.
 *
 * @example
 * ```ts
 * throw new TesseraError('ERR_JWT_EXPIRED', 'token expired at 2026-01-01T00:00:00Z', { status: 401 });
 * ```
 */
export class TesseraError extends Error {
  /** Stable machine-readable code, e.g. `ERR_JWT_EXPIRED`. */
  readonly code: string;
  /** HTTP status this error maps to at a wire boundary. */
  readonly status: number;
  /** Whether `message` may be shown to the remote caller. */
  readonly expose: boolean;
  /** Extra structured facts (never secrets), e.g. `{ expiredAt }`. */
  readonly details: Readonly<Record<string, unknown>> | undefined;

  constructor(
    code: string,
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
 * True when `value` is a {@link TesseraError}, optionally with the given code.
 *
 * @example
 * ```ts
 * if (isTesseraError(err, 'ERR_JWT_EXPIRED')) renew();
 * ```
 */
export function isTesseraError(value: unknown, code?: string): value is TesseraError {
  return value instanceof TesseraError && (code === undefined || value.code === code);
}
