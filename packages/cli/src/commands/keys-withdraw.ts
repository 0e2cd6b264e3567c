import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { cliErrors } from '../errors.js';
import { note, out } from '../internal/io.js';
import { parseUrl } from '../internal/token-endpoint.js';

interface WithdrawOptions {
  url: string;
  adminTokenFile?: string;
  reason?: string;
  json?: boolean;
}

interface WithdrawAnswer {
  withdrawn: { kid: string; withdrawnAt: string };
  replacement?: { kid: string };
}

/** The admin token: `--admin-token-file`, else `TESSERA_ADMIN_TOKEN` (never an argument: it would sit in the shell history). */
async function adminToken(options: WithdrawOptions): Promise<string> {
  if (options.adminTokenFile !== undefined) {
    try {
      return (await readFile(options.adminTokenFile, 'utf8')).trim();
    } catch (error) {
      throw cliErrors.create(
        'ERR_CLI_USAGE',
        `cannot read --admin-token-file ${options.adminTokenFile}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
      );
    }
  }
  const fromEnv = process.env['TESSERA_ADMIN_TOKEN'];
  if (fromEnv) return fromEnv;
  throw cliErrors.create(
    'ERR_CLI_USAGE',
    'no admin token: give --admin-token-file (tessera up keeps it in .tessera/token-service/admin-token) or set TESSERA_ADMIN_TOKEN',
  );
}

/**
 * Registers `tessera keys withdraw <kid>`: the token service's emergency withdrawal of a signing key
 * (`POST /admin/keys/:kid/withdraw`, audited): the key leaves the JWKS at once, a new key signs
 * when it was the active one, and gateways that follow the revocation feed drop it within a second.
 *
 * @example
 * ```sh
 * tessera keys withdraw 3vJq… --url http://127.0.0.1:7400 --admin-token-file .tessera/token-service/admin-token --reason "leaked"
 * ```
 */
export function registerKeysWithdrawCommand(keys: Command): void {
  keys
    .command('withdraw <kid>')
    .description(
      'withdraw a stolen signing key at a token service: it leaves the JWKS at once and following gateways drop it',
    )
    .requiredOption('--url <url>', 'token service base URL', process.env['TESSERA_URL'])
    .option('--admin-token-file <path>', 'file holding the admin token (else TESSERA_ADMIN_TOKEN)')
    .option('--reason <text>', 'why, for the audit log')
    .option('--json', 'print the token service answer as JSON')
    .action(async (kid: string, options: WithdrawOptions) => {
      const base = parseUrl(options.url, '--url').href.replace(/\/+$/, '');
      const token = await adminToken(options);
      let res: Response;
      try {
        res = await fetch(`${base}/admin/keys/${encodeURIComponent(kid)}/withdraw`, {
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          body: JSON.stringify(options.reason === undefined ? {} : { reason: options.reason }),
          signal: AbortSignal.timeout(10_000),
        });
      } catch (error) {
        const cause = (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).message;
        throw cliErrors.create('ERR_CLI_REMOTE_FAILED', `cannot reach the token service at ${base}: ${cause}`, {
          details: { hint: 'check the --url and that the token service is running' },
        });
      }
      const text = await res.text();
      if (!res.ok) {
        let detail = `HTTP ${res.status}`;
        try {
          const problem = JSON.parse(text) as { code?: string; detail?: string };
          detail = `${res.status} ${problem.code ?? ''}: ${problem.detail ?? ''}`.trim();
        } catch {
          // not problem JSON: the status says enough
        }
        throw cliErrors.create('ERR_CLI_REMOTE_FAILED', `the token service refused the withdrawal (${detail})`, {
          details: {
            hint:
              res.status === 401
                ? 'check the admin token'
                : res.status === 404
                  ? 'list the keys with GET /admin/keys'
                  : 'read the message above',
            status: res.status,
          },
        });
      }
      const answer = JSON.parse(text) as WithdrawAnswer;
      if (options.json) return out(JSON.stringify(answer, null, 2));
      out(`withdrew ${answer.withdrawn.kid} at ${answer.withdrawn.withdrawnAt}`);
      if (answer.replacement !== undefined) out(`${answer.replacement.kid} signs from now on`);
      note(
        'gateways following the revocation feed drop the key within a second; verifiers that only poll the JWKS keep it until their cache expires',
      );
    });
}
