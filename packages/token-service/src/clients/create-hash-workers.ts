import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { ScryptFunction } from './secret-hash.js';

/** Threads that run scrypt for secret and password checks, below everything else in CPU priority. */
export interface HashWorkers {
  /** Derives a key in a worker thread; jobs beyond the thread count wait in order. */
  readonly scrypt: ScryptFunction;
  /** Ends the threads (jobs still waiting are rejected). */
  close(): Promise<void>;
}

// The worker's whole program, evaluated as CommonJS (`eval: true`), so it needs no file of its own
// in the source tree and the compiled package alike. On Linux the nice value is per thread, and a
// thread may always lower its own priority: at 19 it runs only on CPU time nothing else wants, so
// a flood of guesses cannot slow the event loop or the signing threads (hardening issue). On other
// systems the call fails quietly and the thread runs at normal priority.
const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const { scryptSync } = require('node:crypto');
try {
  const tid = Number(require('node:fs').readlinkSync('/proc/thread-self').split('/').pop());
  if (Number.isInteger(tid) && tid > 0) require('node:os').setPriority(tid, 19);
} catch {}
parentPort.on('message', ({ id, secret, salt, keyLength, options }) => {
  try {
    const key = scryptSync(secret, Buffer.from(salt), keyLength, options);
    parentPort.postMessage({ id, key });
  } catch (error) {
    parentPort.postMessage({ id, error: String(error && error.message) });
  }
});
`;

interface Job {
  readonly id: number;
  readonly message: Record<string, unknown>;
  readonly resolve: (key: Buffer) => void;
  readonly reject: (error: Error) => void;
}

/**
 * Creates `size` low-priority threads for scrypt (started on first use). Node's own `crypto.scrypt`
 * runs on libuv's thread pool, the pool that also signs tokens, at normal priority: under a
 * guessing flood every core it can get goes to hashing. Here hashing has its own threads, at the
 * lowest priority, so the real client's token latency holds (bench: `npm run bench -- token-service`).
 *
 * @example
 * ```ts
 * const workers = createHashWorkers({ size: 1 });
 * const ok = await verifySecret(presented, client.secretHash, workers.scrypt);
 * await workers.close();
 * ```
 */
export function createHashWorkers(options: { readonly size: number }): HashWorkers {
  const idle: Worker[] = [];
  const all: Worker[] = [];
  const queue: Job[] = [];
  const running = new Map<Worker, Job>();
  let nextId = 0;
  let closed = false;

  function spawn(): Worker {
    const worker = new Worker(WORKER_SOURCE, { eval: true });
    // Never keeps the process alive: a service that is not closed still exits.
    worker.unref();
    worker.on('message', (answer: { id: number; key?: Uint8Array; error?: string }) => {
      const job = running.get(worker);
      running.delete(worker);
      if (job !== undefined && job.id === answer.id) {
        if (answer.key !== undefined) job.resolve(Buffer.from(answer.key));
        else job.reject(new Error(answer.error ?? 'scrypt failed'));
      }
      idle.push(worker);
      pump();
    });
    worker.on('error', (error) => {
      const job = running.get(worker);
      running.delete(worker);
      job?.reject(error);
      all.splice(all.indexOf(worker), 1);
      pump();
    });
    all.push(worker);
    return worker;
  }

  function pump(): void {
    while (queue.length > 0 && !closed) {
      const worker = idle.pop() ?? (all.length < options.size ? spawn() : undefined);
      if (worker === undefined) return;
      const job = queue.shift()!;
      running.set(worker, job);
      worker.postMessage(job.message);
    }
  }

  return {
    scrypt(secret, salt, keyLength, params) {
      if (closed) return Promise.reject(new Error('the hash workers are closed'));
      return new Promise<Buffer>((resolve, reject) => {
        const id = nextId++;
        queue.push({ id, message: { id, secret, salt, keyLength, options: params }, resolve, reject });
        pump();
      });
    },
    async close() {
      closed = true;
      for (const job of [...queue.splice(0), ...running.values()]) job.reject(new Error('the hash workers are closed'));
      running.clear();
      await Promise.all(all.map((w) => w.terminate()));
    },
  };
}

/**
 * The number of hash threads for `authThrottle.maxConcurrentHashes`: `auto` is half the cores, at
 * least 1 (each scrypt run keeps a core busy and takes 32 MiB).
 *
 * @example
 * ```ts
 * const size = hashThreads(config.authThrottle.maxConcurrentHashes); // 1 on a 2-core machine
 * ```
 */
export function hashThreads(setting: number | 'auto'): number {
  return setting === 'auto' ? Math.max(1, Math.floor(availableParallelism() / 2)) : setting;
}
