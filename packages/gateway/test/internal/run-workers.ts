// Child process for the workers test: `run-workers.ts <upstream-url>` runs the gateway on two
// node:cluster workers (admin listener on GW_ADMIN_PORT) and prints the URL once all listen.
import cluster from 'node:cluster';
import pino from 'pino';
import { loadGatewayConfig, startGatewayWorkers } from '@tessera/gateway';

const config = loadGatewayConfig({
  object: {
    listeners: [{ port: Number(process.env.GW_PORT) }],
    admin: { host: '127.0.0.1', port: Number(process.env.GW_ADMIN_PORT) },
    routes: [{ name: 'echo', upstream: process.argv[2], mutations: { mint: { mode: 'self', audience: 'echo' } } }],
    policies: { defaultAction: 'allow', watch: false },
  },
});
const running = await startGatewayWorkers(config, 2, { logger: pino({ level: 'silent' }) });
if (cluster.isPrimary) {
  console.log(`LISTENING ${running.urls.main} ${running.size}`);
  process.once('SIGTERM', () => void running.close().then(() => process.exit(0)));
}
