// One JSON document on disk, held in memory, changed under an in-process write lock with group
// commit: every queued change is applied in order, then the whole document is written once
// (temp file + fsync + rename + directory fsync), so a crash leaves the old or the new file,
// never half of one, and two concurrent changes never lose each other.
import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { isTesseraError } from '@tessera/core';
import { tokenServiceErrors } from '../../errors.js';

/** Creates the directory (mode 0700) if needed. */
export async function ensureDir(dir: string): Promise<void> {
  try {
    await mkdir(dir, { recursive: true, mode: 0o700 });
  } catch (err) {
    throw tokenServiceErrors.create(
      'ERR_STORE_UNAVAILABLE',
      `cannot create the data directory ${dir}: ${(err as Error).message}`,
      { cause: err },
    );
  }
}

/** Writes `text` to `path` atomically (mode 0600). */
export async function writeFileAtomic(path: string, text: string): Promise<void> {
  const temp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    const handle = await open(temp, 'wx', 0o600);
    try {
      await handle.writeFile(text, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, path);
    // The rename is durable only once the directory entry is (POSIX: fsync the directory).
    const dir = await open(dirname(path), 'r');
    try {
      await dir.sync();
    } finally {
      await dir.close();
    }
  } catch (err) {
    await unlink(temp).catch(() => undefined);
    throw tokenServiceErrors.create('ERR_STORE_UNAVAILABLE', `cannot write ${path}: ${(err as Error).message}`, {
      cause: err,
    });
  }
}

/** Reads `path` as UTF-8, or undefined when it does not exist. */
export async function readOptional(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw tokenServiceErrors.create('ERR_STORE_UNAVAILABLE', `cannot read ${path}: ${(err as Error).message}`, {
      cause: err,
    });
  }
}

/** Throws ERR_STORE_CORRUPT naming the file. */
export function corrupt(path: string, why: string, cause?: unknown): never {
  throw tokenServiceErrors.create(
    'ERR_STORE_CORRUPT',
    `${path} is corrupt (${why}); fix or restore it — it is never reset automatically`,
    cause === undefined ? {} : { cause },
  );
}

/** A document and its queued changes. */
export interface JsonDocument<T> {
  /** The in-memory state (read-only by convention). */
  current(): T;
  /**
   * Runs `change` on the state under the lock and persists it. `change` returns
   * `{ result, changed }`; it must throw before touching the state when it refuses.
   */
  mutate<R>(change: (state: T) => { result: R; changed: boolean }): Promise<R>;
  /** Waits for queued writes; later calls fail with ERR_STORE_UNAVAILABLE. */
  close(): Promise<void>;
}

interface Pending<T> {
  change: (state: T) => { result: unknown; changed: boolean };
  resolve: (value: unknown) => void;
  reject: (err: unknown) => void;
}

/**
 * Opens (loads) a document. `decode` turns the parsed JSON into the state and throws on anything
 * unexpected (reported as ERR_STORE_CORRUPT with the path); `encode` does the reverse.
 */
export async function openJsonDocument<T>(options: {
  path: string;
  initial: () => T;
  decode: (json: unknown) => T;
  encode: (state: T) => unknown;
}): Promise<JsonDocument<T>> {
  const { path } = options;
  const load = async (): Promise<T> => {
    const text = await readOptional(path);
    if (text === undefined) return options.initial();
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (err) {
      corrupt(path, 'not valid JSON', err);
    }
    try {
      return options.decode(json);
    } catch (err) {
      if (isTesseraError(err) && err.code !== 'ERR_STORE_INPUT_INVALID') throw err;
      return corrupt(path, (err as Error).message, err);
    }
  };
  let state = await load();
  let queue: Pending<T>[] = [];
  let running: Promise<void> | undefined;
  let closed = false;

  const drain = async (): Promise<void> => {
    while (queue.length > 0) {
      const batch = queue;
      queue = [];
      const outcomes: Array<{ ok: true; value: unknown; changed: boolean } | { ok: false; err: unknown }> = [];
      for (const p of batch) {
        try {
          const r = p.change(state);
          outcomes.push({ ok: true, value: r.result, changed: r.changed });
        } catch (err) {
          outcomes.push({ ok: false, err });
        }
      }
      let writeError: unknown;
      if (outcomes.some((o) => o.ok && o.changed)) {
        try {
          await writeFileAtomic(path, `${JSON.stringify(options.encode(state))}\n`);
        } catch (err) {
          writeError = err;
          // Memory ran ahead of the disk: go back to what the disk holds.
          state = await load().catch(() => state);
        }
      }
      batch.forEach((p, i) => {
        const o = outcomes[i]!;
        if (!o.ok) p.reject(o.err);
        else if (writeError !== undefined && o.changed) p.reject(writeError);
        else p.resolve(o.value);
      });
    }
  };

  const kick = (): void => {
    if (running !== undefined) return;
    // Start on the next microtask so changes queued in the same tick share one write.
    running = Promise.resolve()
      .then(drain)
      .finally(() => {
        running = undefined;
        if (queue.length > 0) kick();
      });
  };

  return {
    current: () => state,
    mutate<R>(change: (s: T) => { result: R; changed: boolean }): Promise<R> {
      if (closed)
        return Promise.reject(tokenServiceErrors.create('ERR_STORE_UNAVAILABLE', `the store for ${path} is closed`));
      return new Promise<R>((resolve, reject) => {
        queue.push({ change, resolve: resolve as (v: unknown) => void, reject });
        kick();
      });
    },
    async close() {
      closed = true;
      while (running !== undefined) await running;
    },
  };
}
