// Storage throughput (issue 3, "Storage"): the operations on the token path — replay check of a
// client assertion, revocation check, audit append — per back-end, side by side with the bare
// client command each one wraps (the peer), with 32 calls in flight, interleaved in rounds.
// PostgreSQL and Redis rows need TESSERA_TEST_PG_URL / TESSERA_TEST_REDIS_URL (else "—").
// Run alone: node --conditions=tessera-source --import tsx bench/storage.bench.ts
import { randomBytes } from 'node:crypto';
import { mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import pg from 'pg';
import { Redis } from 'ioredis';
import { createStorage, type Storage } from '@tessera/token-service';
import { formatOps, table } from './internal/measure.js';

const CONCURRENCY = 32;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const SLICE_MS = Number(process.env.BENCH_SLICE_MS ?? 300);

interface Case {
  readonly group: string;
  readonly name: string;
  readonly fn: (i: number) => Promise<unknown>;
  /** The name of the peer case in the same group. */
  readonly peer?: string;
}

let counter = 0;
async function slice(fn: (i: number) => Promise<unknown>): Promise<number> {
  let ops = 0;
  const start = performance.now();
  const end = start + SLICE_MS;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (performance.now() < end) {
        await fn((counter += 1));
        ops += 1;
      }
    }),
  );
  return (ops * 1000) / (performance.now() - start);
}

export default async function run(): Promise<void> {
  const pgUrl = process.env.TESSERA_TEST_PG_URL;
  const redisUrl = process.env.TESSERA_TEST_REDIS_URL;
  const tag = `bench_${process.pid}_${randomBytes(3).toString('hex')}`;
  const dir = await mkdtemp(join(tmpdir(), 'tessera-bench-'));
  const kek = randomBytes(32).toString('base64url');
  const exp = () => Date.now() + 60_000;
  const cleanups: Array<() => Promise<unknown>> = [];
  const cases: Case[] = [];

  try {
    const file = await createStorage({ dataDir: join(dir, 'store'), kek });
    cleanups.push(() => file.close());
    await file.revocations.revoke('revoked-jti', exp());
    const naive = await open(join(dir, 'naive.jsonl'), 'a', 0o600);
    cleanups.push(() => naive.close());
    cases.push(
      { group: 'replay.markUsed', name: 'file store', fn: (i) => file.replay.markUsed(`a:${i}`, exp()) },
      { group: 'revocations.isRevoked', name: 'file store', fn: () => file.revocations.isRevoked('revoked-jti') },
      {
        group: 'audit.append',
        name: 'file store (group commit)',
        peer: 'peer: appendFile + fsync per record',
        fn: (i) => file.audit.append({ actor: 'c', action: 'token.issued', target: `t${i}` }),
      },
      {
        group: 'audit.append',
        name: 'peer: appendFile + fsync per record',
        fn: async (i) => {
          await naive.appendFile(`${JSON.stringify({ actor: 'c', action: 'token.issued', target: `t${i}` })}\n`);
          await naive.sync();
        },
      },
    );

    let pgStorage: Storage | undefined;
    if (pgUrl) {
      pgStorage = await createStorage({
        type: 'postgres',
        postgres: { url: pgUrl, schema: tag, maxConnections: 10 },
        kek,
      });
      const s = pgStorage;
      const raw = new pg.Pool({ connectionString: pgUrl, max: 10 });
      cleanups.push(async () => {
        await raw.query(`DROP SCHEMA IF EXISTS ${pg.escapeIdentifier(tag)} CASCADE`);
        await raw.end();
      });
      cleanups.push(() => s.close());
      await raw.query(`CREATE TABLE ${pg.escapeIdentifier(tag)}.peer (key text PRIMARY KEY, exp bigint NOT NULL)`);
      await s.revocations.revoke('revoked-jti', exp());
      const q = `${pg.escapeIdentifier(tag)}.`;
      cases.push(
        {
          group: 'replay.markUsed',
          name: 'postgres store',
          peer: 'peer: pg INSERT … ON CONFLICT DO NOTHING',
          fn: (i) => s.replay.markUsed(`a:${i}`, exp()),
        },
        {
          group: 'replay.markUsed',
          name: 'peer: pg INSERT … ON CONFLICT DO NOTHING',
          fn: (i) =>
            raw.query(`INSERT INTO ${q}peer (key, exp) VALUES ($1, $2) ON CONFLICT DO NOTHING`, [`a:${i}`, exp()]),
        },
        {
          group: 'revocations.isRevoked',
          name: 'postgres store',
          peer: 'peer: pg SELECT by primary key',
          fn: () => s.revocations.isRevoked('revoked-jti'),
        },
        {
          group: 'revocations.isRevoked',
          name: 'peer: pg SELECT by primary key',
          fn: () => raw.query(`SELECT 1 FROM ${q}revocations WHERE jti = $1`, ['revoked-jti']),
        },
        {
          group: 'audit.append',
          name: 'postgres store (group commit)',
          peer: 'peer: pg INSERT per record',
          fn: (i) => s.audit.append({ actor: 'c', action: 'token.issued', target: `t${i}` }),
        },
        {
          group: 'audit.append',
          name: 'peer: pg INSERT per record',
          fn: (i) =>
            raw.query(`INSERT INTO ${q}audit (at, actor, action, target) VALUES ($1, $2, $3, $4)`, [
              Date.now(),
              'c',
              'token.issued',
              `t${i}`,
            ]),
        },
      );
    }

    if (redisUrl) {
      const prefix = `${tag}:`;
      const s = await createStorage({
        dataDir: join(dir, 'mixed'),
        kek,
        redis: { url: redisUrl, keyPrefix: prefix },
        backends: { revocations: 'redis', replay: 'redis', events: 'redis' },
      });
      const raw = new Redis(redisUrl);
      cleanups.push(async () => {
        let cursor = '0';
        do {
          const [next, keys] = await raw.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
          cursor = next;
          if (keys.length > 0) await raw.del(...keys);
        } while (cursor !== '0');
        await raw.quit();
      });
      cleanups.push(() => s.close());
      await s.revocations.revoke('revoked-jti', exp());
      cases.push(
        {
          group: 'replay.markUsed',
          name: 'redis store',
          peer: 'peer: redis SET NX PX',
          fn: (i) => s.replay.markUsed(`a:${i}`, exp()),
        },
        {
          group: 'replay.markUsed',
          name: 'peer: redis SET NX PX',
          fn: (i) => raw.set(`${prefix}peer:${i}`, '1', 'PX', 60_000, 'NX'),
        },
        {
          group: 'revocations.isRevoked',
          name: 'redis store',
          peer: 'peer: redis GET',
          fn: () => s.revocations.isRevoked('revoked-jti'),
        },
        { group: 'revocations.isRevoked', name: 'peer: redis GET', fn: () => raw.get(`${prefix}rev:jti:revoked-jti`) },
      );
    }

    const samples = new Map<Case, number[]>(cases.map((c) => [c, []]));
    for (const c of cases) await slice(c.fn); // warm-up
    for (let r = 0; r < ROUNDS; r += 1) for (const c of cases) samples.get(c)!.push(await slice(c.fn));
    const best = (c: Case) => Math.max(...samples.get(c)!);

    const rows: string[][] = [];
    for (const group of [...new Set(cases.map((c) => c.group))]) {
      const inGroup = cases.filter((c) => c.group === group);
      const fileRow = inGroup.find((c) => c.name.startsWith('file store'));
      for (const c of inGroup) {
        const peer = inGroup.find((p) => p.name === c.peer);
        rows.push([
          group,
          c.name,
          formatOps(best(c)),
          peer ? `${(best(c) / best(peer)).toFixed(2)}×` : '',
          fileRow && c !== fileRow ? `${(best(c) / best(fileRow)).toFixed(2)}×` : '',
        ]);
      }
    }
    console.log(`${CONCURRENCY} calls in flight, best of ${ROUNDS} rounds of ${SLICE_MS} ms`);
    console.log(table(['operation', 'implementation', 'ops/s', 'vs its peer', 'vs file'], rows));
    if (!pgUrl || !redisUrl)
      console.log('(set TESSERA_TEST_PG_URL and TESSERA_TEST_REDIS_URL for the postgres and redis rows)');
  } finally {
    for (const c of cleanups.reverse()) await c().catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await run();
