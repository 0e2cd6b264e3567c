// The scale-out proof (docs/deploy.md, "Scale-out"): the production overlay run as processes (3
// token-service replicas behind HAProxy, 2 gateways, PostgreSQL and Redis of its own), under a
// steady load through every fault. `npm run scale-demo` runs the same with the full load.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatScaleOutReport, runScaleOut } from '../../scripts/scale-out/run-scale-out.js';
import { startScaleStack } from '../../scripts/scale-out/start-stack.js';
import { findKubectl } from './internal/kubernetes.js';

function missing(): string | false {
  const kubectl = findKubectl();
  if ('missing' in kubectl) return kubectl.missing;
  for (const [command, args] of [
    ['haproxy', ['-v']],
    ['redis-server', ['--version']],
    ['pg_config', ['--bindir']],
  ] as const) {
    try {
      execFileSync(command, args, { stdio: 'ignore' });
    } catch {
      return `${command} is not installed (.ci/run installs what it needs)`;
    }
  }
  return false;
}

test(
  'replicas on PostgreSQL and Redis behind a load balancer survive a killed replica, a rotation, a revocation and storage outages',
  { skip: missing(), timeout: 240_000 },
  async (t) => {
    const kubectl = findKubectl();
    if (!('path' in kubectl)) return;
    const workDir = mkdtempSync(join(tmpdir(), 'tessera-scale-'));
    const stack = await startScaleStack({ kubectl: kubectl.path, workDir });
    try {
      const report = await runScaleOut(stack, { rate: 100, settleMs: 2000, outageMs: 10_000, deadMs: 2000 });
      for (const line of formatScaleOutReport(report).split('\n')) t.diagnostic(line);
      const { phases } = report;
      // A killed replica, a rotation, a revocation and a Redis outage: no client sees anything.
      for (const name of [
        'steady',
        'kill -9 a replica, restart it',
        'rotate the signing key at one replica',
        'revoke a token at one replica',
        'Redis stopped',
        'Redis back',
      ])
        assert.deepEqual(phases[name]!.failures, {}, `${name}: ${phases[name]!.requests} requests`);
      // PostgreSQL down: what needs it fails closed with a clean 503 and a stable code, nothing else.
      for (const name of ['PostgreSQL stopped', 'PostgreSQL back'])
        for (const failure of Object.keys(phases[name]!.failures))
          assert.ok(
            ['503 temporarily_unavailable', '503 ERR_STORE_UNAVAILABLE'].includes(failure),
            `${name}: ${failure}`,
          );
      assert.ok(
        Object.keys(phases['PostgreSQL stopped']!.failures).length > 0,
        'the outage was felt: tokens need their audit record',
      );
      // Nothing lost, and service resumed by itself.
      assert.deepEqual(report.lost, { auditRecords: 0, clients: 0 });
      assert.ok(phases['PostgreSQL back']!.requests > 0);
    } catch (error) {
      t.diagnostic(`logs kept in ${stack.logDir}`);
      throw error;
    } finally {
      await stack.close();
    }
    rmSync(workDir, { recursive: true, force: true });
  },
);
