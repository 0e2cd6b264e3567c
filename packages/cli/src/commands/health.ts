import type { Command } from 'commander';
import { cliErrors } from '../errors.js';
import { out } from '../internal/io.js';

/** Where `tessera health` asks when no URL is given: `TESSERA_HEALTH_URL`, else the token service's readiness. */
const DEFAULT_URL = 'http://127.0.0.1:7403/readyz';

/**
 * Registers `tessera health [url]`: GET the URL and exit 0 on a 2xx answer, 1 otherwise. It is the
 * container image's `HEALTHCHECK` (slim images have no curl); the URL defaults to
 * `TESSERA_HEALTH_URL`, then to the token service's `/readyz` on its operations port.
 *
 * @example
 * ```sh
 * tessera health http://127.0.0.1:15000/healthz --timeout 2000
 * ```
 */
export function registerHealthCommand(program: Command): void {
  program
    .command('health')
    .argument('[url]', `the health endpoint (default: $TESSERA_HEALTH_URL, else ${DEFAULT_URL})`)
    .option('--timeout <ms>', 'give up after this many milliseconds', '3000')
    .action(async (given: string | undefined, options: { timeout: string }) => {
      const text = given ?? process.env['TESSERA_HEALTH_URL'] ?? DEFAULT_URL;
      const url = URL.canParse(text) ? new URL(text) : undefined;
      if (url === undefined || (url.protocol !== 'http:' && url.protocol !== 'https:'))
        throw cliErrors.create('ERR_CLI_USAGE', `not an http(s) URL: ${text}`);
      const timeout = Number(options.timeout);
      if (!Number.isInteger(timeout) || timeout < 1)
        throw cliErrors.create('ERR_CLI_USAGE', `--timeout must be a positive number of milliseconds`);
      let status: number;
      try {
        const answer = await fetch(url, { signal: AbortSignal.timeout(timeout), redirect: 'manual' });
        status = answer.status;
        await answer.body?.cancel();
      } catch (error) {
        const cause = (error as Error).name === 'TimeoutError' ? `no answer within ${timeout} ms` : describe(error);
        throw cliErrors.create('ERR_CLI_REMOTE_FAILED', `${url.href}: ${cause}`);
      }
      if (status < 200 || status > 299)
        throw cliErrors.create('ERR_CLI_CHECK_FAILED', `${url.href}: unhealthy (HTTP ${status})`);
      out(`healthy: HTTP ${status} from ${url.href}`);
    });
}

/** fetch's error, said by its cause (`ECONNREFUSED`), not as "fetch failed". */
function describe(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (error as Error).message;
}
