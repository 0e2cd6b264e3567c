// Two replicas sharing PostgreSQL (keys, clients, audit) and Redis (revocations, replay, events):
// tokens from one verify at the other, a revocation at one is inactive at the other at once and
// streams from both, a key rotation and an admin-made client propagate. Skips without
// TESSERA_TEST_PG_URL and TESSERA_TEST_REDIS_URL; isolates itself with a unique schema and prefix.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { createTokenService, loadConfig, type TokenService } from '../src/index.js';
import { decode, postForm } from './helpers.js';

const pgUrl = process.env['TESSERA_TEST_PG_URL'];
const redisUrl = process.env['TESSERA_TEST_REDIS_URL'];
const skip =
  pgUrl === undefined || redisUrl === undefined
    ? 'set TESSERA_TEST_PG_URL and TESSERA_TEST_REDIS_URL to run the replica test'
    : false;
const A = { id: 'svc-a', secret: 'svc-a-secret-0123456789' };

async function until(check: () => boolean | Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 200; i += 1) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  assert.fail(`gave up waiting: ${what}`);
}

/** Follows `<url>/revocations/stream` as client A; resolves once the first cursor arrived. */
async function openRevocationStream(url: string): Promise<{ text(): string; destroy(): void }> {
  const authorization = `Basic ${Buffer.from(`${A.id}:${A.secret}`).toString('base64')}`;
  const stream = await new Promise<import('node:http').IncomingMessage>((resolve, reject) =>
    request(`${url}/revocations/stream`, { headers: { authorization } }, resolve).on('error', reject).end(),
  );
  let streamed = '';
  stream.setEncoding('utf8');
  stream.on('data', (c: string) => (streamed += c));
  await until(() => streamed.includes('event: cursor'), 'stream opened');
  return { text: () => streamed, destroy: () => stream.destroy() };
}

test('replicas share keys, clients, revocations and events', { skip }, async () => {
  const run = randomBytes(4).toString('hex');
  const schema = `tessera_replicas_${run}`;
  const prefix = `tessera-replicas-${run}:`;
  const dataDir = mkdtempSync(join(tmpdir(), 'tessera-replicas-'));
  const adminToken = randomBytes(24).toString('base64url');
  const config = loadConfig({
    object: {
      server: { port: 0, issuer: 'https://ts.replicas.test' },
      admin: { token: adminToken },
      storage: {
        type: 'postgres',
        dataDir,
        postgres: { url: pgUrl, schema },
        redis: { url: redisUrl, keyPrefix: prefix },
        backends: { revocations: 'redis', replay: 'redis', events: 'redis' },
      },
      clients: [{ id: A.id, secret: A.secret, audiences: ['svc-b'], introspect: true, revocations: true }],
      rateLimit: { enabled: false },
    },
  });
  const make = () =>
    createTokenService(config, {
      logger: pino({ level: 'silent' }),
      env: { TESSERA_KEK: Buffer.alloc(32, 3).toString('base64url') },
      timers: false,
    });
  const one: TokenService = make();
  const two: TokenService = make();
  try {
    // Both start at once on an empty store: each may create a first key; they settle on one.
    const [url1, url2] = await Promise.all([one.listen(), two.listen()]);
    await one.tick();
    await two.tick();
    const jwks = async (url: string) =>
      (await (await fetch(`${url}/.well-known/jwks.json`)).json()) as { keys: { kid: string }[] };
    assert.deepEqual(await jwks(url2), await jwks(url1), 'one key ring');
    const activeOne = one.keyRing
      .list()
      .filter((k) => k.state === 'active')
      .map((k) => k.kid);
    assert.equal(activeOne.length, 1);
    assert.deepEqual(
      two.keyRing
        .list()
        .filter((k) => k.state === 'active')
        .map((k) => k.kid),
      activeOne,
    );

    const token = (await postForm(`${url1}/token`, { grant_type: 'client_credentials' }, A)).body[
      'access_token'
    ] as string;
    assert.equal((await postForm(`${url2}/introspect`, { token }, A)).body['active'], true);

    // A revocation at replica two streams from replica one and is inactive there at once.
    const stream = await openRevocationStream(url1);
    assert.equal((await postForm(`${url2}/revoke`, { token }, A)).status, 200);
    assert.equal((await postForm(`${url1}/introspect`, { token }, A)).body['active'], false);
    const jti = decode(token).payload['jti'] as string;
    await until(() => stream.text().includes(jti), 'revocation streamed from the other replica');
    stream.destroy();
    const feed = (await (
      await fetch(`${url1}/revocations`, {
        headers: { authorization: `Basic ${Buffer.from(`${A.id}:${A.secret}`).toString('base64')}` },
      })
    ).json()) as {
      revocations: { jti: string }[];
    };
    assert.deepEqual(
      feed.revocations.map((r) => r.jti),
      [jti],
    );

    // An emergency rotation at replica one: replica two signs with the new key once the event lands.
    const rotated = (await (
      await fetch(`${url1}/admin/keys/rotate`, {
        method: 'POST',
        headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
        body: '{"immediate":true}',
      })
    ).json()) as { kid: string };
    await until(async () => {
      const t = (await postForm(`${url2}/token`, { grant_type: 'client_credentials' }, A)).body[
        'access_token'
      ] as string;
      return decode(t).header['kid'] === rotated.kid;
    }, 'replica two signs with the rotated key');

    // A client made at replica one works at replica two.
    const made = (await (
      await fetch(`${url1}/admin/clients`, {
        method: 'POST',
        headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
        body: JSON.stringify({ id: 'late', audiences: ['svc-b'] }),
      })
    ).json()) as { client_secret: string };
    assert.equal(
      (
        await postForm(
          `${url2}/token`,
          { grant_type: 'client_credentials' },
          { id: 'late', secret: made.client_secret },
        )
      ).status,
      200,
    );
  } finally {
    await one.close();
    await two.close();
    rmSync(dataDir, { recursive: true, force: true });
    const db = new pg.Client({ connectionString: pgUrl });
    await db.connect();
    await db.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await db.end();
    const redis = new Redis(redisUrl!);
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
  }
});

test(
  'with no event bus between replicas (Redis down), a revocation at one still reaches a stream at the other within a heartbeat',
  {
    skip: pgUrl === undefined ? 'set TESSERA_TEST_PG_URL to run the replica test' : false,
  },
  async () => {
    const run = randomBytes(4).toString('hex');
    const schema = `tessera_replicas_nobus_${run}`;
    const dirs = [mkdtempSync(join(tmpdir(), 'tessera-nobus-')), mkdtempSync(join(tmpdir(), 'tessera-nobus-'))];
    // Each replica's event bus is its own process memory (`events: file`): the replicas share
    // PostgreSQL and nothing else, as when the bus they share is down.
    const make = (dataDir: string) =>
      createTokenService(
        loadConfig({
          object: {
            server: { port: 0, issuer: 'https://ts.replicas.test' },
            storage: { type: 'postgres', dataDir, postgres: { url: pgUrl, schema }, backends: { events: 'file' } },
            clients: [{ id: A.id, secret: A.secret, audiences: ['svc-b'], introspect: true, revocations: true }],
            rateLimit: { enabled: false },
            revocationStream: { heartbeatMs: 200 },
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
      const url1 = await one.listen();
      const url2 = await two.listen();
      const stream = await openRevocationStream(url1);
      const token = (await postForm(`${url2}/token`, { grant_type: 'client_credentials' }, A)).body[
        'access_token'
      ] as string;
      assert.equal((await postForm(`${url2}/revoke`, { token }, A)).status, 200);
      const jti = decode(token).payload['jti'] as string;
      await until(() => stream.text().includes(jti), 'the revocation caught up from storage at a heartbeat');
      // And the stream said where it is now: a later `event: cursor` after the revocation.
      assert.match(stream.text().slice(stream.text().indexOf(jti)), /event: cursor/);
      stream.destroy();
    } finally {
      await one.close();
      await two.close();
      for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
      const db = new pg.Client({ connectionString: pgUrl });
      await db.connect();
      await db.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await db.end();
    }
  },
);
