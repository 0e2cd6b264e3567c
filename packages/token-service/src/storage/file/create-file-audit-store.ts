import { open, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import type { Clock } from '@tessera/core';
import { tokenServiceErrors } from '../../errors.js';
import type { Closable } from '../internal/closable.js';
import { corrupt, ensureDir } from '../internal/json-document.js';
import { forEachLine, readLastLines } from '../internal/jsonl-log.js';
import { checkAudit, checkAuditFilters, checkLimit, checkSeq, checkTime } from '../internal/validate.js';
import type { AuditEntry, AuditStore } from '../types.js';

/** Options of {@link createFileAuditStore}. */
export interface FileAuditStoreOptions {
  readonly dataDir: string;
  readonly clock?: Clock;
}

function parseLine(where: string, line: string, previousSeq: number | undefined): AuditEntry {
  let e: AuditEntry;
  try {
    e = JSON.parse(line) as AuditEntry;
  } catch (err) {
    return corrupt(where, 'not valid JSON', err);
  }
  if (
    typeof e !== 'object' ||
    e === null ||
    !Number.isSafeInteger(e.seq) ||
    e.seq <= (previousSeq ?? 0) ||
    typeof e.action !== 'string' ||
    typeof e.at !== 'number'
  ) {
    corrupt(where, 'not an audit record in sequence');
  }
  return e;
}

/**
 * The `file` audit log: `<dataDir>/audit.jsonl`, one JSON record per line, appended (never
 * rewritten) and fsynced; concurrent appends are batched into one write under an in-process lock,
 * in call order, and each gets the next `seq`.
 *
 * @example
 * ```ts
 * const audit = await createFileAuditStore({ dataDir: './.tessera' });
 * await audit.append({ actor: 'admin', action: 'client.created', target: 'billing' });
 * ```
 */
export async function createFileAuditStore(options: FileAuditStoreOptions): Promise<AuditStore & Closable> {
  if (typeof options?.dataDir !== 'string' || options.dataDir === '')
    throw tokenServiceErrors.create('ERR_STORE_CONFIG_INVALID', 'file audit store: dataDir is required');
  const clock = options.clock ?? Date.now;
  await ensureDir(options.dataDir);
  const path = join(options.dataDir, 'audit.jsonl');
  // Only the last line is read at start (for the next seq); a long log costs nothing to open.
  const last = (await readLastLines(path, 1))[0];
  let seq = last === undefined ? 0 : parseLine(`${path} (last line)`, last, undefined).seq;
  let handle: FileHandle | undefined;
  let closed = false;
  // One chain serialises appends and reads, so a read never sees half a line.
  let chain: Promise<unknown> = Promise.resolve();
  let batch: Array<{
    line: string;
    entry: AuditEntry;
    resolve: (e: AuditEntry) => void;
    reject: (err: unknown) => void;
  }> = [];

  const serial = <T>(work: () => Promise<T>): Promise<T> => {
    const run = chain.then(work, work);
    chain = run.catch(() => undefined);
    return run;
  };

  const flush = async (): Promise<void> => {
    const items = batch;
    batch = [];
    if (items.length === 0) return;
    try {
      handle ??= await open(path, 'a', 0o600);
      await handle.appendFile(items.map((i) => i.line).join(''), 'utf8');
      await handle.sync();
      for (const i of items) i.resolve(i.entry);
    } catch (err) {
      const e = tokenServiceErrors.create(
        'ERR_STORE_UNAVAILABLE',
        `cannot append to ${path}: ${(err as Error).message}`,
        { cause: err },
      );
      for (const i of items) i.reject(e);
    }
  };

  return {
    async append(input) {
      if (closed) throw tokenServiceErrors.create('ERR_STORE_UNAVAILABLE', 'the audit store is closed');
      const checked = checkAudit(input, clock());
      seq += 1;
      const entry: AuditEntry = { seq, ...checked };
      return new Promise<AuditEntry>((resolve, reject) => {
        batch.push({ line: `${JSON.stringify(entry)}\n`, entry, resolve, reject });
        if (batch.length === 1) void serial(flush);
      });
    },
    async list(opts) {
      const since = opts?.since === undefined ? undefined : checkTime('since', opts.since);
      const limit = checkLimit(opts?.limit, 100, 1000);
      if (opts?.order !== undefined && opts.order !== 'asc' && opts.order !== 'desc')
        throw tokenServiceErrors.create('ERR_STORE_INPUT_INVALID', 'order must be "asc" or "desc"');
      const desc = opts?.order === 'desc';
      checkAuditFilters(opts);
      const after = opts?.afterSeq === undefined ? undefined : checkSeq('afterSeq', opts.afterSeq);
      const before = opts?.beforeSeq === undefined ? undefined : checkSeq('beforeSeq', opts.beforeSeq);
      const { actor, actionPrefix } = opts ?? {};
      const filtered = after !== undefined || before !== undefined || actor !== undefined || actionPrefix !== undefined;
      const wanted = (e: AuditEntry) =>
        (after === undefined || e.seq > after) &&
        (before === undefined || e.seq < before) &&
        (actor === undefined || e.actor === actor) &&
        (actionPrefix === undefined || e.action.startsWith(actionPrefix));
      return serial(async () => {
        if (desc && since === undefined && !filtered) {
          // The common admin query (newest first) reads only the end of the log.
          const entries: AuditEntry[] = [];
          for (const line of await readLastLines(path, limit))
            entries.push(parseLine(`${path} (near the end)`, line, entries.at(-1)?.seq));
          return entries.reverse();
        }
        const out: AuditEntry[] = [];
        let prev: number | undefined;
        await forEachLine(path, (line, n) => {
          const e = parseLine(`${path}:${n}`, line, prev);
          prev = e.seq;
          if (since !== undefined && e.at < since) return true;
          // The log is in seq order: past `before`, nothing more can match.
          if (before !== undefined && e.seq >= before) return false;
          if (!wanted(e)) return true;
          out.push(e);
          if (desc && out.length > limit) out.shift();
          return desc || out.length < limit;
        });
        return desc ? out.reverse() : out;
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
