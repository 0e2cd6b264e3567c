import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { ScryptFunction } from './secret-hash.js';

/** Parameters of an argon2 hash (`@node-rs/argon2`'s options). */
export interface Argon2Options {
  readonly algorithm: number;
  readonly memoryCost: number;
  readonly timeCost: number;
  readonly parallelism: number;
}

/**
 * Threads that run scrypt and argon2 for secret and password checks, below everything else in CPU
 * priority. Jobs beyond the thread count wait in order.
 */
export interface HashWorkers {
  /** Derives an scrypt key in a worker thread. */
  readonly scrypt: ScryptFunction;
  /** Checks a password against an argon2 PHC string in a worker thread. */
  argon2Verify(hash: string, password: string): Promise<boolean>;
  /** Hashes a password with argon2 in a worker thread; the PHC string. */
  argon2Hash(password: string, options: Argon2Options): Promise<string>;
  /** Ends the threads (jobs still waiting are rejected). */
  close(): Promise<void>;
}

// The worker's whole program, evaluated as CommonJS (`eval: true`), so it needs no file of its own
// in the source tree and the compiled package alike. On Linux the nice value is per thread, and a
// thread may always lower its own priority: at 19 it runs only on CPU time nothing else wants, so
// a flood of guesses cannot slow the event loop or the signing threads (hardening issue). On other
// systems the call fails quietly and the thread runs at normal priority.
// argon2 (`@node-rs/argon2`, a native addon) is loaded by its resolved path, given as workerData,
// and only when a password job comes: a service that checks client secrets alone never loads it.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { scryptSync } = require('node:crypto');
try {
  const tid = Number(require('node:fs').readlinkSync('/proc/thread-self').split('/').pop());
  if (Number.isInteger(tid) && tid > 0) require('node:os').setPriority(tid, 19);
} catch {}
let argon2;
parentPort.on('message', (job) => {
  try {
    let value;
    if (job.kind === 'scrypt') value = scryptSync(job.secret, Buffer.from(job.salt), job.keyLength, job.options);
    else {
      argon2 = argon2 || require(workerData.argon2);
      value = job.kind === 'argon2-verify' ? argon2.verifySync(job.hash, job.password) : argon2.hashSync(job.password, job.options);
    }
    parentPort.postMessage({ id: job.id, value });
  } catch (error) {
    parentPort.postMessage({ id: job.id, error: String(error && error.message) });
  }
});
`;

const ARGON2 = createRequire(import.meta.url).resolve('@node-rs/argon2');

interface Job {
  readonly id: number;
  readonly message: Record<string, unknown>;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: Error) => void;
}

/**
 * Creates `size` low-priority threads for scrypt and argon2 (started on first use). Node's own `crypto.scrypt`
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
    const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { argon2: ARGON2 } });
    // Never keeps the process alive: a service that is not closed still exits.
    worker.unref();
    worker.on('message', (answer: { id: number; value?: unknown; error?: string }) => {
      const job = running.get(worker);
      running.delete(worker);
      if (job !== undefined && job.id === answer.id) {
        if (answer.error === undefined) job.resolve(answer.value);
        else job.reject(new Error(answer.error));
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

  /** Queues one job; resolves with what the worker answered. */
  function run(message: Record<string, unknown>): Promise<unknown> {
    if (closed) return Promise.reject(new Error('the hash workers are closed'));
    return new Promise((resolve, reject) => {
      const id = nextId++;
      queue.push({ id, message: { ...message, id }, resolve, reject });
      pump();
    });
  }

  return {
    scrypt: async (secret, salt, keyLength, params) =>
      Buffer.from((await run({ kind: 'scrypt', secret, salt, keyLength, options: params })) as Uint8Array),
    argon2Verify: async (hash, password) => (await run({ kind: 'argon2-verify', hash, password })) === true,
    argon2Hash: async (password, options) => String(await run({ kind: 'argon2-hash', password, options })),
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
