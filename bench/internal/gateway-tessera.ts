// Benchmark peer: the Tessera gateway in its own process. Usage: gateway-tessera.ts <gateway.yaml> <workers>
// One worker runs in this process (no cluster), as `tessera gateway` does without --workers.
import cluster from 'node:cluster';
import { createGateway, loadGatewayConfig, startGatewayWorkers } from '@tessera/gateway';
import pino from 'pino';

const file = process.argv[2]!;
const workers = Number(process.argv[3] ?? '1');
const config = loadGatewayConfig({ file });
const logger = pino({ level: 'warn' });
if (workers === 1) {
  const gateway = createGateway(config, { logger });
  await gateway.listen();
  console.log(`LISTENING ${gateway.urls.main}`);
  process.once('SIGTERM', () => void gateway.close().finally(() => process.exit(0)));
} else {
  const running = await startGatewayWorkers(config, workers, { logger });
  if (cluster.isPrimary) {
    console.log(`LISTENING ${running.urls.main}`);
    process.once('SIGTERM', () => void running.close().finally(() => process.exit(0)));
  }
}
