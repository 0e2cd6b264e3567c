import type { Command } from 'commander';
import { cliErrors } from '../errors.js';
import { callAdminApi, type AdminApiOptions } from '../internal/admin-api.js';
import { note, out } from '../internal/io.js';

interface RotateOptions extends AdminApiOptions {
  oldSecretsNotAfter?: string;
  json?: boolean;
}

interface RotateAnswer {
  client_secret: string;
  secretId: string;
  secrets: { id: string; notAfter?: string }[];
}

/**
 * Registers `tessera client rotate-secret <id>` and `tessera client remove-secret <id> <secretId>`:
 * a client's secret rotated at the token service with an overlap (the new one works at once, the
 * ones in use until `--old-secrets-not-after`), and an earlier secret stopped at once.
 *
 * @example
 * ```sh
 * tessera client rotate-secret billing --url http://127.0.0.1:7400 --admin-token-file .tessera/token-service/admin-token --old-secrets-not-after 2026-12-08T12:00:00Z
 * ```
 */
export function registerClientCommands(program: Command): void {
  const client = program.command('client').description("manage a client's secrets at a token service");
  client
    .command('rotate-secret <id>')
    .description(
      'a new secret that works at once (printed once); the ones in use keep working until --old-secrets-not-after',
    )
    .requiredOption('--url <url>', 'token service base URL', process.env['TESSERA_URL'])
    .option('--admin-token-file <path>', 'file holding the admin token (else TESSERA_ADMIN_TOKEN)')
    .option(
      '--old-secrets-not-after <date>',
      'when the secrets in use stop (ISO 8601, e.g. 2026-12-08T12:00:00Z; default in 24 h, at most 90 days)',
    )
    .option('--json', 'print the token service answer as JSON')
    .action(async (id: string, options: RotateOptions) => {
      const until = options.oldSecretsNotAfter;
      if (until !== undefined && Number.isNaN(Date.parse(until)))
        throw cliErrors.create(
          'ERR_CLI_USAGE',
          `--old-secrets-not-after is an ISO 8601 date, got ${JSON.stringify(until)}`,
        );
      const answer = (await callAdminApi<RotateAnswer>(
        options,
        'POST',
        `/admin/clients/${encodeURIComponent(id)}/secrets`,
        until === undefined ? {} : { oldSecretsNotAfter: new Date(until).toISOString() },
        { what: 'the rotation', notFoundHint: 'list the clients with GET /admin/clients' },
      ))!;
      if (options.json) return out(JSON.stringify(answer, null, 2));
      out(answer.client_secret);
      note(
        `new secret ${answer.secretId} works now; ${answer.secrets
          .slice(1)
          .map((s) => `${s.id} until ${s.notAfter}`)
          .join(', ')}`,
      );
    });
  client
    .command('remove-secret <id> <secretId>')
    .description("stop one of a client's earlier secrets at once (the current one stays: rotate first)")
    .requiredOption('--url <url>', 'token service base URL', process.env['TESSERA_URL'])
    .option('--admin-token-file <path>', 'file holding the admin token (else TESSERA_ADMIN_TOKEN)')
    .action(async (id: string, secretId: string, options: AdminApiOptions) => {
      await callAdminApi(
        options,
        'DELETE',
        `/admin/clients/${encodeURIComponent(id)}/secrets/${encodeURIComponent(secretId)}`,
        undefined,
        { what: 'the removal', notFoundHint: "see the client's secrets with GET /admin/clients/:id" },
      );
      note(`secret ${secretId} of ${id} no longer works`);
    });
}
