// The revocation feed and its stream are for authenticated clients allowed to read them (hardening
// issue: an unauthenticated `GET /revocations/stream`, held open by the hundreds, took a listener
// down): HTTP Basic client authentication (RFC 6749 §2.3.1) and `revocations: true`, counted by
// the same rate limit as the other endpoints; streams send heartbeats and end at their maximum,
// and a client resumes from its cursor (`Last-Event-ID` or `?since=`).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request, type IncomingHttpHeaders } from 'node:http';
import { decode, postForm, startService } from './helpers.js';

const READER = { id: 'gateway', secret: 'gateway-secret-0123456789' };
const PLAIN = { id: 'svc-a', secret: 'svc-a-secret-0123456789' };
const CLIENTS = [
  { id: READER.id, secret: READER.secret, audiences: ['svc-b'], revocations: true },
  { id: PLAIN.id, secret: PLAIN.secret, audiences: ['svc-b'] },
];

const basic = (id: string, secret: string) =>
  `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`;

/** One GET read to its end (or until `until` matches the text so far, then dropped), with timings. */
function get(
  url: string,
  headers: Record<string, string> = {},
  until?: (text: string) => boolean,
): Promise<{ status: number; headers: IncomingHttpHeaders; text: string; ms: number; ended: boolean }> {
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    request(url, { headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      const done = (ended: boolean) =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, ms: performance.now() - t0, ended });
      res.on('data', (chunk: string) => {
        text += chunk;
        if (until?.(text)) {
          res.destroy();
          done(false);
        }
      });
      res.on('end', () => done(true));
    })
      .on('error', reject)
      .end();
  });
}

/** Issues a token to `client` and revokes it; answers its jti. */
async function revokeOne(url: string, client: { id: string; secret: string }): Promise<string> {
  const token = (await postForm(`${url}/token`, { grant_type: 'client_credentials' }, client)).body[
    'access_token'
  ] as string;
  assert.equal((await postForm(`${url}/revoke`, { token }, client)).status, 200);
  return decode(token).payload['jti'] as string;
}

test('the revocation feed and stream answer only an authenticated client with revocations: true', async () => {
  const ts = await startService({ clients: CLIENTS, rateLimit: { enabled: false } });
  try {
    const jti = await revokeOne(ts.url, PLAIN);
    const accessToken = (await postForm(`${ts.url}/token`, { grant_type: 'client_credentials' }, READER)).body[
      'access_token'
    ] as string;
    for (const path of ['/revocations', '/revocations/stream']) {
      const refusals: [string, Record<string, string>, number, string][] = [
        ['no credentials', {}, 401, 'invalid_client'],
        ['a wrong secret', { authorization: basic(READER.id, 'not-the-secret-0123456789') }, 401, 'invalid_client'],
        ['an unknown client', { authorization: basic('nobody', READER.secret) }, 401, 'invalid_client'],
        [
          'a bearer token instead of client credentials',
          { authorization: `Bearer ${accessToken}` },
          401,
          'invalid_client',
        ],
        ['a client without the permission', { authorization: basic(PLAIN.id, PLAIN.secret) }, 403, 'access_denied'],
      ];
      for (const [what, headers, status, error] of refusals) {
        const res = await get(`${ts.url}${path}`, headers);
        assert.equal(res.status, status, `${path}, ${what}`);
        assert.ok(res.ended, `${path}, ${what}: answered and closed, not held open`);
        assert.match(String(res.headers['content-type']), /^application\/json/, `${path}, ${what}`);
        const body = JSON.parse(res.text) as Record<string, unknown>;
        assert.equal(body['error'], error, `${path}, ${what}`);
        assert.deepEqual(Object.keys(body).sort(), ['error', 'error_description'], `${path}, ${what}: no data`);
        assert.ok(!res.text.includes(jti), `${path}, ${what}: no data`);
        if (status === 401)
          assert.match(String(res.headers['www-authenticate']), /^Basic realm="/, `${path}, ${what}: RFC 9110 §11.6.1`);
      }
      // Credentials in the query are not client authentication (RFC 6749 §2.3.1: never in the URI).
      const inQuery = await get(
        `${ts.url}${path}?client_id=${READER.id}&client_secret=${encodeURIComponent(READER.secret)}`,
      );
      assert.equal(inQuery.status, 401, `${path}: credentials in the query`);
    }

    const list = await get(`${ts.url}/revocations`, { authorization: basic(READER.id, READER.secret) });
    assert.equal(list.status, 200);
    assert.deepEqual(
      (JSON.parse(list.text) as { revocations: { jti: string }[] }).revocations.map((r) => r.jti),
      [jti],
    );
    const stream = await get(`${ts.url}/revocations/stream`, { authorization: basic(READER.id, READER.secret) }, (t) =>
      t.includes('event: cursor'),
    );
    assert.equal(stream.status, 200);
    assert.equal(stream.headers['content-type'], 'text/event-stream');
    assert.ok(stream.text.includes(`"jti":"${jti}"`));
  } finally {
    await ts.stop();
  }
});

test('failed authentication at the feed counts against the same per-address rate limit as /token', async () => {
  const ts = await startService({
    clients: CLIENTS,
    rateLimit: { perAddress: { ratePerSecond: 0.001, burst: 3 } },
  });
  try {
    const wrong = { authorization: basic(READER.id, 'not-the-secret-0123456789') };
    const statuses = [
      (await get(`${ts.url}/revocations`, wrong)).status,
      (await get(`${ts.url}/revocations/stream`, wrong)).status,
      (await get(`${ts.url}/revocations`)).status,
    ];
    assert.deepEqual(statuses, [401, 401, 401]);
    for (const path of ['/revocations', '/revocations/stream']) {
      const over = await get(`${ts.url}${path}`, { authorization: basic(READER.id, READER.secret) });
      assert.equal(over.status, 429, `${path}: even with the right credentials once the bucket is empty`);
      assert.ok(over.ended);
      assert.notEqual(over.headers['retry-after'], undefined);
      assert.equal((JSON.parse(over.text) as { error: string }).error, 'temporarily_unavailable');
    }
    // The bucket is the token endpoint's: guessing secrets at the feed does not add to what /token allows.
    assert.equal((await postForm(`${ts.url}/token`, { grant_type: 'client_credentials' }, READER)).status, 429);
  } finally {
    await ts.stop();
  }
});

test('a stream sends heartbeats, ends at its configured maximum with the cursor to resume from, and resumes from Last-Event-ID', async () => {
  const ts = await startService({
    clients: CLIENTS,
    rateLimit: { enabled: false },
    revocationStream: { heartbeatMs: 100, maxDurationMs: 1000 },
  });
  const auth = { authorization: basic(READER.id, READER.secret) };
  try {
    const before = await revokeOne(ts.url, PLAIN);
    const opened = get(`${ts.url}/revocations/stream`, auth);
    // While the stream is open (for a second): one more revocation, pushed live.
    await new Promise((r) => setTimeout(r, 300));
    const live = await revokeOne(ts.url, PLAIN);
    const first = await opened;
    assert.ok(first.ended, 'the server ended the stream');
    assert.ok(first.text.includes(`"jti":"${live}"`), 'the live revocation');
    assert.ok(first.ms >= 950 && first.ms < 3000, `ended after ${Math.round(first.ms)} ms, configured 1000`);
    const heartbeats = first.text.split('\n').filter((l) => l === ': heartbeat').length;
    assert.ok(heartbeats >= 5, `${heartbeats} heartbeats in one second at 100 ms`);
    assert.ok(first.text.includes(`"jti":"${before}"`), 'the backlog');
    const frames = first.text.trim().split('\n\n');
    const last = frames[frames.length - 1]!;
    const match = /^id: (\S*)\nevent: cursor\ndata: (.*)$/.exec(last);
    assert.ok(match, `the last frame is the cursor: ${last}`);
    const finalCursor = match[1]!;
    assert.deepEqual(JSON.parse(match[2]!), { cursor: finalCursor });

    // Resume from the final cursor: nothing is sent again, and what comes next arrives.
    const next = revokeOne(ts.url, PLAIN);
    const resumed = await get(
      `${ts.url}/revocations/stream?since=`,
      { ...auth, 'last-event-id': finalCursor },
      (t) => t.includes('event: cursor') && t.includes('event: revocation'),
    );
    const after = await next;
    assert.ok(!resumed.text.includes(before), 'Last-Event-ID wins over ?since= (which says: from the start)');
    assert.ok(!resumed.text.includes(live), 'the final cursor covers what was pushed live');
    assert.ok(resumed.text.includes(`"jti":"${after}"`));

    // The same with ?since= alone.
    const bySince = await get(`${ts.url}/revocations/stream?since=${encodeURIComponent(finalCursor)}`, auth, (t) =>
      t.includes('event: cursor'),
    );
    assert.ok(!bySince.text.includes(before) && !bySince.text.includes(live));
    assert.ok(bySince.text.includes(`"jti":"${after}"`));

    assert.equal((await get(`${ts.url}/revocations/stream`, { ...auth, 'last-event-id': 'a b' })).status, 400);
  } finally {
    await ts.stop();
  }
});

test('a revocation made while a stream ends is in the stream or after its final cursor, never lost', async () => {
  const ts = await startService({
    clients: CLIENTS,
    rateLimit: { enabled: false },
    revocationStream: { heartbeatMs: 1000, maxDurationMs: 300 },
  });
  const auth = { authorization: basic(READER.id, READER.secret) };
  try {
    const seen = new Set<string>();
    const revoked: string[] = [];
    let cursor = '';
    // Revoke continuously while three streams end and the follower resumes each time.
    let stop = false;
    const revoking = (async () => {
      while (!stop) revoked.push(await revokeOne(ts.url, PLAIN));
    })();
    for (let i = 0; i < 3; i++) {
      const s = await get(`${ts.url}/revocations/stream?since=${encodeURIComponent(cursor)}`, auth);
      assert.ok(s.ended);
      for (const m of s.text.matchAll(/"jti":"([^"]+)"/g)) seen.add(m[1]!);
      cursor = /id: (\S*)\nevent: cursor\ndata: [^\n]*\n\n$/.exec(s.text)![1]!;
    }
    stop = true;
    await revoking;
    const tail = await get(`${ts.url}/revocations/stream?since=${encodeURIComponent(cursor)}`, auth, (t) =>
      t.includes('event: cursor'),
    );
    for (const m of tail.text.matchAll(/"jti":"([^"]+)"/g)) seen.add(m[1]!);
    assert.ok(revoked.length > 3, `${revoked.length} revocations while the streams ended`);
    assert.deepEqual(
      revoked.filter((j) => !seen.has(j)),
      [],
    );
  } finally {
    await ts.stop();
  }
});
