// Reading append-only JSON-lines logs without loading them whole: the newest lines from the end,
// or every line streamed from the start.
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { tokenServiceErrors } from '../../errors.js';
import { corrupt } from './json-document.js';

const CHUNK = 64 * 1024;

/**
 * The last `count` complete lines of `path` in file order (none when the file is missing or
 * empty). A file that does not end with a newline was cut mid-append: ERR_STORE_CORRUPT.
 */
export async function readLastLines(path: string, count: number): Promise<string[]> {
  let handle;
  try {
    handle = await open(path, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw tokenServiceErrors.create('ERR_STORE_UNAVAILABLE', `cannot read ${path}: ${(err as Error).message}`, {
      cause: err,
    });
  }
  try {
    const { size } = await handle.stat();
    if (size === 0) return [];
    let position = size;
    let tail = Buffer.alloc(0);
    let lines: string[] = [];
    while (position > 0) {
      const length = Math.min(CHUNK, position);
      position -= length;
      const chunk = Buffer.alloc(length);
      await handle.read(chunk, 0, length, position);
      tail = Buffer.concat([chunk, tail]);
      if (position === size - length && tail[tail.length - 1] !== 0x0a) corrupt(path, 'the last line is incomplete');
      // Lines are complete once a newline before them has been seen (or the file start reached).
      const text = tail.toString('utf8');
      const parts = text.slice(0, -1).split('\n');
      lines = position === 0 ? parts : parts.slice(1);
      if (lines.length >= count) break;
    }
    return lines.slice(-count);
  } finally {
    await handle.close();
  }
}

/** Streams the lines of `path` from the start; `visit` returns false to stop. Missing file = no lines. */
export async function forEachLine(
  path: string,
  visit: (line: string, lineNumber: number) => boolean | void,
): Promise<void> {
  const stream = createReadStream(path, { encoding: 'utf8' });
  const opened = new Promise<boolean>((resolve, reject) => {
    stream.once('open', () => resolve(true));
    stream.once('error', (err: NodeJS.ErrnoException) => (err.code === 'ENOENT' ? resolve(false) : reject(err)));
  });
  let exists: boolean;
  try {
    exists = await opened;
  } catch (err) {
    throw tokenServiceErrors.create('ERR_STORE_UNAVAILABLE', `cannot read ${path}: ${(err as Error).message}`, {
      cause: err,
    });
  }
  if (!exists) return;
  const rl = createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY });
  let n = 0;
  try {
    for await (const line of rl) {
      n += 1;
      if (visit(line, n) === false) break;
    }
  } finally {
    rl.close();
    stream.destroy();
  }
}
