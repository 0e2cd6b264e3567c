import { open, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import type { Clock } from '@tessera/core';
import { tokenServiceErrors } from '../../errors.js';
import type { Closable } from '../internal/closable.js';
import { corrupt, ensureDir, readOptional, writeFileAtomic } from '../internal/json-document.js';
import { checkId, checkTime } from '../internal/validate.js';
import type { ReplayStore } from '../types.js';

/** Options of {@link createFileReplayStore}. */
export interface FileReplayStoreOptions {
  readonly dataDir: string;
  readonly clock?: Clock;
}

function parseLog(path: string, text: string, now: number): Map<string, number> {
  const map = new Map<string, number>();
  if (text.length === 0) return map;
  // A missing final newline means an append was cut short (crash mid-write): report, never guess.
  if (!text.endsWith('\n')) corrupt(path, 'the last line is incomplete');
  const lines = text.slice(0, -1).split('\n');
  for (let i = 0; i < lines.length; i += 1) {
    let entry: { k?: unknown; e?: unknown };
    try {
      entry = JSON.parse(lines[i]!) as { k?: unknown; e?: unknown };
    } catch (err) {
      return corrupt(`${path}:${i + 1}`, 'not valid JSON', err);
    }
    if (
      typeof entry !== 'object' ||
      entry === null ||
      typeof entry.k !== 'string' ||
      entry.k === '' ||
      !Number.isSafeInteger(entry.e)
    ) {
      corrupt(`${path}:${i + 1}`, 'not a replay entry');
    }
    if ((entry.e as number) > now) map.set(entry.k, entry.e as number);
  }
  return map;
}

/**
 * The `file` replay cache: an append-only log `<dataDir>/replay.jsonl` (one `{"k","e"}` line per
 * first use), so an id used before a restart stays used after it. The check-and-record runs
 * synchronously on the in-memory map, which makes it atomic in this process: of concurrent calls
 * with one key exactly one sees `true`. Calls that arrive together share one append and one
 * fsync; the promise resolves once the line is durable. When the log holds mostly expired lines it
 * is rewritten atomically with the live ones.
 *
 * @example
 * ```ts
 * const replay = await createFileReplayStore({ dataDir: './.tessera' });
 * if (!(await replay.markUsed('assertion:client-a:jti-1', exp))) throw new Error('replayed');
 * ```
 */
export async function createFileReplayStore(options: FileReplayStoreOptions): Promise<ReplayStore & Closable> {
  if (typeof options?.dataDir !== 'string' || options.dataDir === '')
    throw tokenServiceErrors.create('ERR_STORE_CONFIG_INVALID', 'file replay store: dataDir is required');
  const clock = options.clock ?? Date.now;
  await ensureDir(options.dataDir);
  const path = join(options.dataDir, 'replay.jsonl');
  const map = parseLog(path, (await readOptional(path)) ?? '', clock());
  let lines = map.size;
  let nextCheck = lines + 1000;
  let handle: FileHandle | undefined;
  let closed = false;
  let batch: Array<{ line: string; resolve: () => void; reject: (err: unknown) => void }> = [];
  let chain: Promise<unknown> = Promise.resolve();

  const purge = (now: number): number => {
    let n = 0;
    for (const [key, exp] of map) {
      if (exp <= now) {
        map.delete(key);
        n += 1;
      }
    }
    return n;
  };

  const serial = <T>(work: () => Promise<T>): Promise<T> => {
    const run = chain.then(work, work);
    chain = run.catch(() => undefined);
    return run;
  };

  const compact = async (): Promise<void> => {
    purge(clock());
    await handle?.close();
    handle = undefined;
    await writeFileAtomic(path, [...map].map(([k, e]) => `${JSON.stringify({ k, e })}\n`).join(''));
    lines = map.size;
  };

  const flush = async (): Promise<void> => {
    const items = batch;
    batch = [];
    if (items.length === 0) return;
    try {
      handle ??= await open(path, 'a', 0o600);
      await handle.appendFile(items.map((i) => i.line).join(''), 'utf8');
      await handle.sync();
      lines += items.length;
      for (const i of items) i.resolve();
    } catch (err) {
      const e = tokenServiceErrors.create(
        'ERR_STORE_UNAVAILABLE',
        `cannot append to ${path}: ${(err as Error).message}`,
        { cause: err },
      );
      for (const i of items) i.reject(e);
      return;
    }
    // Every so often (amortised O(1) per line) drop expired ids and, once expired lines
    // dominate, rewrite the log with the live ones so it stays proportional to them.
    if (lines >= nextCheck) {
      purge(clock());
      if (lines > 2 * map.size) await compact().catch(() => undefined);
      nextCheck = lines + Math.max(1000, map.size);
    }
  };

  return {
    async markUsed(key, expiresAt) {
      checkId('replay key', key);
      checkTime('expiresAt', expiresAt);
      if (closed) throw tokenServiceErrors.create('ERR_STORE_UNAVAILABLE', 'the replay store is closed');
      const now = clock();
      const seen = map.get(key);
      // Fail closed: an id whose lifetime is over cannot be recorded, so it is never a first use.
      if ((seen !== undefined && seen > now) || expiresAt <= now) return false;
      // Marked before the write: if the write fails the caller gets the error, and a retry with the
      // same id is refused (fail closed).
      map.set(key, expiresAt);
      await new Promise<void>((resolve, reject) => {
        batch.push({ line: `${JSON.stringify({ k: key, e: expiresAt })}\n`, resolve, reject });
        if (batch.length === 1) void serial(flush);
      });
      return true;
    },
    async purgeExpired() {
      return serial(async () => {
        const n = purge(clock());
        if (n > 0) await compact();
        return n;
      });
    },
    async close() {
      closed = true;
      await serial(async () => {
        await handle?.close();
        handle = undefined;
      });
    },
  };
}
