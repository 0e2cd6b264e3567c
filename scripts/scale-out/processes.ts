// Child processes of the scale-out stack: started with their output in a log file, stopped by
// signal, restarted with the same command. Each stands for one pod or one managed service.
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';

/** One process of the stack, restartable with the same command, environment and address. */
export interface StackProcess {
  readonly name: string;
  readonly pid: number | undefined;
  /** Starts it (again) and resolves once `ready` says so. */
  start(): Promise<void>;
  /** Sends `signal` and resolves once it has exited. */
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/** How to run one process and how to tell that it is ready. */
export interface ProcessSpec {
  name: string;
  command: string;
  args: string[];
  env?: Record<string, string>;
  cwd?: string;
  /** Resolves when the process serves (polled until `readyTimeoutMs`). */
  ready: () => Promise<boolean>;
  readyTimeoutMs?: number;
}

/**
 * Wraps a process spec: output is appended to `<logDir>/<name>.log`, so a failed run can be read
 * afterwards.
 *
 * @example
 * ```ts
 * const redis = stackProcess({ name: 'redis', command: 'redis-server', args, ready }, logDir);
 * await redis.start();
 * ```
 */
export function stackProcess(spec: ProcessSpec, logDir: string): StackProcess {
  let child: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();
  const log = createWriteStream(join(logDir, `${spec.name}.log`), { flags: 'a' });
  return {
    name: spec.name,
    get pid() {
      return child?.pid;
    },
    async start() {
      const started = spawn(spec.command, spec.args, {
        env: { ...process.env, ...spec.env },
        cwd: spec.cwd,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      child = started;
      started.stdout.pipe(log, { end: false });
      started.stderr.pipe(log, { end: false });
      exited = new Promise((resolve) => started.once('close', () => resolve()));
      const deadline = Date.now() + (spec.readyTimeoutMs ?? 30_000);
      for (;;) {
        if (started.exitCode !== null)
          throw new Error(`${spec.name} exited (${started.exitCode}): see ${log.path.toString()}`);
        if (await spec.ready().catch(() => false)) return;
        if (Date.now() > deadline) throw new Error(`${spec.name} not ready in time: see ${log.path.toString()}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    async stop(signal = 'SIGTERM') {
      if (child !== undefined && child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
  };
}

/** A free TCP port on `host` (the kernel picks it; the caller binds it right after). */
export function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, host, () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** GET `url` and say whether it answered 200 within a second. */
export async function answers200(url: string): Promise<boolean> {
  const res = await fetch(url, { signal: AbortSignal.timeout(1000) });
  await res.body?.cancel();
  return res.status === 200;
}
