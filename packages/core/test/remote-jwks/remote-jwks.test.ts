import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  createRemoteJwks,
  createVerifier,
  generateKey,
  isTesseraError,
  signJwt,
  type JwsHeader,
  type RemoteJwksEvent,
  type TesseraErrorCode,
  type VerificationKey,
} from '@tessera/core';
import { eventWaiter, startJwksServer } from './jwks-server.js';

const T0 = Date.UTC(2026, 0, 1);
const keyA = generateKey('ES256', { kid: 'a' });
const keyB = generateKey('RS256', { kid: 'b' });
const keyC = generateKey('EdDSA', { kid: 'c' });
const setA = { keys: [keyA.publicJwk] };
const setAB = { keys: [keyA.publicJwk, keyB.publicJwk] };

function makeClock() {
  let now = T0;
  return {
    clock: () => now,
    advance: (ms: number) => {
      now += ms;
    },
  };
}

function isCode(code: TesseraErrorCode) {
  return (e: unknown) => isTesseraError(e, code);
}

function logSink() {
  const lines: { level: string; obj: Record<string, unknown>; msg?: string }[] = [];
  const at = (level: string) => (obj: Record<string, unknown>, msg?: string) => lines.push({ level, obj, msg });
  return { lines, logger: { info: at('info'), warn: at('warn'), error: at('error') } };
}

async function keysOf(value: readonly VerificationKey[] | Promise<readonly VerificationKey[]>): Promise<string[]> {
  return (await value).map((k) => k.kid ?? '');
}

test('fetches once, then answers synchronously from the cache', async (t) => {
  const server = await startJwksServer();
  t.after(() => server.close());
  server.serve(setA);
  const { clock } = makeClock();
  const jwks = createRemoteJwks(server.url, { clock });
  t.after(() => jwks.close());
  const first = jwks.getKeys({ alg: 'ES256', kid: 'a' });
  assert.ok(first instanceof Promise);
  assert.deepEqual(await keysOf(first), ['a']);
  const second = jwks.getKeys({ alg: 'ES256', kid: 'a' });
  assert.ok(Array.isArray(second), 'cached keys come back without a promise');
  assert.deepEqual(await keysOf(jwks.getKeys({ alg: 'ES256' })), ['a'], 'a kid-less header gets every key of its alg');
  assert.equal(server.seen.length, 1);
  assert.equal(jwks.stats().state, 'fresh');
  assert.equal(jwks.stats().fetches, 1);
});

test('concurrent first callers share one fetch', async (t) => {
  const server = await startJwksServer();
  t.after(() => server.close());
  let release: () => void = () => {};
  const gate = new Promise<void>((r) => {
    release = r;
  });
  server.handle((_req, res) => {
    void gate.then(() => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(setA)));
  });
  const jwks = createRemoteJwks(server.url, { clock: makeClock().clock });
  t.after(() => jwks.close());
  const calls = Array.from({ length: 25 }, () => jwks.getKeys({ alg: 'ES256', kid: 'a' }));
  const warm = jwks.warmup();
  await new Promise((r) => setTimeout(r, 20));
  release();
  for (const c of calls) assert.deepEqual(await keysOf(c), ['a']);
  await warm;
  assert.equal(server.seen.length, 1);
});

test('rotation: a new kid is fetched once and then verifies', async (t) => {
  const server = await startJwksServer();
  t.after(() => server.close());
  server.serve(setA);
  const { clock, advance } = makeClock();
  const jwks = createRemoteJwks(server.url, { clock, cooldownDuration: 30_000 });
  t.after(() => jwks.close());
  const verifier = createVerifier({ issuer: 'https://issuer.test', keys: jwks, clock, cache: false });
  const tokenA = signJwt({ sub: 'x' }, keyA.signingKey, { issuer: 'https://issuer.test', expiresIn: 60, clock });
  assert.equal((await verifier.verify(tokenA)).key.kid, 'a');
  // The issuer rotates: key b appears.
  server.serve(setAB);
  advance(31_000);
  const tokenB = signJwt({ sub: 'x' }, keyB.signingKey, { issuer: 'https://issuer.test', expiresIn: 60, clock });
  assert.equal((await verifier.verify(tokenB)).key.kid, 'b');
  assert.equal(server.seen.length, 2);
  assert.equal((await verifier.verify(tokenA)).key.kid, 'a');
  assert.equal(server.seen.length, 2);
});

test('a rotation right after a fetch waits for the cooldown', async (t) => {
  const server = await startJwksServer();
  t.after(() => server.close());
  server.serve(setA);
  const { clock, advance } = makeClock();
  const jwks = createRemoteJwks(server.url, { clock, cooldownDuration: 30_000 });
  t.after(() => jwks.close());
  await jwks.warmup();
  server.serve(setAB);
  await assert.rejects(async () => jwks.getKeys({ alg: 'RS256', kid: 'b' }), isCode('ERR_JWKS_NO_MATCHING_KEY'));
  assert.equal(server.seen.length, 1);
  assert.equal(jwks.stats().cooldownHits, 1);
  advance(30_000);
  assert.deepEqual(await keysOf(jwks.getKeys({ alg: 'RS256', kid: 'b' })), ['b']);
  assert.equal(server.seen.length, 2);
});

test('unknown-kid storms are held by the cooldown', async (t) => {
  const server = await startJwksServer();
  t.after(() => server.close());
  server.serve(setA);
  const { clock, advance } = makeClock();
  const jwks = createRemoteJwks(server.url, { clock, cooldownDuration: 30_000 });
  t.after(() => jwks.close());
  await jwks.warmup();
  advance(31_000);
  const storm = (n: number) =>
    Promise.allSettled(
      Array.from({ length: n }, (_, i) =>
        Promise.resolve().then(() => jwks.getKeys({ alg: 'ES256', kid: `random-${i}-${Math.random()}` })),
      ),
    );
  const first = await storm(100);
  assert.ok(first.every((r) => r.status === 'rejected' && isTesseraError(r.reason, 'ERR_JWKS_NO_MATCHING_KEY')));
  assert.equal(server.seen.length, 2, 'the whole storm caused one refetch');
  const second = await storm(100);
  assert.ok(second.every((r) => r.status === 'rejected' && isTesseraError(r.reason, 'ERR_JWKS_NO_MATCHING_KEY')));
  assert.equal(server.seen.length, 2, 'no refetch inside the cooldown');
  assert.equal(jwks.stats().cooldownHits, 100);
  advance(30_000);
  await storm(10);
  assert.equal(server.seen.length, 3);
  // The known key never stopped working.
  assert.deepEqual(await keysOf(jwks.getKeys({ alg: 'ES256', kid: 'a' })), ['a']);
});

for (const outage of ['status 500', 'connection closed'] as const) {
  test(`outage (${outage}): stale-if-error within the bound, failure after it, recovery`, async (t) => {
    const server = await startJwksServer();
    t.after(() => server.close());
    server.serve(setA);
    const { clock, advance } = makeClock();
    const { lines, logger } = logSink();
    const events = eventWaiter<RemoteJwksEvent>();
    const jwks = createRemoteJwks(server.url, {
      clock,
      logger,
      onEvent: events.onEvent,
      cacheMaxAge: 60_000,
      cooldownDuration: 10_000,
      staleIfErrorDuration: 300_000,
    });
    t.after(() => jwks.close());
    await jwks.warmup();

    if (outage === 'status 500') server.serve({ error: 'down' }, 500);
    else server.handle((req) => req.socket.destroy());
    advance(61_000);
    const failed = events.next('fetch_failed');
    // (A dropped kept-alive connection is retried once on a new one, so the server may see two
    // requests per fetch in the "connection closed" case: count fetch attempts.)
    // Stale: served at once from the cache while the refresh runs in the background.
    assert.deepEqual(await keysOf(jwks.getKeys({ alg: 'ES256', kid: 'a' })), ['a']);
    await failed;
    assert.equal(jwks.stats().failures, 1);
    assert.equal(jwks.stats().state, 'stale');
    assert.ok(lines.some((l) => l.level === 'warn' && /stale-if-error/.test(l.msg ?? '')));

    // Still inside the bound: keeps serving, counts it, retries at most once per cooldown.
    assert.deepEqual(await keysOf(jwks.getKeys({ alg: 'ES256', kid: 'a' })), ['a']);
    assert.ok(jwks.stats().staleServed >= 1);
    assert.equal(jwks.stats().fetches, 2);
    advance(10_000);
    const failedAgain = events.next('fetch_failed');
    assert.deepEqual(await keysOf(jwks.getKeys({ alg: 'ES256', kid: 'a' })), ['a']);
    await failedAgain;
    assert.equal(jwks.stats().fetches, 3);

    // Past cacheMaxAge + staleIfErrorDuration: fail closed.
    advance(300_000);
    await assert.rejects(async () => jwks.getKeys({ alg: 'ES256', kid: 'a' }), isCode('ERR_JWKS_FETCH_FAILED'));
    assert.equal(jwks.stats().state, 'expired');
    const seenAfterExpiry = server.seen.length;
    const fetchesAfterExpiry = jwks.stats().fetches;
    await assert.rejects(async () => jwks.getKeys({ alg: 'ES256', kid: 'a' }), isCode('ERR_JWKS_FETCH_FAILED'));
    assert.equal(server.seen.length, seenAfterExpiry, 'no fetch per request while failing within the cooldown');
    assert.equal(jwks.stats().fetches, fetchesAfterExpiry);

    // The endpoint comes back.
    server.serve(setAB);
    advance(10_000);
    assert.deepEqual(await keysOf(jwks.getKeys({ alg: 'RS256', kid: 'b' })), ['b']);
    assert.equal(jwks.stats().state, 'fresh');
    assert.equal(jwks.stats().lastError, undefined);
  });
}

test('an endpoint that is down from the start fails with ERR_JWKS_FETCH_FAILED, not hammered', async (t) => {
  const server = await startJwksServer();
  t.after(() => server.close());
  server.serve({}, 503);
  const { clock, advance } = makeClock();
  const jwks = createRemoteJwks(server.url, { clock, cooldownDuration: 5_000 });
  t.after(() => jwks.close());
  await assert.rejects(
    async () => jwks.getKeys({ alg: 'ES256', kid: 'a' }),
    (e: unknown) => isTesseraError(e, 'ERR_JWKS_FETCH_FAILED') && /HTTP 503/.test(e.message),
  );
  await assert.rejects(async () => jwks.getKeys({ alg: 'ES256', kid: 'a' }), isCode('ERR_JWKS_FETCH_FAILED'));
  assert.equal(server.seen.length, 1);
  advance(5_000);
  server.serve(setA);
  assert.deepEqual(await keysOf(jwks.getKeys({ alg: 'ES256', kid: 'a' })), ['a']);
});

test('slow responses time out', async (t) => {
  const server = await startJwksServer();
  t.after(() => server.close());
  const jwks = createRemoteJwks(server.url, { clock: makeClock().clock, timeoutDuration: 150 });
  t.after(() => jwks.close());
  // No headers at all.
  server.handle(() => {});
  await assert.rejects(
    jwks.refresh(),
    (e: unknown) =>
      isTesseraError(e, 'ERR_JWKS_FETCH_FAILED') && (e.details as { reason?: string }).reason === 'timeout',
  );
  // Headers at once, then a body that never ends.
  server.handle((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.write('{"keys":[');
  });
  await assert.rejects(
    jwks.refresh(),
    (e: unknown) =>
      isTesseraError(e, 'ERR_JWKS_FETCH_FAILED') && (e.details as { reason?: string }).reason === 'timeout',
  );
});

test('oversized responses are cut off, declared or streamed', async (t) => {
  const server = await startJwksServer();
  t.after(() => server.close());
  const jwks = createRemoteJwks(server.url, { clock: makeClock().clock, maxResponseBytes: 16_384 });
  t.after(() => jwks.close());
  const big = JSON.stringify({ keys: [keyA.publicJwk], padding: 'x'.repeat(100_000) });
  server.handle((_req, res) =>
    res
      .writeHead(200, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(big)) })
      .end(big),
  );
  await assert.rejects(
    jwks.refresh(),
    (e: unknown) =>
      isTesseraError(e, 'ERR_JWKS_FETCH_FAILED') && (e.details as { reason?: string }).reason === 'too_large',
  );
  // Chunked, no content-length, and it would never end: counting stops it.
  server.handle((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    const timer = setInterval(() => {
      if (!res.write('x'.repeat(4096))) clearInterval(timer);
    }, 1);
    res.on('close', () => clearInterval(timer));
  });
  await assert.rejects(
    jwks.refresh(),
    (e: unknown) =>
      isTesseraError(e, 'ERR_JWKS_FETCH_FAILED') && (e.details as { reason?: string }).reason === 'too_large',
  );
});

test('only status 200 is accepted; the content type is not held against a JSON body', async (t) => {
  const server = await startJwksServer();
  t.after(() => server.close());
  const jwks = createRemoteJwks(server.url, { clock: makeClock().clock });
  t.after(() => jwks.close());
  for (const status of [201, 203, 204, 404]) {
    server.handle((_req, res) =>
      res
        .writeHead(status, { 'content-type': 'application/json' })
        .end(status === 204 ? undefined : JSON.stringify(setA)),
    );
    await assert.rejects(
      jwks.refresh(),
      (e: unknown) =>
        isTesseraError(e, 'ERR_JWKS_FETCH_FAILED') && (e.details as { status?: number }).status === status,
      String(status),
    );
  }
  server.handle((_req, res) =>
    res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' }).end(JSON.stringify(setA)),
  );
  await jwks.refresh();
  assert.equal(jwks.keys.length, 1);
});

test('malformed sets are failures; a bad key is dropped alone', async (t) => {
  const server = await startJwksServer();
  t.after(() => server.close());
  const { lines, logger } = logSink();
  const jwks = createRemoteJwks(server.url, { clock: makeClock().clock, logger });
  t.after(() => jwks.close());
  const bodies: [string, string][] = [
    ['not json', '<html>oops</html>'],
    ['no keys member', '{}'],
    ['keys not an array', '{"keys":{}}'],
    ['an array', '[]'],
    ['empty set', '{"keys":[]}'],
    ['only bad keys', JSON.stringify({ keys: [{ kty: 'RSA', n: 'AQAB', e: 'AQAB', kid: 'weak' }, 42, null] })],
  ];
  for (const [what, body] of bodies) {
    server.handle((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(body));
    await assert.rejects(jwks.refresh(), isCode('ERR_JWKS_FETCH_FAILED'), what);
  }
  const weakRsa = { kty: 'RSA', kid: 'weak', n: Buffer.alloc(128, 0xff).toString('base64url'), e: 'AQAB' };
  const hmac = generateKey('HS256', { kid: 'secret' }).privateJwk;
  const privateEc = generateKey('ES256', { kid: 'private' }).privateJwk;
  const wrongCurve = { ...keyA.publicJwk, kid: 'curve', crv: 'P-384' };
  server.serve({
    keys: [
      weakRsa,
      keyA.publicJwk,
      hmac,
      'text',
      privateEc,
      { ...keyC.publicJwk, use: 'enc' },
      wrongCurve,
      keyB.publicJwk,
      keyC.publicJwk,
    ],
  });
  await jwks.refresh();
  assert.deepEqual(
    jwks.keys.map((k) => k.kid),
    ['a', 'b', 'c'],
  );
  assert.equal(jwks.stats().keysDropped, 6 + 3 /* the three of "only bad keys" */);
  const dropped = lines.filter((l) => /dropped/.test(l.msg ?? ''));
  assert.ok(dropped.some((l) => l.obj.kid === 'secret' && /symmetric/.test(String(l.obj.reason))));
  assert.ok(dropped.some((l) => l.obj.kid === 'private' && /private/.test(String(l.obj.reason))));
  assert.ok(!JSON.stringify(lines).includes(String(hmac.k)), 'a secret never reaches the log');
  assert.ok(!JSON.stringify(lines).includes(String(privateEc.d)), 'a private key never reaches the log');
});

test('redirects: same origin followed, another host refused, none when asked', async (t) => {
  const server = await startJwksServer();
  const other = await startJwksServer();
  t.after(() => Promise.all([server.close(), other.close()]));
  other.serve(setA);
  server.handle((req, res) => {
    if (req.url === '/jwks.json') return void res.writeHead(302, { location: '/keys' }).end();
    if (req.url === '/keys')
      return void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(setA));
    if (req.url === '/away') return void res.writeHead(301, { location: `${other.base}/jwks.json` }).end();
    if (req.url === '/loop') return void res.writeHead(307, { location: '/loop' }).end();
    res.writeHead(404).end();
  });
  const same = createRemoteJwks(server.url, { clock: makeClock().clock });
  t.after(() => same.close());
  await same.refresh();
  assert.equal(same.keys.length, 1);

  const away = createRemoteJwks(`${server.base}/away`, { clock: makeClock().clock });
  t.after(() => away.close());
  await assert.rejects(
    away.refresh(),
    (e: unknown) =>
      isTesseraError(e, 'ERR_JWKS_FETCH_FAILED') && (e.details as { reason?: string }).reason === 'redirect',
  );
  assert.equal(other.seen.length, 0, 'the other host was never asked');

  const none = createRemoteJwks(server.url, { clock: makeClock().clock, redirect: 'none' });
  t.after(() => none.close());
  await assert.rejects(none.refresh(), isCode('ERR_JWKS_FETCH_FAILED'));

  const loop = createRemoteJwks(`${server.base}/loop`, { clock: makeClock().clock });
  t.after(() => loop.close());
  await assert.rejects(loop.refresh(), isCode('ERR_JWKS_FETCH_FAILED'));
});

test('cacheMaxAge: the next use after it refreshes in the background', async (t) => {
  const server = await startJwksServer();
  t.after(() => server.close());
  server.serve(setA);
  const { clock, advance } = makeClock();
  const events = eventWaiter<RemoteJwksEvent>();
  const jwks = createRemoteJwks(server.url, { clock, cacheMaxAge: 60_000, onEvent: events.onEvent });
  t.after(() => jwks.close());
  await jwks.warmup();
  server.serve(setAB);
  advance(60_001);
  const fetched = events.next('fetched');
  const served = jwks.getKeys({ alg: 'ES256', kid: 'a' });
  assert.ok(Array.isArray(served), 'the stale set answers at once');
  await fetched;
  assert.deepEqual(
    jwks.keys.map((k) => k.kid),
    ['a', 'b'],
  );
  assert.equal(jwks.stats().staleServed, 0, 'revalidation is not an error');
});

test('refreshInterval refreshes on a timer; close() stops it and aborts', async (t) => {
  const server = await startJwksServer();
  t.after(() => server.close());
  server.serve(setA);
  const events = eventWaiter<RemoteJwksEvent>();
  const jwks = createRemoteJwks(server.url, {
    clock: makeClock().clock,
    refreshInterval: 1000,
    onEvent: events.onEvent,
  });
  await events.next('fetched');
  assert.equal(server.seen.length, 1);
  jwks.close();
  server.handle(() => {});
  await assert.rejects(jwks.refresh(), isCode('ERR_JWKS_FETCH_FAILED'));
});

test('close() aborts a fetch in flight', async (t) => {
  const server = await startJwksServer();
  t.after(() => server.close());
  // The server never answers: only the abort can end this fetch before its timeout.
  let arrived!: () => void;
  const requestArrived = new Promise<void>((resolve) => (arrived = resolve));
  server.handle(() => arrived());
  const jwks = createRemoteJwks(server.url, { clock: makeClock().clock, timeoutDuration: 5000 });
  const pending = jwks.refresh();
  await requestArrived;
  jwks.close();
  // The reason tells an abort from the timeout, which would also end in ERR_JWKS_FETCH_FAILED.
  await assert.rejects(
    pending,
    (e: unknown) =>
      isTesseraError(e, 'ERR_JWKS_FETCH_FAILED') && (e.details as { reason?: string }).reason === 'aborted',
  );
  await assert.rejects(jwks.refresh(), /closed/, 'later fetches fail');
});

test('options are checked at once', () => {
  for (const bad of [
    () => createRemoteJwks('ftp://x/jwks'),
    () => createRemoteJwks('not a url'),
    () => createRemoteJwks('https://user:pw@x/jwks'),
    () => createRemoteJwks('https://x/jwks', { cooldownDuration: -1 }),
    () => createRemoteJwks('https://x/jwks', { timeoutDuration: Number.NaN }),
    () => createRemoteJwks('https://x/jwks', { refreshInterval: 10 }),
    () => createRemoteJwks('https://x/jwks', { redirect: 'all' as never }),
    () => createRemoteJwks({} as never),
  ]) {
    assert.throws(bad, isCode('ERR_CONFIG_INVALID'));
  }
});

test('maxResponseBytes is a whole number of bytes', () => {
  for (const maxResponseBytes of [0, -1, 1.5, Number.NaN, Infinity, '512' as never]) {
    assert.throws(
      () => createRemoteJwks('https://x/jwks', { maxResponseBytes }),
      (e: unknown) =>
        isTesseraError(e, 'ERR_CONFIG_INVALID') && /maxResponseBytes must be a whole number of bytes/.test(e.message),
      String(maxResponseBytes),
    );
  }
  createRemoteJwks('https://x/jwks', { maxResponseBytes: 1 }).close();
});

test('every getKeys error is a TesseraError, whatever the header', async (t) => {
  const server = await startJwksServer();
  t.after(() => server.close());
  server.serve(setA);
  const jwks = createRemoteJwks(server.url, { clock: makeClock().clock });
  t.after(() => jwks.close());
  await jwks.warmup();
  for (const header of [{ alg: 'ES256', kid: 'x'.repeat(10_000) }, { alg: 'none' }, { alg: 'HS256' }] as JwsHeader[]) {
    await assert.rejects(async () => jwks.getKeys(header), isCode('ERR_JWKS_NO_MATCHING_KEY'));
  }
});

test('a throwing logger or event hook never breaks the key source; verifySync works once warm', async (t) => {
  const server = await startJwksServer();
  t.after(() => server.close());
  server.serve({ keys: [keyA.publicJwk, { kty: 'oct', k: 'AAAA', kid: 'bad' }] });
  const { clock } = makeClock();
  const boom = () => {
    throw new Error('boom');
  };
  const jwks = createRemoteJwks(server.url, { clock, logger: { info: boom, warn: boom, error: boom }, onEvent: boom });
  t.after(() => jwks.close());
  await jwks.warmup();
  assert.equal(jwks.keys.length, 1);
  const verifier = createVerifier({ issuer: 'https://issuer.test', keys: jwks, clock, cache: false });
  const token = signJwt({ sub: 'x' }, keyA.signingKey, { issuer: 'https://issuer.test', expiresIn: 60, clock });
  assert.equal(verifier.verifySync(token).payload.sub, 'x');
  server.serve({}, 500);
  await assert.rejects(jwks.refresh(), isCode('ERR_JWKS_FETCH_FAILED'));
  assert.equal(verifier.verifySync(token).payload.sub, 'x', 'the last good set still serves');
});

test('a key taken out of the set stops verifying at once, even for cached tokens', async (t) => {
  const server = await startJwksServer();
  t.after(() => server.close());
  server.serve(setAB);
  const { clock, advance } = makeClock();
  const jwks = createRemoteJwks(server.url, { clock, cacheMaxAge: 60_000, cooldownDuration: 1_000 });
  t.after(() => jwks.close());
  const verifier = createVerifier({ issuer: 'https://ts.example', keys: jwks, clock });
  const token = signJwt({ iss: 'https://ts.example', sub: 's' }, keyB.signingKey, { expiresIn: 3600, clock });
  await verifier.verify(token);
  assert.equal(verifier.cache?.size, 1);
  assert.equal((await verifier.verify(token)).payload.sub, 's', 'served from the cache');
  server.serve(setA); // key b is withdrawn (e.g. compromised)
  advance(61_000);
  await jwks.refresh();
  await assert.rejects(verifier.verify(token), isCode('ERR_JWKS_NO_MATCHING_KEY'));
});

test('verifySync answers an unknown kid inside the cooldown with ERR_JWKS_NO_MATCHING_KEY', async (t) => {
  const server = await startJwksServer();
  t.after(() => server.close());
  server.serve(setA);
  const { clock } = makeClock();
  const jwks = createRemoteJwks(server.url, { clock, cooldownDuration: 30_000 });
  t.after(() => jwks.close());
  await jwks.warmup();
  const verifier = createVerifier({ keys: jwks, clock, cache: false });
  const token = signJwt({ sub: 's' }, keyC.signingKey, { expiresIn: 60, clock });
  // The first unknown kid triggers a refetch (async); the next, inside the cooldown, is known now.
  await assert.rejects(verifier.verify(token), isCode('ERR_JWKS_NO_MATCHING_KEY'));
  assert.throws(() => verifier.verifySync(token), isCode('ERR_JWKS_NO_MATCHING_KEY'));
});
