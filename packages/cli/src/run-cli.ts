import { CommanderError } from 'commander';
import { createProgram } from './program.js';
import { ExitCode, exitCodeFor } from './internal/exit-code.js';
import { formatError } from './internal/report-error.js';

/**
 * Runs the CLI with `argv` (as in `process.argv`) and resolves to the process exit code:
 * 0 ok, 1 a check failed, 2 usage, 3 configuration invalid. Errors are printed as one line on
 * stderr with their code and what to do next.
 *
 * @example
 * ```ts
 * process.exitCode = await runCli(process.argv);
 * ```
 */
export async function runCli(argv: readonly string[]): Promise<number> {
  const program = createProgram();
  try {
    await program.parseAsync([...argv]);
    return typeof process.exitCode === 'number' ? process.exitCode : ExitCode.ok;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version exit 0; every other commander error is a usage error, already printed.
      return error.exitCode === 0 ? ExitCode.ok : ExitCode.usage;
    }
    process.stderr.write(`${formatError(error)}\n`);
    if (process.env['TESSERA_DEBUG'] && error instanceof Error) process.stderr.write(`${error.stack}\n`);
    return exitCodeFor(error);
  }
}
