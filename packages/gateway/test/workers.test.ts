// `startGatewayWorkers`: two node:cluster workers share the listener and the minting key.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { request, Agent } from 'undici';
import { startEchoUpstream } from './internal/echo-upstream.js';

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });

test('two workers serve one port and publish the same minting key; SIGTERM drains and exits', async () => {
  const upstream = await startEchoUpstream();
  const script = fileURLToPath(new URL('./internal/run-workers.ts', import.meta.url));
  const adminPort = await freePort();
  const child = spawn(process.execPath, ['--conditions=tessera-source', '--import', 'tsx', script, upstream.url], {
    env: { ...process.env, GW_PORT: String(await freePort()), GW_ADMIN_PORT: String(adminPort) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  try {
    const line = await new Promise<string>((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        const m = /LISTENING (\S+) (\d+)/.exec(out);
        if (m) resolve(`${m[1]} ${m[2]}`);
      });
      child.once('exit', (code) => reject(new Error(`exited ${code}`)));
    });
    const [url, size] = line.split(' ');
    assert.equal(size, '2');
    const keys = new Set<string>();
    for (let i = 0; i < 12; i++) {
      // A fresh connection each time, so the kernel may hand it to either worker.
      const dispatcher = new Agent({ pipelining: 0 });
      const res = await request(`${url}/.well-known/jwks.json`, { dispatcher });
      keys.add(await res.body.text());
      const proxied = await request(`${url}/x`, { dispatcher });
      assert.equal(proxied.statusCode, 200);
      await proxied.body.dump();
      await dispatcher.close();
    }
    assert.equal(keys.size, 1, "every worker publishes the primary's key");
    // Whichever worker a scrape lands on, /metrics counts the requests of the whole cluster.
    for (let i = 0; i < 4; i++) {
      const dispatcher = new Agent({ pipelining: 0 });
      const res = await request(`http://127.0.0.1:${adminPort}/metrics`, { dispatcher });
      assert.match(await res.body.text(), /tessera_gateway_upstream_rq_total\{route="echo",code_class="2xx"\} 12\b/);
      await dispatcher.close();
    }
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    child.kill('SIGTERM');
    assert.equal(await exited, 0);
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
    await upstream.close();
  }
});
