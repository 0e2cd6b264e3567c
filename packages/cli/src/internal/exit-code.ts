import { isTesseraError } from '@tessera/core/errors';

/** Process exit codes of every `tessera` command (docs/cli.md, "Exit codes"). */
export const ExitCode = Object.freeze({ ok: 0, checkFailed: 1, usage: 2, configInvalid: 3 });

/**
 * Maps an error to the exit code the CLI promises: configuration problems 3, usage and unreadable
 * input 2, everything else (a check failed, a server refused) 1.
 */
export function exitCodeFor(error: unknown): number {
  if (!isTesseraError(error)) return ExitCode.checkFailed;
  const code = error.code;
  if (code === 'ERR_CLI_USAGE' || code === 'ERR_CLI_INPUT_INVALID') return ExitCode.usage;
  if (code.endsWith('_CONFIG_INVALID') || code === 'ERR_POLICY_INVALID') return ExitCode.configInvalid;
  return ExitCode.checkFailed;
}
