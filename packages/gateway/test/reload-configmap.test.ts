// Policies from a Kubernetes ConfigMap volume: the kubelet never edits a file in place. It writes
// the new contents into a fresh timestamped folder, points `..data_tmp` at it, renames that over
// `..data` (one atomic step) and removes the old folder; each key is a symlink `name -> ..data/name`
// (kubernetes/pkg/volume/util/atomic_writer.go). The gateway must reload on that swap, whether its
// source is the mounted folder or one file in it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, renameSync, rmSync, symlinkSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { request } from 'undici';
import { createGateway, loadGatewayConfig } from '@tessera/gateway';
import { startEchoUpstream } from './internal/echo-upstream.js';

const allowPath = (path: string) => `apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: { name: allow, namespace: default }
spec:
  action: ALLOW
  rules:
    - to: [{ operation: { paths: ["${path}"] } }]
`;

/** A ConfigMap volume as the kubelet lays it out, updated as the kubelet updates it. */
function configMapVolume(files: Record<string, string>): { dir: string; update(files: Record<string, string>): void } {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-configmap-'));
  let version = 0;
  let current: string | undefined;
  const write = (next: Record<string, string>) => {
    version += 1;
    const payload = `..2026_12_06_00_00_0${version}.${process.pid}`;
    mkdirSync(join(dir, payload));
    for (const [name, text] of Object.entries(next)) writeFileSync(join(dir, payload, name), text);
    symlinkSync(payload, join(dir, '..data_tmp'));
    renameSync(join(dir, '..data_tmp'), join(dir, '..data'));
    for (const name of Object.keys(next))
      if (!existsSync(join(dir, name))) symlinkSync(join('..data', name), join(dir, name));
    if (current !== undefined) rmSync(join(dir, current), { recursive: true });
    current = payload;
  };
  write(files);
  return { dir, update: write };
}

async function until(check: () => Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (await check()) return;
    await sleep(25);
  }
  assert.fail(`timed out waiting for ${what}`);
}

for (const source of ['the mounted folder', 'one file of the mounted folder'] as const) {
  test(`hot reload from a ConfigMap volume, the source being ${source}`, async () => {
    const upstream = await startEchoUpstream();
    const volume = configMapVolume({ 'allow.yaml': allowPath('/one') });
    const gw = createGateway(
      loadGatewayConfig({
        object: {
          listeners: [{ host: '127.0.0.1', port: 0 }],
          admin: { enabled: false },
          routes: [{ name: 'echo', upstream: upstream.url }],
          policies: {
            sources: [source === 'the mounted folder' ? volume.dir : join(volume.dir, 'allow.yaml')],
            debounceMs: 20,
          },
        },
      }),
    );
    await gw.listen();
    const status = async (path: string) => {
      const res = await request(`${gw.urls.main}${path}`);
      await res.body.dump();
      return res.statusCode;
    };
    try {
      assert.equal(await status('/one'), 200);
      assert.equal(await status('/two'), 403);
      volume.update({ 'allow.yaml': allowPath('/two') });
      await until(async () => (await status('/two')) === 200, 'the swapped ConfigMap to apply');
      assert.equal(await status('/one'), 403);
    } finally {
      await gw.close();
      await upstream.close();
      rmSync(volume.dir, { recursive: true, force: true });
    }
  });
}
