// The console's policy simulator and `tessera policy check` decide alike (issue "The web
// console"): the mesh policies of example 7, step by step, and the requests of the brief's
// scenario (the ingress gateway to the web UI, the web UI to the backend, with and without a
// user's principal), asked of POST /admin/policies/simulate and of the CLI (`--json`); the
// statuses and the deciding policies must be the same.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pino from 'pino';
import { runCli } from '@tessera/cli';
import { createTokenService, loadConfig } from '@tessera/token-service';

const dir = fileURLToPath(new URL('../../examples/07-mesh-policies/policies/', import.meta.url));
const STEPS = [
  ['1-allow-nothing.yaml'],
  ['1-allow-nothing.yaml', '2-allow-ingress-gateway.yaml'],
  ['1-allow-nothing.yaml', '2-allow-ingress-gateway.yaml', '3-allow-webui-to-backend.yaml'],
  // Step 4's policy replaces step 3's (the same name).
  ['1-allow-nothing.yaml', '2-allow-ingress-gateway.yaml', '4-require-user-token.yaml'],
];
const INGRESS = 'cluster.local/ns/istio-system/sa/istio-ingressgateway-service-account';
const WEBUI = 'cluster.local/ns/default/sa/webui';
const REQUESTS = [
  { name: 'ingress → webui', labels: { app: 'webui' }, path: '/', peerPrincipal: INGRESS },
  { name: 'webui → backend', labels: { app: 'backend-api' }, path: '/data', peerPrincipal: WEBUI },
  {
    name: 'webui → backend for a user',
    labels: { app: 'backend-api' },
    path: '/data',
    peerPrincipal: WEBUI,
    principal: 'https://auth.example//alice',
  },
  { name: 'ingress → backend', labels: { app: 'backend-api' }, path: '/data', peerPrincipal: INGRESS },
];

/** `tessera policy check --json`: its status (200, 401, 403) and deciding policy. */
async function cliCheck(files: readonly string[], request: (typeof REQUESTS)[number]) {
  const args = ['node', 'tessera', 'policy', 'check', '--json', '--path', request.path];
  for (const f of files) args.push('--policies', join(dir, f));
  for (const [k, v] of Object.entries(request.labels)) args.push('--label', `${k}=${v}`);
  args.push('--peer-principal', request.peerPrincipal);
  if (request.principal !== undefined) args.push('--principal', request.principal);
  let printed = '';
  const out = process.stdout.write.bind(process.stdout);
  const err = process.stderr.write.bind(process.stderr);
  process.stdout.write = (chunk: string | Uint8Array) => {
    printed += String(chunk);
    return true;
  };
  process.stderr.write = () => true;
  try {
    await runCli(args);
  } finally {
    process.stdout.write = out;
    process.stderr.write = err;
  }
  const json = JSON.parse(printed) as { decision: { status: number; policy?: string } };
  return { status: json.decision.status, policy: json.decision.policy };
}

test('the simulator and `tessera policy check` decide the mesh steps alike', async () => {
  const data = mkdtempSync(join(tmpdir(), 'tessera-e2e-simulate-'));
  const ts = createTokenService(
    loadConfig({
      object: { server: { host: '127.0.0.1', port: 0 }, storage: { type: 'file', dataDir: data } },
    }),
    { logger: pino({ level: 'silent' }) },
  );
  const url = await ts.listen();
  try {
    let compared = 0;
    const seen = new Set<number>();
    for (const files of STEPS) {
      const policies = files.map((f) => readFileSync(join(dir, f), 'utf8')).join('\n---\n');
      for (const request of REQUESTS) {
        const res = await fetch(`${url}/admin/policies/simulate`, {
          method: 'POST',
          headers: { authorization: `Bearer ${ts.adminToken}`, 'content-type': 'application/json' },
          body: JSON.stringify({
            policies,
            request: {
              path: request.path,
              labels: request.labels,
              peerPrincipal: request.peerPrincipal,
              ...(request.principal === undefined ? {} : { principal: request.principal }),
            },
          }),
        });
        const simulated = (await res.json()) as { status: number; decision?: { policy?: string } };
        const cli = await cliCheck(files, request);
        const where = `step ${files.length}, ${request.name}`;
        assert.equal(simulated.status, cli.status, where);
        assert.equal(simulated.decision?.policy, cli.policy, where);
        seen.add(cli.status);
        compared++;
      }
    }
    assert.equal(compared, STEPS.length * REQUESTS.length);
    assert.deepEqual([...seen].sort(), [200, 403], 'the steps allow some requests and deny others');
  } finally {
    await ts.close();
    rmSync(data, { recursive: true, force: true });
  }
});
