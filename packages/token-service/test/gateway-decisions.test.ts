// Live decisions (issue 17): gateways push batched decisions to `POST /admin/gateways/:id/decisions`
// with their client credentials and the `reportDecisions` permission; the push is their heartbeat;
// the admin API lists gateways, their policy sets, recent decisions (filters, cursor), the service
// graph, and streams decisions as server-sent events (resumable, readable by a viewer).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { request, type IncomingMessage } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { createTokenService, loadConfig } from '../src/index.js';
import { startService, type TestService } from './helpers.js';
import { browser, logIn, type Browser } from './login-helpers.js';

const GW = { id: 'gateway', secret: 'gateway-secret-0123456789' };
const OTHER = { id: 'gateway-two', secret: 'gateway-two-secret-0123456789' };
const READER = { id: 'reader', secret: 'reader-secret-0123456789' };
const clients = [
  { id: GW.id, secret: GW.secret, reportDecisions: true },
  { id: OTHER.id, secret: OTHER.secret, reportDecisions: true },
  // Reads the revocation feed, but may not report decisions.
  { id: READER.id, secret: READER.secret, revocations: true },
];
const users = [{ id: 'u-watch', username: 'watch', password: 'watch-password-1234', roles: ['tessera:viewer'] }];

const basic = (c: { id: string; secret: string }) =>
  `Basic ${Buffer.from(`${encodeURIComponent(c.id)}:${encodeURIComponent(c.secret)}`).toString('base64')}`;

interface Decision {
  at: number;
  action: 'allow' | 'deny' | 'dry-run';
  status: number;
  reason: string;
  route: string;
  method: string;
  host: string;
  path: string;
  principal?: string;
  requestPrincipal?: string;
  source?: string;
  destination?: string;
  detail?: string;
}

const decision = (over: Partial<Decision> = {}): Decision => ({
  at: 1_700_000_000_000,
  action: 'allow',
  status: 200,
  reason: 'allowed',
  route: 'orders',
  method: 'GET',
  host: 'orders.local',
  path: '/orders/1',
  requestPrincipal: 'https://ts.example/webui',
  source: 'webui',
  destination: 'orders',
  ...over,
});

function push(
  ts: TestService,
  gateway: string,
  body: unknown,
  credentials: string | null = basic(GW),
  headers: Record<string, string> = {},
): Promise<Response> {
  return fetch(`${ts.url}/admin/gateways/${gateway}/decisions`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(credentials === null ? {} : { authorization: credentials }),
      ...headers,
    },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

async function json<T = Record<string, unknown>>(res: Response): Promise<T> {
  return (await res.json()) as T;
}

/** An open `GET /admin/decisions/stream`: the text so far, and its parsed events. */
async function openStream(
  url: string,
  headers: Record<string, string>,
): Promise<{
  status: number;
  text(): string;
  events(): { id?: string; event?: string; data?: string }[];
  ended(): boolean;
  /** The server ended the response itself (its last chunk came), not a cut connection. */
  endedCleanly(): boolean;
  close(): void;
}> {
  const res = await new Promise<IncomingMessage>((resolve, reject) =>
    request(url, { headers }, resolve).on('error', reject).end(),
  );
  let text = '';
  let ended = false;
  let endedCleanly = false;
  res.setEncoding('utf8');
  res.on('data', (c: string) => (text += c));
  res.on('end', () => (ended = endedCleanly = true));
  res.on('close', () => (ended = true));
  return {
    status: res.statusCode ?? 0,
    text: () => text,
    events: () =>
      text
        .split('\n\n')
        .filter((block) => block.length > 0 && !block.startsWith(':'))
        .map((block) => {
          const e: { id?: string; event?: string; data?: string } = {};
          for (const line of block.split('\n')) {
            const colon = line.indexOf(': ');
            const key = line.slice(0, colon);
            const value = line.slice(colon + 2);
            if (key === 'id' || key === 'event' || key === 'data') e[key] = value;
          }
          return e;
        }),
    ended: () => ended,
    endedCleanly: () => endedCleanly,
    close: () => res.destroy(),
  };
}

async function until(check: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 200; i += 1) {
    if (check()) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  assert.fail(`gave up waiting: ${what}`);
}

test('a push needs client credentials with reportDecisions; the admin token or a reader client is not enough', async () => {
  const ts = await startService({ clients, rateLimit: { enabled: false } });
  try {
    const body = { decisions: [decision()] };
    const none = await push(ts, 'gw-1', body, null);
    assert.equal(none.status, 401);
    assert.match(none.headers.get('www-authenticate') ?? '', /^Basic realm=/);
    assert.equal((await json(none))['code'], 'ERR_OAUTH_INVALID_CLIENT');

    const wrong = await push(ts, 'gw-1', body, basic({ id: GW.id, secret: 'not-the-secret-at-all' }));
    assert.equal(wrong.status, 401);
    await wrong.body?.cancel();

    const adminToken = await push(ts, 'gw-1', body, `Bearer ${ts.service.adminToken}`);
    assert.equal(adminToken.status, 401, 'the admin token is no gateway credential');
    await adminToken.body?.cancel();

    const reader = await push(ts, 'gw-1', body, basic(READER));
    assert.equal(reader.status, 403);
    const problem = await json(reader);
    assert.equal(problem['code'], 'ERR_TOKEN_SERVICE_FORBIDDEN');
    assert.match(String(problem['detail']), /reportDecisions: true/);

    const ok = await push(ts, 'gw-1', body);
    assert.equal(ok.status, 200);
    assert.deepEqual(await json(ok), { accepted: 1, needPolicies: false });

    // The permission is a client field like the others: visible, and granted through the admin API.
    const view = await json(await ts.admin(`/admin/clients/${READER.id}`));
    assert.equal(view['reportDecisions'], false);
    const patched = await ts.admin(`/admin/clients/${READER.id}`, {
      method: 'PATCH',
      body: JSON.stringify({ reportDecisions: true }),
    });
    assert.equal(patched.status, 200);
    assert.equal((await json(patched))['reportDecisions'], true);
    const now = await push(ts, 'gw-reader', body, basic(READER));
    assert.equal(now.status, 200);
    await now.body?.cancel();

    // Nobody reads the decisions without an admin credential.
    for (const path of ['/admin/gateways', '/admin/decisions', '/admin/decisions/graph', '/admin/decisions/stream']) {
      const res = await fetch(`${ts.url}${path}`);
      assert.equal(res.status, 401, path);
      await res.body?.cancel();
    }
  } finally {
    await ts.stop();
  }
});

test('malformed, oversized and token-carrying pushes are refused whole with 400 ERR_ADMIN_BAD_REQUEST', async () => {
  // A body limit above 1000 decisions' worth, so the count bound is what refuses them.
  const ts = await startService({ clients, rateLimit: { enabled: false }, server: { bodyLimitBytes: 1_048_576 } });
  try {
    const cases: [string, string, unknown, Record<string, string>?][] = [
      ['not JSON', 'gw-1', '{"decisions": [', undefined],
      ['not application/json', 'gw-1', { decisions: [] }, { 'content-type': 'text/plain' }],
      ['no decisions member', 'gw-1', { dropped: 0 }],
      ['1001 decisions', 'gw-1', { decisions: Array.from({ length: 1001 }, () => decision()) }],
      ['a token member', 'gw-1', { decisions: [{ ...decision(), token: 'eyJhbGciOiJub25lIn0.e30.' }] }],
      ['an authorization member', 'gw-1', { decisions: [{ ...decision(), authorization: 'Bearer x' }] }],
      [
        'a JWT in the path',
        'gw-1',
        { decisions: [decision({ path: '/cb/eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ4In0.sig' })] },
      ],
      ['an unknown action', 'gw-1', { decisions: [{ ...decision(), action: 'maybe' }] }],
      ['an over-long reason', 'gw-1', { decisions: [decision({ reason: 'x'.repeat(129) })] }],
      ['an unknown top-level member', 'gw-1', { decisions: [], headers: { authorization: 'x' } }],
      ['a malformed policy hash', 'gw-1', { decisions: [], policies: { hash: 'no spaces allowed' } }],
      ['a gateway id with a space', 'gw%201', { decisions: [] }],
      ['a gateway id of 65 characters', 'g'.repeat(65), { decisions: [] }],
    ];
    for (const [what, gateway, body, headers] of cases) {
      const res = await push(ts, gateway, body, basic(GW), headers);
      assert.equal(res.status, 400, what);
      assert.equal(res.headers.get('content-type'), 'application/problem+json', what);
      assert.equal((await json(res))['code'], 'ERR_ADMIN_BAD_REQUEST', what);
    }
    // Nothing of them was kept: no gateway, no decision.
    assert.deepEqual((await json(await ts.admin('/admin/gateways')))['gateways'], []);
    assert.deepEqual((await json(await ts.admin('/admin/decisions')))['decisions'], []);
    // A body over server.bodyLimitBytes never reaches the handler.
    const huge = await push(ts, 'gw-1', { decisions: [], pad: 'x'.repeat(1_100_000) });
    assert.equal(huge.status, 413);
    await huge.body?.cancel();
  } finally {
    await ts.stop();
  }
});

test('the push is the heartbeat: GET /admin/gateways shows it healthy, counted, with its policy set', async () => {
  let now = 1_700_000_000_000;
  const ts = await startService({ clients, rateLimit: { enabled: false } }, { clock: () => now });
  try {
    const documents = [
      { file: 'policies/orders.yaml', yaml: 'apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\n' },
    ];
    const first = await push(ts, 'gw-1', {
      intervalMs: 2000,
      policies: { hash: 'sha256-aaaaaaaaaaaa', documents },
      decisions: [decision(), decision({ action: 'deny', status: 403, reason: 'ERR_GATEWAY_ACCESS_DENIED' })],
    });
    assert.deepEqual(await json(first), { accepted: 2, needPolicies: false });
    now += 1000;
    const second = await push(ts, 'gw-1', {
      intervalMs: 2000,
      dropped: 3,
      policies: { hash: 'sha256-aaaaaaaaaaaa' },
      decisions: [decision({ action: 'dry-run' })],
    });
    assert.deepEqual(await json(second), { accepted: 1, needPolicies: false });

    const { gateways } = await json<{ gateways: Record<string, unknown>[] }>(await ts.admin('/admin/gateways'));
    assert.deepEqual(gateways, [
      {
        id: 'gw-1',
        clientId: GW.id,
        firstSeen: 1_700_000_000_000,
        lastSeen: 1_700_000_001_000,
        healthy: true,
        intervalMs: 2000,
        counts: { allowed: 1, denied: 1, dryRun: 1 },
        dropped: 3,
        policyHash: 'sha256-aaaaaaaaaaaa',
        hasPolicies: true,
      },
    ]);
    const policies = await json(await ts.admin('/admin/gateways/gw-1/policies'));
    assert.deepEqual(policies, { hash: 'sha256-aaaaaaaaaaaa', documents, receivedAt: 1_700_000_000_000 });

    // Three intervals without a push: no longer healthy.
    now += 6_001;
    assert.equal((await json(await ts.admin('/admin/gateways/gw-1')))['healthy'], false);

    // A changed set announced by its hash alone: the service asks for the documents.
    const changed = await push(ts, 'gw-1', {
      intervalMs: 2000,
      policies: { hash: 'sha256-bbbbbbbbbbbb' },
      decisions: [],
    });
    assert.deepEqual(await json(changed), { accepted: 0, needPolicies: true });
    const view = await json(await ts.admin('/admin/gateways/gw-1'));
    assert.equal(view['healthy'], true);
    assert.equal(view['hasPolicies'], false);
    const sent = await push(ts, 'gw-1', {
      policies: { hash: 'sha256-bbbbbbbbbbbb', documents: [{ file: 'p.yaml', yaml: 'kind: X\n' }] },
      decisions: [],
    });
    assert.deepEqual(await json(sent), { accepted: 0, needPolicies: false });
    assert.equal((await json(await ts.admin('/admin/gateways/gw-1/policies')))['hash'], 'sha256-bbbbbbbbbbbb');

    // Another client cannot speak for a live gateway; an unknown gateway has no policies.
    const forged = await push(ts, 'gw-1', { decisions: [] }, basic(OTHER));
    assert.equal(forged.status, 409);
    assert.equal((await json(forged))['code'], 'ERR_ADMIN_CONFLICT');
    const unknown = await ts.admin('/admin/gateways/gw-unknown/policies');
    assert.equal(unknown.status, 404);
    await unknown.body?.cancel();
    // Once it has been silent past its window, another client may take the id over.
    now += 60_000;
    const takeover = await push(ts, 'gw-1', { decisions: [] }, basic(OTHER));
    assert.equal(takeover.status, 200);
    await takeover.body?.cancel();
    assert.equal((await json(await ts.admin('/admin/gateways/gw-1')))['clientId'], OTHER.id);
  } finally {
    await ts.stop();
  }
});

test('limits answer 503 with their reason: a registry full of live gateways takes no new id (so new ids cannot push a live gateway out; a silent one makes room), and streams beyond maxStreams', async () => {
  const ts = await startService({
    clients,
    rateLimit: { enabled: false },
    decisions: { maxGateways: 2, maxStreams: 1 },
  });
  let stream: Awaited<ReturnType<typeof openStream>> | undefined;
  try {
    // One stream at most here: a second is a 503 that says why.
    const auth = { authorization: `Bearer ${ts.service.adminToken}` };
    stream = await openStream(`${ts.url}/admin/decisions/stream`, auth);
    assert.equal(stream.status, 200);
    const second = await fetch(`${ts.url}/admin/decisions/stream`, { headers: auth });
    assert.equal(second.status, 503);
    assert.match((await json<{ detail: string }>(second)).detail, /1 decision streams are open/);

    const beat = (id: string) => push(ts, id, { intervalMs: 100, decisions: [] });
    assert.equal((await beat('gw-a')).status, 200);
    assert.equal((await beat('gw-b')).status, 200);
    const refused = await beat('gw-c');
    assert.equal(refused.status, 503);
    assert.equal((await json(refused))['code'], 'ERR_TOKEN_SERVICE_UNAVAILABLE');
    assert.equal((await beat('gw-a')).status, 200, 'a known gateway goes on');
    // gw-b falls silent (three of its 100 ms intervals): gw-c takes its place.
    await new Promise((r) => setTimeout(r, 350));
    assert.equal((await beat('gw-a')).status, 200);
    assert.equal((await beat('gw-c')).status, 200);
    const { gateways } = await json<{ gateways: { id: string }[] }>(await ts.admin('/admin/gateways'));
    assert.deepEqual(
      gateways.map((g) => g.id),
      ['gw-a', 'gw-c'],
    );
  } finally {
    stream?.close();
    await ts.stop();
  }
});

test('GET /admin/decisions filters and pages with a cursor; the graph counts allowed, denied and dry-run per edge', async () => {
  const ts = await startService({ clients, rateLimit: { enabled: false }, decisions: { bufferSize: 10 } });
  try {
    await push(ts, 'gw-1', {
      decisions: [
        decision({ path: '/orders/1' }),
        decision({ action: 'deny', status: 403, reason: 'ERR_GATEWAY_ACCESS_DENIED', path: '/orders/2' }),
        decision({ route: 'inventory', destination: 'inventory', source: 'orders', path: '/inventory/7' }),
        decision({ action: 'dry-run', path: '/orders/3' }),
        decision({
          action: 'deny',
          status: 401,
          reason: 'ERR_AUTH_TOKEN_MISSING',
          source: undefined,
          path: '/orders/4',
        }),
      ],
    });
    await push(ts, 'gw-2', { decisions: [decision({ path: '/orders/5' })] }, basic(OTHER));

    type Page = { decisions: (Decision & { seq: number; gateway: string })[]; next: number; dropped: number };
    const all = await json<Page>(await ts.admin('/admin/decisions'));
    assert.deepEqual(
      all.decisions.map((d) => [d.seq, d.gateway, d.path]),
      [
        [1, 'gw-1', '/orders/1'],
        [2, 'gw-1', '/orders/2'],
        [3, 'gw-1', '/inventory/7'],
        [4, 'gw-1', '/orders/3'],
        [5, 'gw-1', '/orders/4'],
        [6, 'gw-2', '/orders/5'],
      ],
    );
    assert.equal(all.next, 6);
    const denies = await json<Page>(await ts.admin('/admin/decisions?action=deny'));
    assert.deepEqual(
      denies.decisions.map((d) => d.seq),
      [2, 5],
    );
    const gw2 = await json<Page>(await ts.admin('/admin/decisions?gateway=gw-2'));
    assert.deepEqual(
      gw2.decisions.map((d) => d.seq),
      [6],
    );
    const inventory = await json<Page>(await ts.admin('/admin/decisions?route=inventory'));
    assert.deepEqual(
      inventory.decisions.map((d) => d.path),
      ['/inventory/7'],
    );
    // Paging: two at a time after a cursor, oldest first.
    const p1 = await json<Page>(await ts.admin('/admin/decisions?after=0&limit=2'));
    assert.deepEqual(
      p1.decisions.map((d) => d.seq),
      [1, 2],
    );
    const p2 = await json<Page>(await ts.admin(`/admin/decisions?after=${p1.next}&limit=2&route=orders`));
    assert.deepEqual(
      p2.decisions.map((d) => d.seq),
      [4, 5],
    );
    const p3 = await json<Page>(await ts.admin(`/admin/decisions?after=${p2.next}&limit=2&route=orders`));
    assert.deepEqual(
      p3.decisions.map((d) => d.seq),
      [6],
    );
    assert.equal(p3.next, 6);
    for (const bad of ['after=-1', 'after=x', 'limit=0', 'limit=1001', 'action=maybe', 'route=a&route=b']) {
      const res = await ts.admin(`/admin/decisions?${bad}`);
      assert.equal(res.status, 400, bad);
      await res.body?.cancel();
    }

    const graph = await json<{ nodes: unknown[]; edges: unknown[]; decisions: number }>(
      await ts.admin('/admin/decisions/graph'),
    );
    assert.equal(graph.decisions, 6);
    assert.deepEqual(graph.edges, [
      { source: '(unknown)', destination: 'orders', allowed: 0, denied: 1, dryRun: 0, lastAt: 1_700_000_000_000 },
      { source: 'orders', destination: 'inventory', allowed: 1, denied: 0, dryRun: 0, lastAt: 1_700_000_000_000 },
      { source: 'webui', destination: 'orders', allowed: 2, denied: 1, dryRun: 1, lastAt: 1_700_000_000_000 },
    ]);
    assert.deepEqual(graph.nodes, [
      { id: '(unknown)', out: 1, in: 0 },
      { id: 'inventory', out: 0, in: 1 },
      { id: 'orders', out: 1, in: 5 },
      { id: 'webui', out: 4, in: 0 },
    ]);
    const gw2Graph = await json<{ edges: unknown[] }>(await ts.admin('/admin/decisions/graph?gateway=gw-2'));
    assert.equal(gw2Graph.edges.length, 1);
    // Drawn once per buffer state and filter: the same answer again, and a new one after a push.
    assert.deepEqual(await json(await ts.admin('/admin/decisions/graph')), graph);
    await push(ts, 'gw-1', { decisions: [decision({ source: 'batch' })] });
    const redrawn = await json<{ edges: { source: string }[] }>(await ts.admin('/admin/decisions/graph'));
    assert.ok(
      redrawn.edges.some((e) => e.source === 'batch'),
      'the new caller is drawn',
    );

    // The buffer holds 10: older decisions go, and a cursor before them says how many it missed.
    await push(ts, 'gw-1', { decisions: Array.from({ length: 7 }, (_, i) => decision({ path: `/more/${i}` })) });
    const after = await json<Page>(await ts.admin('/admin/decisions?after=1&limit=1000'));
    assert.equal(after.dropped, 3, 'seqs 2, 3 and 4 left the buffer');
    assert.deepEqual(
      after.decisions.map((d) => d.seq),
      [5, 6, 7, 8, 9, 10, 11, 12, 13, 14],
    );
  } finally {
    await ts.stop();
  }
});

/** A browser signed in at the provider as the viewer. */
async function viewer(ts: TestService): Promise<Browser> {
  const b = browser();
  const start = await b.fetch(`${ts.url}/account`);
  const back = await logIn(ts, b, start.headers.get('location')!, users[0]!);
  assert.equal(back.status, 303);
  return b;
}

test('GET /admin/decisions/stream: pushed decisions arrive in order, resume from Last-Event-ID, a viewer may read', async () => {
  const ts = await startService({
    clients,
    users,
    rateLimit: { enabled: false },
    decisions: { bufferSize: 10, streamPingMs: 100 },
  });
  const streams: { close(): void; ended(): boolean; endedCleanly(): boolean }[] = [];
  try {
    const auth = { authorization: `Bearer ${ts.service.adminToken}` };
    const live = await openStream(`${ts.url}/admin/decisions/stream`, auth);
    streams.push(live);
    assert.equal(live.status, 200);
    await push(ts, 'gw-1', { decisions: [decision({ path: '/a' }), decision({ path: '/b', action: 'deny' })] });
    await push(ts, 'gw-1', { decisions: [decision({ path: '/c' })] });
    await until(() => live.events().length === 3, 'three decisions streamed');
    const events = live.events();
    assert.deepEqual(
      events.map((e) => [e.id, e.event, (JSON.parse(e.data!) as Decision).path]),
      [
        ['1', 'decision', '/a'],
        ['2', 'decision', '/b'],
        ['3', 'decision', '/c'],
      ],
    );
    assert.equal((JSON.parse(events[1]!.data!) as Decision).action, 'deny');
    await until(() => live.text().includes(': ping'), 'a ping comment');

    // Resume after id 1: 2 and 3 from the buffer, then live.
    const resumed = await openStream(`${ts.url}/admin/decisions/stream`, { ...auth, 'last-event-id': '1' });
    streams.push(resumed);
    await until(() => resumed.events().length === 2, 'the backlog after id 1');
    await push(ts, 'gw-1', { decisions: [decision({ path: '/d' })] });
    await until(() => resumed.events().length === 3, 'then live');
    assert.deepEqual(
      resumed.events().map((e) => e.id),
      ['2', '3', '4'],
    );

    // Filtered: only denials.
    const denials = await openStream(`${ts.url}/admin/decisions/stream?action=deny&after=0`, auth);
    streams.push(denials);
    await until(() => denials.events().length === 1, 'the one denial');
    assert.equal(denials.events()[0]!.id, '2');

    // A cursor older than the buffer (10): `event: dropped` with how many were missed, then the rest.
    await push(ts, 'gw-1', { decisions: Array.from({ length: 10 }, (_, i) => decision({ path: `/n/${i}` })) });
    const late = await openStream(`${ts.url}/admin/decisions/stream`, { ...auth, 'last-event-id': '2' });
    streams.push(late);
    await until(() => late.events().length === 11, 'dropped, then the ten held');
    assert.deepEqual(late.events()[0], { event: 'dropped', data: JSON.stringify({ dropped: 2 }) });
    assert.equal(late.events()[1]!.id, '5');

    // A viewer's console session reads the stream and the lists (they are GETs).
    const b = await viewer(ts);
    const cookie = [...b.jar].map(([k, v]) => `${k}=${v}`).join('; ');
    const watched = await openStream(`${ts.url}/admin/decisions/stream?after=13`, { cookie });
    streams.push(watched);
    assert.equal(watched.status, 200);
    await until(() => watched.events().length === 1, 'the viewer gets the newest');
    assert.equal(watched.events()[0]!.id, '14');
    assert.equal((await b.fetch(`${ts.url}/admin/gateways`)).status, 200);
    assert.equal((await b.fetch(`${ts.url}/admin/decisions/graph`)).status, 200);

    // The viewer's sessions end: the open stream ends at its next check (a ping), and says nothing more.
    assert.equal((await ts.admin('/admin/users/u-watch/sessions', { method: 'DELETE' })).status, 200);
    await until(() => watched.ended(), 'the stream of an ended session ends');
    const heard = watched.events().length;
    await push(ts, 'gw-1', { decisions: [decision({ path: '/after-the-session' })] });
    await new Promise((r) => setTimeout(r, 150));
    assert.equal(watched.events().length, heard);
    assert.ok(!watched.text().includes('/after-the-session'));

    // A cursor this replica never gave (another replica's, or from before a restart): the buffer is
    // replayed, then the stream goes on live instead of waiting for its counter to pass the cursor.
    const foreign = await openStream(`${ts.url}/admin/decisions/stream`, { ...auth, 'last-event-id': '5000' });
    streams.push(foreign);
    await until(() => foreign.events().length === 10, 'the buffer replayed');
    await push(ts, 'gw-1', { decisions: [decision({ path: '/live-again' })] });
    await until(() => foreign.text().includes('/live-again'), 'then live');
  } finally {
    await ts.stop();
    // The service stops: it ends every open stream itself (a clean end of the response), rather
    // than the drain waiting for them and then cutting their connections.
    for (const s of streams) {
      await until(() => s.ended(), 'the stream ended with the service');
      assert.ok(s.endedCleanly(), 'the service ended the stream, not a cut connection');
      s.close();
    }
  }
});

const pgUrl = process.env['TESSERA_TEST_PG_URL'];
const redisUrl = process.env['TESSERA_TEST_REDIS_URL'];

for (const bus of ['postgres', 'redis'] as const)
  test(
    `replicas sharing a ${bus} event bus: a push to one is listed, streamed and graphed at the other`,
    {
      skip:
        pgUrl === undefined || (bus === 'redis' && redisUrl === undefined)
          ? 'set TESSERA_TEST_PG_URL (and TESSERA_TEST_REDIS_URL) to run the replica test'
          : false,
    },
    async () => {
      const run = randomBytes(4).toString('hex');
      const schema = `tessera_decisions_${run}`;
      const prefix = `tessera-decisions-${run}:`;
      const dirs = [mkdtempSync(join(tmpdir(), 'tessera-dec-')), mkdtempSync(join(tmpdir(), 'tessera-dec-'))];
      const adminToken = randomBytes(24).toString('base64url');
      const make = (dataDir: string) =>
        createTokenService(
          loadConfig({
            object: {
              server: { port: 0, issuer: 'https://ts.decisions.test', bodyLimitBytes: 1_048_576 },
              admin: { token: adminToken },
              storage: {
                type: 'postgres',
                dataDir,
                postgres: { url: pgUrl, schema },
                ...(bus === 'redis'
                  ? { redis: { url: redisUrl, keyPrefix: prefix }, backends: { events: 'redis' } }
                  : {}),
              },
              clients,
              rateLimit: { enabled: false },
            },
          }),
          {
            logger: pino({ level: 'silent' }),
            env: { TESSERA_KEK: Buffer.alloc(32, 3).toString('base64url') },
            timers: false,
          },
        );
      const one = make(dirs[0]!);
      const two = make(dirs[1]!);
      try {
        const [url1, url2] = await Promise.all([one.listen(), two.listen()]);
        const admin = (url: string, path: string) =>
          fetch(`${url}${path}`, { headers: { authorization: `Bearer ${adminToken}` } });
        const stream = await openStream(`${url2}/admin/decisions/stream`, { authorization: `Bearer ${adminToken}` });
        // 300 decisions: more than one PostgreSQL NOTIFY holds, so the relay sends them in chunks.
        const decisions = Array.from({ length: 300 }, (_, i) =>
          decision({ path: `/orders/${i}`, action: i % 3 === 0 ? 'deny' : 'allow' }),
        );
        const documents = [{ file: 'orders.yaml', yaml: 'kind: AuthorizationPolicy\n' }];
        const res = await fetch(`${url1}/admin/gateways/gw-1/decisions`, {
          method: 'POST',
          headers: { authorization: basic(GW), 'content-type': 'application/json' },
          body: JSON.stringify({ intervalMs: 1000, policies: { hash: 'sha256-cccccccccccc', documents }, decisions }),
        });
        assert.equal(res.status, 200);
        await res.body?.cancel();
        await until(() => stream.events().length === 300, 'every decision streamed from the other replica');
        assert.deepEqual(
          stream.events().map((e) => (JSON.parse(e.data!) as Decision).path),
          decisions.map((d) => d.path),
          'in the order pushed',
        );
        stream.close();
        const listed = (await (await admin(url2, '/admin/decisions?limit=1000')).json()) as { decisions: unknown[] };
        assert.equal(listed.decisions.length, 300);
        const gateways = (await (await admin(url2, '/admin/gateways')).json()) as {
          gateways: { id: string; healthy: boolean; counts: { allowed: number; denied: number } }[];
        };
        assert.deepEqual(
          gateways.gateways.map((g) => [g.id, g.healthy, g.counts.allowed, g.counts.denied]),
          [['gw-1', true, 200, 100]],
        );
        const policies = (await (await admin(url2, '/admin/gateways/gw-1/policies')).json()) as { hash: string };
        assert.equal(policies.hash, 'sha256-cccccccccccc');
        const graph = (await (await admin(url2, '/admin/decisions/graph')).json()) as {
          edges: { allowed: number; denied: number }[];
        };
        assert.deepEqual(
          graph.edges.map((e) => [e.allowed, e.denied]),
          [[200, 100]],
        );
      } finally {
        await one.close();
        await two.close();
        for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
        const db = new pg.Client({ connectionString: pgUrl });
        await db.connect();
        await db.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
        await db.end();
        if (bus === 'redis') {
          const redis = new Redis(redisUrl!);
          const keys = await redis.keys(`${prefix}*`);
          if (keys.length > 0) await redis.del(...keys);
          redis.disconnect();
        }
      }
    },
  );
