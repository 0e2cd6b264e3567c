import { CommanderError } from 'commander';
import { createProgram } from './program.js';
import { ExitCode, exitCodeFor } from './internal/exit-code.js';
import { formatError } from './internal/report-error.js';
import { cliErrors } from './errors.js';

/** A server that cannot bind its address is a usage problem (choose another port), not a bug. */
function listenError(error: unknown) {
  const code = (error as { code?: unknown } | null)?.code;
  if (code !== 'EADDRINUSE' && code !== 'EACCES' && code !== 'EADDRNOTAVAIL') return undefined;
  const address = (error as { address?: string; port?: number }).address;
  const port = (error as { port?: number }).port;
  return cliErrors.create(
    'ERR_CLI_USAGE',
    `cannot listen on ${address ?? 'the address'}${port === undefined ? '' : `:${port}`}: ${code}`,
    {
      details: {
        hint:
          code === 'EADDRINUSE'
            ? 'stop what uses the port or choose another one (--port or the configuration)'
            : 'choose another address or port',
      },
    },
  );
}

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
  const program = await createProgram(argv);
  try {
    await program.parseAsync([...argv]);
    return typeof process.exitCode === 'number' ? process.exitCode : ExitCode.ok;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version exit 0; every other commander error is a usage error, already printed.
      return error.exitCode === 0 ? ExitCode.ok : ExitCode.usage;
    }
    const reported = listenError(error) ?? error;
    process.stderr.write(`${formatError(reported)}\n`);
    if (process.env['TESSERA_DEBUG'] && error instanceof Error) process.stderr.write(`${error.stack}\n`);
    return exitCodeFor(reported);
  }
}
