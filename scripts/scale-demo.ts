// `npm run scale-demo`: the deployment of deploy/kubernetes/overlays/production as processes on
// this machine (3 token-service replicas behind HAProxy, 2 gateways, PostgreSQL and Redis of its
// own), driven under a steady load through every fault of docs/deploy.md, "Scale-out". Prints the
// report as a table. Needs kubectl, haproxy, redis-server and PostgreSQL's server programs.
// Usage: npm run scale-demo [-- --rate 200 --outage 10 --settle 5]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { formatScaleOutReport, runScaleOut } from './scale-out/run-scale-out.js';
import { startScaleStack } from './scale-out/start-stack.js';

const { values } = parseArgs({
  options: {
    rate: { type: 'string', default: '200' },
    outage: { type: 'string', default: '10' },
    settle: { type: 'string', default: '5' },
    keep: { type: 'boolean', default: false },
  },
});
const workDir = mkdtempSync(join(tmpdir(), 'tessera-scale-'));
const stack = await startScaleStack({ kubectl: process.env['TESSERA_TEST_KUBECTL'] ?? 'kubectl', workDir });
console.error(`scale-demo: stack up (logs in ${stack.logDir}); running the faults...`);
try {
  const report = await runScaleOut(stack, {
    rate: Number(values.rate),
    outageMs: Number(values.outage) * 1000,
    settleMs: Number(values.settle) * 1000,
    deadMs: 3000,
  });
  console.log(formatScaleOutReport(report));
} finally {
  await stack.close();
  if (!values.keep) rmSync(workDir, { recursive: true, force: true });
}
