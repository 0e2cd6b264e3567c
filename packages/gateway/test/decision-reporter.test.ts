// The gateway's decision reporter (`tokenService.decisions`, issue 17) against a stand-in for the
// token service's `POST /admin/gateways/:id/decisions` that records every push: what a decision
// holds (and never: a token, a header, the query), the policy set on the first push and when asked,
// batches split under maxBodyBytes, a refused batch dropped and counted, the last push at close.
// The real token service is in test/e2e/gateway-decisions.test.ts (the gateway never imports it).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { hostname } from 'node:os';
import { request } from 'undici';
import { loadGatewayConfig } from '@tessera/gateway';
import { ISSUER, startStack, type Stack } from './internal/fixtures.js';

const RA = `apiVersion: security.istio.io/v1
kind: RequestAuthentication
metadata: { name: jwt, namespace: default }
spec:
  selector: { matchLabels: { app: echo } }
  jwtRules:
    - issuer: ${ISSUER}
      jwksUri: {{JWKS}}
`;
const AP = `apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: { name: deny-admin, namespace: default }
spec:
  action: DENY
  rules:
    - to: [{ operation: { paths: ["/admin", "/admin/*"] } }]
---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata:
  name: shadow-deny-reports
  namespace: default
  annotations: { istio.io/dry-run: "true" }
spec:
  action: DENY
  rules:
    - to: [{ operation: { paths: ["/reports/*"] } }]
`;

interface Push {
  readonly path: string;
  readonly authorization: string | undefined;
  readonly raw: string;
  readonly body: {
    intervalMs: number;
    dropped: number;
    policies?: { hash: string; documents?: { file: string; yaml: string }[] };
    decisions: Record<string, unknown>[];
  };
}

/** A stand-in token service: records pushes and answers what `answer` says (default 200). */
async function collector(
  answer: (push: Push) => { status: number; body?: unknown } = () => ({ status: 200 }),
): Promise<{ url: string; pushes: Push[]; close(): Promise<void> }> {
  const pushes: Push[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      const push: Push = {
        path: req.url ?? '',
        authorization: req.headers.authorization,
        raw,
        body: JSON.parse(raw) as Push['body'],
      };
      pushes.push(push);
      const { status, body } = answer(push);
      const text = JSON.stringify(body ?? { accepted: push.body.decisions.length, needPolicies: false });
      res.writeHead(status, { 'content-type': 'application/json' }).end(text);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    pushes,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

const reporting = (url: string, decisions: Record<string, unknown> = {}) => ({
  tokenService: {
    url,
    clientId: 'gate way',
    clientSecret: 'gateway-secret-0123456789',
    checkRevocations: false,
    decisions: { enabled: true, gatewayId: 'gw-test', intervalMs: 100, ...decisions },
  },
});

async function until(check: () => boolean | Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 400; i += 1) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  assert.fail(`gave up waiting: ${what}`);
}

const decisionsOf = (pushes: Push[]) => pushes.flatMap((p) => p.body.decisions);

test('decisions.enabled needs client credentials and a well-formed gateway id', () => {
  const base = { listeners: [{ port: 0 }], routes: [{ name: 'r', upstream: 'http://127.0.0.1:1' }] };
  assert.throws(
    () =>
      loadGatewayConfig({
        object: {
          ...base,
          tokenService: { url: 'http://127.0.0.1:7400', checkRevocations: false, decisions: { enabled: true } },
        },
      }),
    (e: Error & { code?: string }) =>
      e.code === 'ERR_GATEWAY_CONFIG_INVALID' && /decisions\.enabled: .*reportDecisions: true/.test(e.message),
  );
  assert.throws(
    () =>
      loadGatewayConfig({
        object: {
          ...base,
          tokenService: {
            url: 'http://127.0.0.1:7400',
            clientId: 'g',
            clientSecret: 's',
            checkRevocations: false,
            decisions: { enabled: true, gatewayId: 'no spaces' },
          },
        },
      }),
    /gatewayId/,
  );
});

test('each routed decision is pushed with its facts and never a token, a header or the query; the first push carries the policy set', async () => {
  const ts = await collector();
  let s: Stack | undefined;
  try {
    s = await startStack({ 'ra.yaml': RA, 'ap.yaml': AP }, reporting(ts.url));
    const token = s.issuer.sign({ sub: 'carol', client_id: 'webui' });
    const call = async (path: string, headers: Record<string, string> = { authorization: `Bearer ${token}` }) => {
      const res = await request(`${s!.url}${path}`, { headers: { ...headers, 'x-secret-header': 'hunter2' } });
      await res.body.dump();
      return res.statusCode;
    };
    assert.equal(await call('/api/a?note=not-in-the-report&q=secret'), 200);
    assert.equal(await call('/admin/x'), 403);
    assert.equal(await call('/reports/q'), 200);
    assert.equal(await call('/api/b', { authorization: `Bearer ${token}x` }), 401);
    await until(() => decisionsOf(ts.pushes).length === 4, 'four decisions pushed');

    const first = ts.pushes[0]!;
    assert.equal(first.path, '/admin/gateways/gw-test/decisions');
    // RFC 6749 §2.3.1: the id and secret are form-encoded before Basic encoding ("gate way" → "gate+way").
    assert.equal(first.authorization, `Basic ${Buffer.from('gate+way:gateway-secret-0123456789').toString('base64')}`);
    assert.equal(first.body.intervalMs, 100);
    assert.match(first.body.policies?.hash ?? '', /^sha256-[\w-]{43}$/);
    assert.deepEqual(
      first.body.policies?.documents?.map((d) => [d.file.replace(/^.*\//, ''), d.yaml.includes('kind:')]),
      [
        ['ap.yaml', true],
        ['ra.yaml', true],
      ],
    );
    for (const later of ts.pushes.slice(1))
      assert.deepEqual(later.body.policies, { hash: first.body.policies?.hash }, 'later pushes name the hash only');

    const [allowed, denied, dryRun, unauthenticated] = decisionsOf(ts.pushes);
    assert.deepEqual(
      { ...allowed, at: 0 },
      {
        at: 0,
        action: 'allow',
        status: 200,
        reason: 'allowed',
        detail: allowed!['detail'],
        route: 'echo',
        method: 'GET',
        host: '127.0.0.1',
        path: '/api/a',
        requestPrincipal: `${ISSUER}/carol`,
        source: 'webui',
        destination: 'echo',
      },
    );
    assert.equal(typeof allowed!['at'], 'number');
    assert.deepEqual(
      [denied!['action'], denied!['status'], denied!['reason'], denied!['requestPrincipal'], denied!['source']],
      ['deny', 403, 'ERR_GATEWAY_ACCESS_DENIED', `${ISSUER}/carol`, 'webui'],
    );
    assert.match(String(denied!['detail']), /deny-matched default\/deny-admin/);
    assert.deepEqual([dryRun!['action'], dryRun!['status']], ['dry-run', 200]);
    assert.deepEqual(
      [unauthenticated!['action'], unauthenticated!['status'], unauthenticated!['source']],
      ['deny', 401, undefined],
    );
    assert.match(String(unauthenticated!['reason']), /^ERR_JWT_/);

    const everything = ts.pushes.map((p) => p.raw).join('\n');
    for (const secret of [
      token.split('.')[1]!,
      token.split('.')[2]!,
      'not-in-the-report',
      'hunter2',
      'x-secret-header',
    ])
      assert.ok(!everything.includes(secret), `nothing of ${secret.slice(0, 12)}… is reported`);
    // A heartbeat goes out with no traffic too.
    const count = ts.pushes.length;
    await until(() => ts.pushes.length > count + 1, 'empty pushes keep coming');
    assert.deepEqual(ts.pushes.at(-1)!.body.decisions, []);
    assert.match(await s.gateway.metrics.registry.metrics(), /^tessera_gateway_decisions_reported_total 4$/m);
  } finally {
    await s?.close();
    await ts.close();
  }
});

test('when the token service asks (needPolicies), the documents go again; a reload that changes them sends them', async () => {
  let ask = true;
  const ts = await collector((push) => {
    const needPolicies = ask && push.body.policies?.documents !== undefined;
    if (needPolicies) ask = false;
    return { status: 200, body: { accepted: push.body.decisions.length, needPolicies } };
  });
  let s: Stack | undefined;
  try {
    s = await startStack({ 'ra.yaml': RA }, reporting(ts.url));
    await until(() => ts.pushes.filter((p) => p.body.policies?.documents !== undefined).length === 2, 'sent twice');
    const withDocuments = () => ts.pushes.filter((p) => p.body.policies?.documents !== undefined);
    const hash = withDocuments()[0]!.body.policies!.hash;
    s.policies.write('ap.yaml', AP);
    await s.gateway.reload();
    await until(() => withDocuments().length === 3, 'the reloaded set sent');
    const changed = withDocuments()[2]!.body.policies!;
    assert.notEqual(changed.hash, hash);
    assert.equal(changed.documents!.length, 2);
  } finally {
    await s?.close();
    await ts.close();
  }
});

test('only the Istio policies of a file are reported, written from their parse: a Secret in the policy folder never leaves the gateway', async () => {
  const ts = await collector();
  let s: Stack | undefined;
  try {
    const secret =
      'apiVersion: v1\nkind: Secret\nmetadata: { name: db }\nstringData: { password: hunter2-in-a-manifest }\n';
    s = await startStack({ 'mixed.yaml': `${AP}---\n${secret}`, 'only-secret.yaml': secret }, reporting(ts.url));
    await until(() => ts.pushes.some((p) => p.body.policies?.documents !== undefined), 'the policy set pushed');
    const documents = ts.pushes.find((p) => p.body.policies?.documents !== undefined)!.body.policies!.documents!;
    assert.deepEqual(
      documents.map((d) => d.file.replace(/^.*\//, '')),
      ['mixed.yaml'],
      'a file with no policy is not reported',
    );
    assert.match(documents[0]!.yaml, /kind: AuthorizationPolicy/);
    assert.ok(!ts.pushes.some((p) => p.raw.includes('hunter2')), 'the Secret was sent');
  } finally {
    await s?.close();
    await ts.close();
  }
});

test('a push refused (400) with the policy documents keeps its decisions: they go next, the documents by hash only from then on', async () => {
  const ts = await collector((push) =>
    push.body.policies?.documents !== undefined
      ? { status: 400, body: { code: 'ERR_ADMIN_BAD_REQUEST' } }
      : { status: 200 },
  );
  let s: Stack | undefined;
  try {
    s = await startStack({ 'ra.yaml': RA, 'ap.yaml': AP }, reporting(ts.url, { intervalMs: 60_000 }));
    const token = s.issuer.sign({ sub: 'carol', client_id: 'webui' });
    const res = await request(`${s.url}/api/a`, { headers: { authorization: `Bearer ${token}` } });
    await res.body.dump();
    await s.gateway.close();
    const withDocuments = ts.pushes.filter((p) => p.body.policies?.documents !== undefined);
    assert.equal(withDocuments.length, 1, 'the documents were tried once');
    assert.equal(decisionsOf(ts.pushes.filter((p) => p.body.policies?.documents === undefined)).length, 1);
  } finally {
    await s?.close();
    await ts.close();
  }
});

test('a batch over maxBodyBytes is split, in order; a refused batch (400) is dropped and counted; close sends the last decisions', async () => {
  let refuse = false;
  const ts = await collector((push) =>
    refuse && push.body.decisions.length > 0
      ? { status: 400, body: { code: 'ERR_ADMIN_BAD_REQUEST' } }
      : { status: 200 },
  );
  let s: Stack | undefined;
  try {
    s = await startStack(
      {},
      {
        ...reporting(ts.url, { maxBodyBytes: 16_384, intervalMs: 600_000 }),
        policies: { defaultAction: 'allow' },
      },
    );
    const long = 'p'.repeat(1000);
    for (let i = 0; i < 40; i += 1) {
      const res = await request(`${s.url}/${long}/${i}`);
      await res.body.dump();
    }
    // The interval is ten minutes: nothing is pushed until close, which sends everything, split.
    const before = ts.pushes.length;
    await s.gateway.close();
    const pushed = ts.pushes.slice(before);
    assert.ok(pushed.length >= 3, `split into several pushes (${pushed.length})`);
    for (const p of pushed) assert.ok(Buffer.byteLength(p.raw) <= 16_384, 'each under maxBodyBytes');
    assert.deepEqual(
      decisionsOf(pushed).map((d) => String(d['path']).split('/').at(-1)),
      Array.from({ length: 40 }, (_, i) => String(i)),
    );
  } finally {
    await s?.close();
  }
  // A token service that refuses the batch: it is not sent forever, it is dropped and counted.
  refuse = true;
  let t: Stack | undefined;
  try {
    t = await startStack({}, { ...reporting(ts.url), policies: { defaultAction: 'allow' } });
    const res = await request(`${t.url}/x`);
    await res.body.dump();
    await until(
      async () => /^tessera_gateway_decisions_dropped_total 1$/m.test(await t!.gateway.metrics.registry.metrics()),
      'the refused decision dropped and counted',
    );
    refuse = false;
    await until(() => ts.pushes.at(-1)!.body.dropped === 1, 'the next push reports it dropped');
  } finally {
    await t?.close();
    await ts.close();
  }
});

test('without a gatewayId the host name, sanitised, names the gateway', async () => {
  const ts = await collector();
  let s: Stack | undefined;
  try {
    const { tokenService } = reporting(ts.url);
    const { gatewayId: _id, ...decisions } = tokenService.decisions;
    s = await startStack({}, { tokenService: { ...tokenService, decisions }, policies: { defaultAction: 'allow' } });
    await until(() => ts.pushes.length > 0, 'a heartbeat');
    const expected =
      hostname()
        .replace(/[^A-Za-z0-9._-]/g, '-')
        .slice(0, 64) || 'gateway';
    assert.equal(ts.pushes[0]!.path, `/admin/gateways/${encodeURIComponent(expected)}/decisions`);
  } finally {
    await s?.close();
    await ts.close();
  }
});
