// Live decisions across the two packages (issue 17): a gateway with `tokenService.decisions`
// pushes what it decides to the real token service, which lists it, streams it and draws the
// service graph; the push is the gateway's heartbeat and carries its policy files. Between them
// sits a recording relay, so the test sees every byte the gateway sent (never a token) and can take
// the token service "down" without touching it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, request as httpRequest, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { request } from 'undici';
import { createTokenService, loadConfig, type TokenService } from '@tessera/token-service';
import { createGateway, loadGatewayConfig, type Gateway } from '@tessera/gateway';
import { clientCredentialsToken, echoUpstream, writeOrdersPolicies } from './internal/orders-stack.js';

const silent = pino({ level: 'silent' });
const GATEWAY = { id: 'gateway', secret: 'gateway-secret-0123456789' };
const WEBUI = { id: 'webui', secret: 'webui-secret-0123456789' };
const BATCH = { id: 'batch', secret: 'batch-secret-0123456789' };

interface Relay {
  readonly url: string;
  /** Every body the gateway POSTed, as text. */
  readonly bodies: string[];
  /** `up`: forwards to the token service; `down`: answers 503 (a token service that is down). */
  mode: 'up' | 'down';
  close(): Promise<void>;
}

/** An HTTP relay in front of the token service that keeps what it forwards. */
async function recordingRelay(target: string): Promise<Relay> {
  const relay: { bodies: string[]; mode: 'up' | 'down' } = { bodies: [], mode: 'up' };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      relay.bodies.push(body.toString('utf8'));
      if (relay.mode === 'down') {
        res.writeHead(503).end();
        return;
      }
      const out = httpRequest(
        `${target}${req.url ?? '/'}`,
        { method: req.method, headers: { ...req.headers, host: new URL(target).host } },
        (answer: IncomingMessage) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      out.on('error', () => res.writeHead(502).end());
      out.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    get bodies() {
      return relay.bodies;
    },
    get mode() {
      return relay.mode;
    },
    set mode(m) {
      relay.mode = m;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function until(check: () => boolean | Promise<boolean>, what: string, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  assert.fail(`gave up waiting: ${what}`);
}

async function startTokenService(dir: string): Promise<{ ts: TokenService; url: string }> {
  const ts = createTokenService(
    loadConfig({
      object: {
        server: { port: 0 },
        storage: { type: 'file', dataDir: join(dir, 'data') },
        rateLimit: { enabled: false },
        clients: [
          { id: WEBUI.id, secret: WEBUI.secret, audiences: ['orders'] },
          { id: BATCH.id, secret: BATCH.secret, audiences: ['orders'] },
          // The gateway's client: it may report decisions (and nothing else here).
          { id: GATEWAY.id, secret: GATEWAY.secret, reportDecisions: true },
        ],
      },
    }),
    { logger: silent },
  );
  return { ts, url: await ts.listen() };
}

interface Decision {
  seq: number;
  gateway: string;
  action: string;
  status: number;
  reason: string;
  detail?: string;
  route: string;
  path: string;
  requestPrincipal?: string;
  source?: string;
  destination?: string;
}

test('decisions the gateway makes reach the token service: listed, streamed, graphed; never a token; the heartbeat and policy set follow', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-e2e-decisions-'));
  const { ts, url: tsUrl } = await startTokenService(dir);
  const relay = await recordingRelay(tsUrl);
  const upstream = await echoUpstream();
  const policies = writeOrdersPolicies(dir, ts.issuer, tsUrl, `${ts.issuer}/webui`);
  // A DRY_RUN policy that would deny /orders/audit: the request passes, the decision says dry-run.
  const dryRunYaml = `apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata:
  name: no-audit
  namespace: default
  annotations: { "istio.io/dry-run": "true" }
spec:
  action: DENY
  rules:
    - to: [{ operation: { paths: ["/orders/audit"] } }]
`;
  writeFileSync(join(policies, 'dry-run.yaml'), dryRunYaml);
  const admin = async <T>(path: string): Promise<T> => {
    const res = await request(`${tsUrl}${path}`, { headers: { authorization: `Bearer ${ts.adminToken}` } });
    assert.equal(res.statusCode, 200, path);
    return (await res.body.json()) as T;
  };
  let gateway: Gateway | undefined;
  const stream = await new Promise<IncomingMessage>((resolve, reject) =>
    httpRequest(`${tsUrl}/admin/decisions/stream`, { headers: { authorization: `Bearer ${ts.adminToken}` } }, resolve)
      .on('error', reject)
      .end(),
  );
  let streamed = '';
  stream.setEncoding('utf8');
  stream.on('data', (c: string) => (streamed += c));
  try {
    gateway = createGateway(
      loadGatewayConfig({
        object: {
          listeners: [{ port: 0 }],
          admin: { enabled: false },
          routes: [{ name: 'orders', pathPrefix: '/orders', upstream: upstream.url, labels: { app: 'orders' } }],
          policies: { sources: [policies], watch: false },
          tokenService: {
            url: relay.url,
            clientId: GATEWAY.id,
            clientSecret: GATEWAY.secret,
            checkRevocations: false,
            decisions: { enabled: true, gatewayId: 'gw-e2e', intervalMs: 100 },
          },
        },
      }),
      { logger: silent },
    );
    await gateway.listen();
    const webui = await clientCredentialsToken(tsUrl, WEBUI.id, WEBUI.secret, 'orders');
    const batch = await clientCredentialsToken(tsUrl, BATCH.id, BATCH.secret, 'orders');
    const call = async (path: string, token: string) => {
      const res = await request(`${gateway!.urls.main}${path}`, { headers: { authorization: `Bearer ${token}` } });
      await res.body.dump();
      return res.statusCode;
    };
    assert.equal(await call('/orders/1', webui), 200);
    assert.equal(await call('/orders/2', batch), 403, 'only webui is allowed');
    assert.equal(await call('/orders/audit', webui), 200, 'a dry-run policy does not enforce');

    const page = await (async () => {
      let got: { decisions: Decision[] } = { decisions: [] };
      await until(async () => {
        got = await admin<{ decisions: Decision[] }>('/admin/decisions');
        return got.decisions.length === 3;
      }, 'three decisions at the token service');
      return got.decisions;
    })();
    assert.deepEqual(
      page.map((d) => [d.gateway, d.route, d.path, d.action, d.status, d.reason, d.source, d.destination]),
      [
        ['gw-e2e', 'orders', '/orders/1', 'allow', 200, 'allowed', 'webui', 'orders'],
        ['gw-e2e', 'orders', '/orders/2', 'deny', 403, 'ERR_GATEWAY_ACCESS_DENIED', 'batch', 'orders'],
        ['gw-e2e', 'orders', '/orders/audit', 'dry-run', 200, 'allowed', 'webui', 'orders'],
      ],
    );
    assert.equal(page[0]!.requestPrincipal, `${ts.issuer}/webui`);
    assert.equal(page[1]!.requestPrincipal, `${ts.issuer}/batch`);
    assert.match(page[2]!.detail ?? '', /dry-run deny/);

    // The stream saw the same decisions, in order.
    await until(() => (streamed.match(/event: decision/g) ?? []).length === 3, 'three decisions streamed');
    const streamedPaths = [...streamed.matchAll(/^data: (.*)$/gm)].map((m) => (JSON.parse(m[1]!) as Decision).path);
    assert.deepEqual(streamedPaths, ['/orders/1', '/orders/2', '/orders/audit']);

    // The service graph, computed by the token service.
    const graph = await admin<{
      edges: { source: string; destination: string; allowed: number; denied: number; dryRun: number }[];
    }>('/admin/decisions/graph');
    assert.deepEqual(
      graph.edges.map((e) => [e.source, e.destination, e.allowed, e.denied, e.dryRun]),
      [
        ['batch', 'orders', 0, 1, 0],
        ['webui', 'orders', 1, 0, 1],
      ],
    );

    // The heartbeat: a healthy gateway, its client, its counts and its policy set.
    const { gateways } = await admin<{
      gateways: {
        id: string;
        clientId: string;
        healthy: boolean;
        counts: Record<string, number>;
        policyHash: string;
        hasPolicies: boolean;
      }[];
    }>('/admin/gateways');
    assert.equal(gateways.length, 1);
    assert.equal(gateways[0]!.id, 'gw-e2e');
    assert.equal(gateways[0]!.clientId, GATEWAY.id);
    assert.equal(gateways[0]!.healthy, true);
    assert.deepEqual(gateways[0]!.counts, { allowed: 1, denied: 1, dryRun: 1 });
    assert.equal(gateways[0]!.hasPolicies, true);
    const set = await admin<{ hash: string; documents: { file: string; yaml: string }[] }>(
      '/admin/gateways/gw-e2e/policies',
    );
    assert.equal(set.hash, gateways[0]!.policyHash);
    assert.deepEqual(
      set.documents.map((d) => [
        d.file.slice(policies.length + 1),
        // Written again from the parse: the policies as the gateway read them, not the files' bytes.
        d.yaml.includes('name: no-audit') || d.yaml.includes('RequestAuthentication'),
      ]),
      [
        ['dry-run.yaml', true],
        ['policies.yaml', true],
      ],
    );

    // A reload that changes the files: the next push carries the new set.
    writeFileSync(join(policies, 'dry-run.yaml'), dryRunYaml.replace('/orders/audit', '/orders/secret'));
    await gateway.reload();
    await until(async () => {
      const now = await admin<{ hash: string; documents: { yaml: string }[] }>('/admin/gateways/gw-e2e/policies');
      return now.hash !== set.hash && now.documents.some((d) => d.yaml.includes('/orders/secret'));
    }, 'the reloaded policy set at the token service');

    // Nothing the gateway sent, and nothing the token service gives back, holds a token.
    const everything = [
      ...relay.bodies,
      streamed,
      JSON.stringify(await admin('/admin/decisions')),
      JSON.stringify(await admin('/admin/gateways/gw-e2e/policies')),
    ].join('\n');
    assert.ok(relay.bodies.length > 0);
    for (const token of [webui, batch]) {
      assert.ok(!everything.includes(token), 'no token is reported');
      assert.ok(!everything.includes(token.split('.')[1]!), 'not even its payload');
    }
    assert.ok(!/"(token|authorization)"/i.test(relay.bodies.join('\n')), 'no token or header member');
  } finally {
    stream.destroy();
    await gateway?.close();
    await relay.close();
    await upstream.close();
    await ts.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a token service that is down breaks no request: decisions wait up to maxBuffered, the rest are dropped and counted', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-e2e-decisions-down-'));
  const { ts, url: tsUrl } = await startTokenService(dir);
  const relay = await recordingRelay(tsUrl);
  relay.mode = 'down';
  const upstream = await echoUpstream();
  const policies = writeOrdersPolicies(dir, ts.issuer, tsUrl);
  let gateway: Gateway | undefined;
  try {
    const gw = createGateway(
      loadGatewayConfig({
        object: {
          listeners: [{ port: 0 }],
          admin: { enabled: false },
          routes: [{ name: 'orders', pathPrefix: '/orders', upstream: upstream.url }],
          policies: { sources: [policies], watch: false, defaultAction: 'allow' },
          tokenService: {
            url: relay.url,
            clientId: GATEWAY.id,
            clientSecret: GATEWAY.secret,
            checkRevocations: false,
            timeoutMs: 500,
            decisions: { enabled: true, gatewayId: 'gw-down', intervalMs: 100, maxBatch: 2, maxBuffered: 5 },
          },
        },
      }),
      { logger: silent },
    );
    gateway = gw;
    await gw.listen();
    const webui = await clientCredentialsToken(tsUrl, WEBUI.id, WEBUI.secret, 'orders');
    for (let i = 0; i < 8; i += 1) {
      const res = await request(`${gw.urls.main}/orders/${i}`, { headers: { authorization: `Bearer ${webui}` } });
      await res.body.dump();
      assert.equal(res.statusCode, 200, 'the request does not wait for, or fail with, the token service');
    }
    await until(() => relay.bodies.length >= 3, 'pushes tried while down');
    const metrics = await gw.metrics.registry.metrics();
    assert.match(metrics, /^tessera_gateway_decisions_dropped_total 3$/m, 'eight decisions, five kept');
    assert.match(metrics, /^tessera_gateway_decision_push_failed_total [1-9]\d*$/m);

    // Back up: the five kept arrive (in batches of two), and the push says three were dropped.
    relay.mode = 'up';
    const admin = async <T>(path: string): Promise<T> =>
      (await (
        await request(`${tsUrl}${path}`, { headers: { authorization: `Bearer ${ts.adminToken}` } })
      ).body.json()) as T;
    await until(
      async () => (await admin<{ decisions: unknown[] }>('/admin/decisions')).decisions.length === 5,
      'the kept decisions arrive',
    );
    const { decisions } = await admin<{ decisions: Decision[] }>('/admin/decisions');
    assert.deepEqual(
      decisions.map((d) => d.path),
      ['/orders/3', '/orders/4', '/orders/5', '/orders/6', '/orders/7'],
    );
    const { gateways } = await admin<{ gateways: { id: string; healthy: boolean; dropped: number }[] }>(
      '/admin/gateways',
    );
    assert.deepEqual(
      gateways.map((g) => [g.id, g.healthy, g.dropped]),
      [['gw-down', true, 3]],
    );
    assert.match(await gw.metrics.registry.metrics(), /^tessera_gateway_decisions_reported_total 5$/m);
  } finally {
    await gateway?.close();
    await relay.close();
    await upstream.close();
    await ts.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
