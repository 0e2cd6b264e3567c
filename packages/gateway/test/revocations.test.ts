// The gateway's revocation list against a feed that wants client authentication (hardening issue):
// a gateway that checks revocations must have client credentials (configuration error otherwise),
// sends them in HTTP Basic with RFC 6749 §2.3.1 form encoding on every poll and stream, says
// clearly when the feed refuses them, and follows a stream that the server ends from its cursor,
// losing nothing. The feed here is a small stand-in on 127.0.0.1; test/e2e runs the real token service.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import pino from 'pino';
import { createRevocationList, loadGatewayConfig, type GatewayConfig } from '@tessera/gateway';

const ID = 'gate way:1';
const SECRET = 'p@ss+w/rd ü%';

/** Decodes HTTP Basic as RFC 6749 §2.3.1 says a server must: base64, split at ':', form-decode each side. */
function readBasic(header: string | undefined): { id: string; secret: string } | undefined {
  if (header === undefined || !header.startsWith('Basic ')) return undefined;
  const decoded = Buffer.from(header.slice(6), 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  const form = (s: string) => decodeURIComponent(s.replace(/\+/g, ' '));
  return { id: form(decoded.slice(0, colon)), secret: form(decoded.slice(colon + 1)) };
}

interface Feed {
  readonly url: string;
  /** Every request: path, query `since`, the Authorization header. */
  readonly requests: { path: string; since: string | null; authorization: string | undefined }[];
  /** Revokes a jti; `push` = send it to the open streams (else only the store has it). */
  revoke(jti: string, push?: boolean): void;
  /** Streams opened so far. */
  streams(): number;
  /** Called as a stream ends, after its final cursor is fixed and before it is sent. */
  onStreamEnd?: () => void;
  close(): Promise<void>;
}

/**
 * A revocation feed that behaves as the token service's: cursors are positions in one list;
 * `/revocations/stream` sends the backlog, `id: <cursor>` + `event: cursor`, live revocations, a
 * heartbeat comment, and after `streamMs` catches up once more, sends the final cursor and ends.
 */
async function startFeed(options: { streamMs: number; answer?: number }): Promise<Feed> {
  const list: string[] = [];
  const open = new Set<ServerResponse>();
  const requests: Feed['requests'] = [];
  let opened = 0;
  const frame = (jti: string) => `event: revocation\ndata: ${JSON.stringify({ jti, exp: 4_102_444_800 })}\n\n`;
  const cursorFrame = () =>
    `id: ${list.length}\nevent: cursor\ndata: ${JSON.stringify({ cursor: String(list.length) })}\n\n`;
  const feed: Feed = {
    url: '',
    requests,
    revoke(jti, push = true) {
      list.push(jti);
      if (push) for (const res of open) res.write(frame(jti));
    },
    streams: () => opened,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://feed');
    requests.push({
      path: url.pathname,
      since: url.searchParams.get('since'),
      authorization: req.headers.authorization,
    });
    const creds = readBasic(req.headers.authorization);
    if (creds === undefined || creds.id !== ID || creds.secret !== SECRET) {
      res.writeHead(401, { 'www-authenticate': 'Basic realm="feed"', 'content-type': 'application/json' });
      res.end('{"error":"invalid_client"}');
      return;
    }
    if (options.answer !== undefined) {
      res.writeHead(options.answer, { 'content-type': 'application/json' });
      res.end('{"error":"access_denied"}');
      return;
    }
    const since = Number(url.searchParams.get('since') ?? 0);
    if (url.pathname === '/revocations') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          revocations: list.slice(since).map((jti) => ({ jti, exp: 4_102_444_800 })),
          cursor: String(list.length),
        }),
      );
      return;
    }
    opened++;
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    open.add(res);
    for (const jti of list.slice(since)) res.write(frame(jti));
    res.write(cursorFrame());
    const beat = setInterval(() => res.write(': heartbeat\n\n'), 100);
    const sentUpTo = list.length;
    const end = setTimeout(() => {
      clearInterval(beat);
      open.delete(res);
      // The final catch-up: whatever was revoked but not pushed, then the cursor to resume from.
      const last = list.slice(sentUpTo).map(frame).join('') + cursorFrame();
      feed.onStreamEnd?.();
      res.end(last);
    }, options.streamMs);
    res.on('close', () => {
      clearInterval(beat);
      clearTimeout(end);
      open.delete(res);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return Object.assign(feed, { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` });
}

function gatewayConfig(tokenService: Record<string, unknown>): GatewayConfig {
  return loadGatewayConfig({ object: { listeners: [{ port: 0 }], admin: { enabled: false }, tokenService } });
}

function capture() {
  const lines: Record<string, unknown>[] = [];
  const logger = pino(
    { level: 'info' },
    new Writable({
      write(chunk, _e, cb) {
        lines.push(JSON.parse(String(chunk)) as Record<string, unknown>);
        cb();
      },
    }),
  );
  return { logger, lines };
}

async function until(check: () => boolean, what: string, ms = 5000): Promise<number> {
  const t0 = performance.now();
  while (!check()) {
    if (performance.now() - t0 > ms) assert.fail(`timed out waiting for ${what}`);
    await sleep(10);
  }
  return performance.now() - t0;
}

test('checkRevocations without client credentials is a configuration error that says what to set', () => {
  assert.throws(
    () => gatewayConfig({ url: 'http://127.0.0.1:7400' }),
    (e: Error & { code?: string }) =>
      e.code === 'ERR_GATEWAY_CONFIG_INVALID' &&
      /tokenService\.clientId: checkRevocations is on: .*client credentials.*revocations: true/.test(e.message),
  );
  assert.throws(
    () => gatewayConfig({ url: 'http://127.0.0.1:7400', clientId: 'gateway', revocationsMode: 'stream' }),
    /tokenService\.clientSecret: checkRevocations is on/,
  );
  // Either give credentials or turn the check off.
  assert.doesNotThrow(() => gatewayConfig({ url: 'http://127.0.0.1:7400', checkRevocations: false }));
  assert.doesNotThrow(() => gatewayConfig({ url: 'http://127.0.0.1:7400', clientId: 'gw', clientSecret: 'gw-secret' }));
  // The list checks its options at once too (a configuration built without the loader's checks).
  assert.throws(
    () =>
      createRevocationList({
        config: gatewayConfig({ url: 'http://127.0.0.1:7400', checkRevocations: false }),
        logger: pino({ level: 'silent' }),
      }),
    (e: Error & { code?: string }) => e.code === 'ERR_GATEWAY_CONFIG_INVALID' && /clientId/.test(e.message),
  );
});

for (const mode of ['poll', 'stream'] as const)
  test(`the ${mode} follower authenticates with HTTP Basic, id and secret form-encoded (RFC 6749 §2.3.1)`, async () => {
    const feed = await startFeed({ streamMs: 60_000 });
    feed.revoke('jti-1');
    const list = createRevocationList({
      config: gatewayConfig({
        url: feed.url,
        clientId: ID,
        clientSecret: SECRET,
        revocationsMode: mode,
        revocationsPollMs: 50,
      }),
      logger: pino({ level: 'silent' }),
    });
    try {
      list.start();
      await until(() => list.isRevoked('jti-1'), 'the first revocation');
      if (mode === 'stream') await until(() => feed.streams() === 1, 'the stream');
      assert.ok(feed.requests.length > 0);
      for (const r of feed.requests) {
        assert.deepEqual(readBasic(r.authorization), { id: ID, secret: SECRET }, r.path);
        // The ':' inside the id is encoded, so the server splits id and secret where the client meant.
        assert.ok(!Buffer.from(r.authorization!.slice(6), 'base64').toString().startsWith('gate way:1'));
      }
      assert.ok(feed.requests.some((r) => r.path === (mode === 'poll' ? '/revocations' : '/revocations/stream')));
    } finally {
      list.close();
      await feed.close();
    }
  });

for (const status of [401, 403] as const)
  test(`a feed that refuses the gateway (${status}) is logged with what to fix, and the known list keeps serving`, async () => {
    const feed = await startFeed({ streamMs: 60_000, ...(status === 403 ? { answer: 403 } : {}) });
    const log = capture();
    const list = createRevocationList({
      config: gatewayConfig({
        url: feed.url,
        clientId: ID,
        clientSecret: status === 401 ? 'another-secret' : SECRET,
        revocationsMode: 'stream',
        revocationsPollMs: 50,
      }),
      logger: log.logger,
    });
    try {
      list.start();
      await until(() => feed.requests.length >= 4, 'a few attempts');
      const warnings = log.lines.filter((l) => l['level'] === 40).map((l) => String(l['err']));
      assert.ok(warnings.length >= 1);
      assert.match(
        warnings.join('\n'),
        status === 401
          ? /refused the credentials of client "gate way:1" \(401\): check the client id and secret/
          : /refused client "gate way:1" \(403\): give it revocations: true/,
      );
      assert.equal(list.size, 0);
    } finally {
      list.close();
      await feed.close();
    }
  });

test('the stream follower resumes from its cursor when the server ends the stream, and misses nothing', async () => {
  const feed = await startFeed({ streamMs: 1200 });
  const list = createRevocationList({
    // A poll a minute away: only the stream (and its reconnect) can deliver in time here.
    config: gatewayConfig({
      url: feed.url,
      clientId: ID,
      clientSecret: SECRET,
      revocationsMode: 'stream',
      revocationsPollMs: 60_000,
    }),
    logger: pino({ level: 'silent' }),
  });
  try {
    feed.revoke('before');
    // Revoked after the first stream's final cursor frame, with no stream open to push it to: only
    // a follower that resumes from its cursor learns of it.
    feed.onStreamEnd = () => {
      feed.onStreamEnd = undefined;
      feed.revoke('between', false);
    };
    list.start();
    await until(() => feed.streams() === 1, 'the first stream');
    await sleep(200);
    feed.revoke('live');
    await until(() => list.isRevoked('live'), 'the live revocation', 1000);
    await until(() => feed.streams() === 2, 'the reconnect after the server ended the stream', 3000);
    const streams = feed.requests.filter((r) => r.path === '/revocations/stream');
    assert.equal(streams[1]!.since, '2', 'resumed from the final cursor (before, live)');
    // Just after the reconnect: pushed on the new stream, refused within a second.
    feed.revoke('after');
    const ms = await until(() => list.isRevoked('after'), 'the revocation after the reconnect', 1000);
    assert.ok(ms < 1000);
    await until(() => list.isRevoked('between'), 'the revocation made while no stream was open', 1000);
    assert.ok(list.isRevoked('before') && list.isRevoked('live'));
    const firstStream = feed.requests.findIndex((r) => r.path === '/revocations/stream');
    assert.deepEqual(
      feed.requests.slice(firstStream).map((r) => r.path),
      ['/revocations/stream', '/revocations/stream'],
      'no poll in between: the end of a stream is not a failure',
    );
  } finally {
    list.close();
    await feed.close();
  }
});
