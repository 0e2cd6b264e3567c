// One process per data directory: the file back-end keeps each document in memory and its write
// lock is in-process, so a second process writing the same files would silently lose updates.
// A `lock` file created with O_EXCL holds the owner's pid; a lock whose process is gone is stale
// and taken over. Several storages inside one process share the directory (tests reopen it).
import { open, readFile, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { tokenServiceErrors } from '../../errors.js';

const held = new Map<string, number>();

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: the process exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Takes the data directory's lock; resolves to its release function. */
export async function lockDataDir(dataDir: string): Promise<() => Promise<void>> {
  const path = join(dataDir, 'lock');
  const count = held.get(path) ?? 0;
  if (count === 0) {
    for (let attempt = 0; ; attempt += 1) {
      try {
        const handle = await open(path, 'wx', 0o600);
        await handle.writeFile(`${process.pid}\n`);
        await handle.close();
        break;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') {
          throw tokenServiceErrors.create('ERR_STORE_UNAVAILABLE', `cannot create ${path}: ${(err as Error).message}`, {
            cause: err,
          });
        }
        const owner = Number.parseInt(await readFile(path, 'utf8').catch(() => ''), 10);
        if (owner === process.pid) break;
        if (Number.isSafeInteger(owner) && owner > 0 && alive(owner)) {
          throw tokenServiceErrors.create(
            'ERR_STORE_UNAVAILABLE',
            `the data directory ${dataDir} is in use by process ${owner} (${path}); the file back-end serves one process — use postgres for several replicas, or delete the lock file if that process is not Tessera`,
          );
        }
        if (attempt > 2) throw tokenServiceErrors.create('ERR_STORE_UNAVAILABLE', `cannot take the stale lock ${path}`);
        await unlink(path).catch(() => undefined);
      }
    }
  }
  held.set(path, count + 1);
  let released = false;
  return async () => {
    if (released) return;
    released = true;
    const left = (held.get(path) ?? 1) - 1;
    if (left > 0) {
      held.set(path, left);
      return;
    }
    held.delete(path);
    await unlink(path).catch(() => undefined);
  };
}
