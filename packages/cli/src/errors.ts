import { defineErrors, type ErrorCodeOf, type ErrorSpecsOf } from '@tessera/core/errors';

/**
 * Every error code `@tessera/cli` throws (ARCHITECTURE.md, "Errors"). The CLI maps codes to exit
 * codes in `internal/exit-code.ts`: usage and input problems exit 2, invalid configuration 3, failed
 * checks 1. Add new codes here and to `docs/errors.md`; never rename or reuse one.
 *
 * @example
 * ```ts
 * throw cliErrors.create('ERR_CLI_USAGE', '--alg is required', { details: { hint: 'run `tessera keys generate --help`' } });
 * ```
 */
export const cliErrors = defineErrors({
  ERR_CLI_USAGE: {
    status: 400,
    description: 'The command line is wrong: unknown command or option, missing or invalid argument (exit code 2).',
  },
  ERR_CLI_INPUT_INVALID: {
    status: 400,
    description: 'A file or value given on the command line cannot be read or parsed (exit code 2).',
  },
  ERR_CLI_CONFIG_INVALID: {
    status: 500,
    description: 'A configuration file given to the CLI is invalid (exit code 3).',
  },
  ERR_CLI_CHECK_FAILED: {
    status: 401,
    description:
      'A check the command ran failed: token invalid, policy denied, lint finding, demo row differing (exit code 1).',
  },
  ERR_CLI_REMOTE_FAILED: {
    status: 502,
    description:
      'A server the command talked to (token service, JWKS URL) refused or could not be reached (exit code 1).',
  },
  ERR_CLI_UNAVAILABLE: {
    status: 501,
    description: 'The command needs a Tessera part that is not available in this installation (exit code 1).',
  },
});

/**
 * Every error code `@tessera/cli` declares, as a closed union (`typeof cliErrors` keys).
 *
 * @example
 * ```ts
 * const code: CliErrorCode = 'ERR_CLI_USAGE';
 * ```
 */
export type CliErrorCode = ErrorCodeOf<typeof cliErrors>;

// Adds these codes to the ones `isTesseraError` and `TesseraError.code` know.
declare module '@tessera/core' {
  interface TesseraErrorCodeRegistry {
    cli: ErrorSpecsOf<typeof cliErrors>;
  }
}
