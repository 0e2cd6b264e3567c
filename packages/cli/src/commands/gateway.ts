import cluster from 'node:cluster';
import type { Command } from 'commander';
import { createGateway, loadGatewayConfig, startGatewayWorkers } from '@tessera/gateway';
import { note, out, parsePort, parsePositiveInt } from '../internal/io.js';
import { waitForSignal } from '../internal/wait-for-signal.js';

interface RunningGateway {
  readonly urls: Readonly<Record<string, string>>;
  close(): Promise<void>;
}

/**
 * Registers `tessera gateway`: runs the gateway from `gateway.yaml` until SIGINT/SIGTERM, then
 * drains it.
 *
 * @example
 * ```sh
 * tessera gateway --config gateway.yaml --workers 2
 * ```
 */
export function registerGatewayCommand(program: Command): void {
  program
    .command('gateway')
    .requiredOption('--config <file>', 'gateway.yaml (listeners, routes, policy sources, token service)')
    .option('--port <port>', "override the first listener's port", parsePort)
    .option('--admin-port <port>', "override the admin listener's port (/healthz, /readyz, /metrics)", parsePort)
    .option(
      '--workers <n>',
      'worker processes sharing the listeners (node:cluster, 1-256)',
      parsePositiveInt('--workers'),
      1,
    )
    .option('--json', 'print the listening URLs as JSON')
    .action(async (options: { config: string; port?: number; adminPort?: number; workers: number; json?: boolean }) => {
      const config = loadGatewayConfig({
        file: options.config,
        env: process.env,
        overrides: { 'listeners.0.port': options.port, 'admin.port': options.adminPort },
      });
      let running: RunningGateway;
      if (options.workers > 1 || cluster.isWorker) {
        // In the primary this forks the workers (which run this same command again); in a worker it
        // starts one gateway.
        running = await startGatewayWorkers(config, options.workers);
        // A worker serves until the primary stops it; it handles its own signals.
        if (cluster.isWorker) return new Promise<void>(() => undefined);
      } else {
        const gateway = createGateway(config);
        await gateway.listen();
        running = gateway;
      }
      const stopped = waitForSignal(() => running.close());
      if (options.json) out(JSON.stringify({ urls: running.urls, workers: options.workers }));
      else {
        out(`tessera gateway: ${options.workers} worker(s)`);
        for (const [name, url] of Object.entries(running.urls)) out(`  ${name.padEnd(10)} ${url}`);
      }
      note('tessera: Ctrl-C (SIGINT) or SIGTERM drains and stops the gateway');
      await stopped;
    });
}
