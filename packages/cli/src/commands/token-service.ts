import type { Command } from 'commander';
import { createTokenService, loadConfig } from '@tessera/token-service';
import { note, out, parsePort } from '../internal/io.js';
import { waitForSignal } from '../internal/wait-for-signal.js';

/**
 * Registers `tessera token-service`: runs the OAuth 2.0 token service until SIGINT/SIGTERM, then
 * drains it.
 *
 * @example
 * ```sh
 * tessera token-service --config token-service.yaml --port 7400 --data-dir ./.tessera
 * ```
 */
export function registerTokenServiceCommand(program: Command): void {
  program
    .command('token-service')
    .option('--config <file>', 'token-service.yaml (defaults apply without it; TESSERA_* variables overlay it)')
    .option('--port <port>', 'port to listen on (overrides server.port)', parsePort)
    .option('--host <host>', 'address to listen on (overrides server.host)')
    .option('--data-dir <dir>', 'data directory of the file store (overrides storage.dataDir)')
    .option('--json', 'print { url, operationsUrl, issuer, jwksUri, discovery, adminTokenFile } as JSON once listening')
    .action(async (options: { config?: string; port?: number; host?: string; dataDir?: string; json?: boolean }) => {
      const config = loadConfig({
        ...(options.config === undefined ? {} : { file: options.config }),
        env: process.env,
        overrides: { 'server.port': options.port, 'server.host': options.host, 'storage.dataDir': options.dataDir },
      });
      const service = createTokenService(config, { processMetrics: true });
      const url = await service.listen();
      const info = {
        url,
        // /metrics, /healthz and /readyz (the probes of an orchestrator).
        operationsUrl: service.operationsUrl,
        issuer: service.issuer,
        jwksUri: `${service.issuer.replace(/\/+$/, '')}/.well-known/jwks.json`,
        discovery: `${service.issuer.replace(/\/+$/, '')}/.well-known/oauth-authorization-server`,
        // The admin token itself is never printed: it sits in the data directory (mode 0600) or the config.
        adminTokenFile:
          config.admin.token === undefined && config.storage.type === 'file'
            ? `${config.storage.dataDir}/admin-token`
            : undefined,
      };
      const stopped = waitForSignal(() => service.close());
      if (options.json) out(JSON.stringify(info));
      else {
        out(`tessera token service listening on ${info.url}`);
        out(`  issuer     ${info.issuer}`);
        out(`  JWKS       ${info.jwksUri}`);
        out(`  discovery  ${info.discovery}`);
        if (info.operationsUrl) out(`  operations ${info.operationsUrl} (/metrics, /healthz, /readyz)`);
        if (info.adminTokenFile) out(`  admin API  ${info.url}/admin (bearer token in ${info.adminTokenFile})`);
      }
      note('tessera: Ctrl-C (SIGINT) or SIGTERM drains and stops the token service');
      await stopped;
    });
}
