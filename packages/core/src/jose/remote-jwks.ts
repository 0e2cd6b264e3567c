/**
 * A pino-compatible logger (`pino()` fits as is). Tessera never logs a secret, a private key or a
 * whole token through it.
 *
 * @example
 * ```ts
 * const logger: Logger = pino();
 * ```
 */
export interface Logger {
  info(obj: Record<string, unknown>, msg?: string): void;
  warn(obj: Record<string, unknown>, msg?: string): void;
  error(obj: Record<string, unknown>, msg?: string): void;
}
