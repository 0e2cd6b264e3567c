// A map held in memory and kept on disk as a journal of JSON lines (one per change), for data that
// changes at request rate: login sessions, codes, refresh tokens. Rewriting a whole JSON document
// per change (json-document.ts, right for clients and keys that change rarely) costs O(everything)
// per login; appending a line costs O(the change). Changes are applied in memory at once (so a
// check-and-set is atomic in this single-threaded process) and acknowledged once their lines are
// durable: queued lines are written together and fsync'd once (group commit). When the journal has
// grown well past what is live, it is compacted: a snapshot of the live entries replaces it
// atomically (temp file + fsync + rename + directory fsync).
import { open, unlink, type FileHandle } from 'node:fs/promises';
import { tokenServiceErrors } from '../../errors.js';
import { corrupt, readOptional, writeFileAtomic } from './json-document.js';

const HEADER = { version: 2, format: 'tessera-journal' } as const;

/** A journal is compacted when it is this many times the size of its live entries (and at least `minCompactBytes`). */
const COMPACT_FACTOR = 4;

/** One change's effect, as `change` reports it: the keys whose values were set, and those removed. */
export interface JournalChange<R> {
  readonly result: R;
  readonly set?: readonly string[];
  readonly removed?: readonly string[];
}

/** The journaled map. */
export interface JournaledMap<V> {
  /** The live map (read-only by convention: change it through `change`). */
  current(): ReadonlyMap<string, V>;
  /** Runs `fn` on the map now; resolves to its result once the change is on disk. */
  change<R>(fn: (map: Map<string, V>) => JournalChange<R>): Promise<R>;
  /** Drops entries from memory without a journal line (they are dropped on load too: expired). */
  forget(keys: Iterable<string>): void;
  /** Writes what is queued and closes the file. */
  close(): Promise<void>;
}

/** Options of {@link openJournaledMap}. */
export interface JournaledMapOptions<V> {
  readonly path: string;
  /** Checks one stored value (throws on a bad one). */
  decode(value: unknown): V;
  keyOf(value: V): string;
  /** False for a value that is dead on load (expired): not kept. */
  isLive(value: V): boolean;
  /** A document of an earlier version to start from when the journal does not exist yet; it is removed once the journal holds it. */
  readonly legacy?: { readonly path: string; decode(json: unknown): V[] };
  /** Default 4 MiB. */
  readonly minCompactBytes?: number;
}

interface Pending {
  readonly lines: string;
  resolve(): void;
  reject(error: unknown): void;
}

/**
 * Opens (or creates) the journal at `options.path` and replays it. A last line cut short by a crash
 * is dropped; any other unreadable line refuses to start (`ERR_STORE_CORRUPT`), naming the line.
 *
 * @example
 * ```ts
 * const journal = await openJournaledMap({ path: join(dir, 'state.jsonl'), decode: checkStateRecord, keyOf, isLive });
 * await journal.change((map) => { map.set(k, v); return { result: undefined, set: [k] }; });
 * ```
 */
export async function openJournaledMap<V>(options: JournaledMapOptions<V>): Promise<JournaledMap<V>> {
  const { path } = options;
  const minCompactBytes = options.minCompactBytes ?? 4 * 1024 * 1024;
  const map = new Map<string, V>();
  const text = await readOptional(path);
  let legacyToRemove: string | undefined;
  if (text === undefined && options.legacy !== undefined) {
    const old = await readOptional(options.legacy.path);
    if (old !== undefined) {
      let values: V[];
      try {
        values = options.legacy.decode(JSON.parse(old));
      } catch (err) {
        corrupt(options.legacy.path, (err as Error).message, err);
      }
      for (const v of values) if (options.isLive(v)) map.set(options.keyOf(v), v);
      legacyToRemove = options.legacy.path;
    }
  }
  if (text !== undefined) {
    const lines = text.split('\n');
    const complete = text.endsWith('\n') ? lines.length - 1 : lines.length;
    for (let i = 0; i < complete; i++) {
      const line = lines[i]!;
      if (line === '') continue;
      let entry: { p?: unknown; d?: unknown; version?: unknown };
      try {
        entry = JSON.parse(line) as typeof entry;
        if (i === 0) {
          if (entry.version !== HEADER.version) throw new Error(`expected the header ${JSON.stringify(HEADER)}`);
          continue;
        }
        if (typeof entry.d === 'string') map.delete(entry.d);
        else if (entry.p !== undefined) {
          const v = options.decode(entry.p);
          if (options.isLive(v)) map.set(options.keyOf(v), v);
          else map.delete(options.keyOf(v));
        } else throw new Error('a line is {"p": value} or {"d": key}');
      } catch (err) {
        // The last line may be cut short by a crash mid-append: it was never acknowledged.
        if (i === complete - 1 && !text.endsWith('\n')) break;
        corrupt(path, `line ${i + 1}: ${(err as Error).message}`, err);
      }
    }
  }

  const snapshotText = () =>
    [JSON.stringify(HEADER), ...[...map.values()].map((v) => JSON.stringify({ p: v }))].join('\n') + '\n';
  // Start from a clean snapshot: a torn last line is gone, a legacy document is converted.
  let liveBytes = 0;
  const writeSnapshot = async () => {
    const snapshot = snapshotText();
    await writeFileAtomic(path, snapshot);
    liveBytes = Buffer.byteLength(snapshot);
    journalBytes = liveBytes;
  };
  let journalBytes = 0;
  await writeSnapshot();
  if (legacyToRemove !== undefined) await unlink(legacyToRemove).catch(() => undefined);
  let handle: FileHandle = await open(path, 'a', 0o600);

  let queue: Pending[] = [];
  let writing: Promise<void> | undefined;
  let closed = false;

  const flush = async (): Promise<void> => {
    while (queue.length > 0) {
      const batch = queue;
      queue = [];
      try {
        const lines = batch.map((p) => p.lines).join('');
        if (journalBytes + lines.length > Math.max(minCompactBytes, COMPACT_FACTOR * liveBytes)) {
          // The map already holds every queued change: a snapshot of it covers the batch.
          await handle.close();
          await writeSnapshot();
          handle = await open(path, 'a', 0o600);
        } else {
          await handle.appendFile(lines, 'utf8');
          await handle.datasync();
          journalBytes += Buffer.byteLength(lines);
        }
        for (const p of batch) p.resolve();
      } catch (err) {
        const error = tokenServiceErrors.create(
          'ERR_STORE_UNAVAILABLE',
          `cannot write ${path}: ${(err as Error).message}`,
          {
            cause: err,
          },
        );
        for (const p of batch) p.reject(error);
      }
    }
  };
  const schedule = () => {
    writing ??= flush().finally(() => {
      writing = undefined;
      if (queue.length > 0) schedule();
    });
  };

  return {
    current: () => map,
    change(fn) {
      if (closed) return Promise.reject(tokenServiceErrors.create('ERR_STORE_UNAVAILABLE', `${path} is closed`));
      let change: JournalChange<ReturnType<typeof fn>['result']>;
      try {
        change = fn(map);
      } catch (err) {
        return Promise.reject(err instanceof Error ? err : new Error(String(err)));
      }
      let lines = '';
      for (const key of change.set ?? []) {
        const v = map.get(key);
        lines += v === undefined ? `${JSON.stringify({ d: key })}\n` : `${JSON.stringify({ p: v })}\n`;
      }
      for (const key of change.removed ?? []) lines += `${JSON.stringify({ d: key })}\n`;
      if (lines === '') return Promise.resolve(change.result);
      return new Promise((resolve, reject) => {
        queue.push({ lines, resolve: () => resolve(change.result), reject });
        schedule();
      });
    },
    forget(keys) {
      for (const key of keys) map.delete(key);
    },
    async close() {
      closed = true;
      while (writing !== undefined) await writing;
      await handle.close();
    },
  };
}
