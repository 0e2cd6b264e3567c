import type { Command } from 'commander';
import { callAdminApi, type AdminApiOptions } from '../internal/admin-api.js';
import { note, out } from '../internal/io.js';

interface WithdrawOptions extends AdminApiOptions {
  reason?: string;
  json?: boolean;
}

interface WithdrawAnswer {
  withdrawn: { kid: string; withdrawnAt: string };
  replacement?: { kid: string };
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
      const answer = (await callAdminApi<WithdrawAnswer>(
        options,
        'POST',
        `/admin/keys/${encodeURIComponent(kid)}/withdraw`,
        options.reason === undefined ? {} : { reason: options.reason },
        { what: 'the withdrawal', notFoundHint: 'list the keys with GET /admin/keys' },
      ))!;
      if (options.json) return out(JSON.stringify(answer, null, 2));
      out(`withdrew ${answer.withdrawn.kid} at ${answer.withdrawn.withdrawnAt}`);
      if (answer.replacement !== undefined) out(`${answer.replacement.kid} signs from now on`);
      note(
        'gateways following the revocation feed drop the key within a second; verifiers that only poll the JWKS keep it until their cache expires',
      );
    });
}
