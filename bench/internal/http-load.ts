// The load side of the HTTP benchmarks: peers started in their own processes, autocannon in
// another, and the CPU a process tree spent (from /proc), shared by the gateway benchmarks.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/**
 * utime + stime (µs) of a process and all its descendants, from /proc (Linux); undefined elsewhere:
 * CPU per request does not depend on what else shares the cores, where requests per second do.
 *
 * @example
 * ```ts
 * const before = treeCpuMicros(child.pid);
 * ```
 */
export function treeCpuMicros(pid: number | undefined): number | undefined {
  if (pid === undefined || !existsSync(`/proc/${pid}/stat`)) return undefined;
  const tick = 1_000_000 / 100; // USER_HZ is 100 on Linux
  let total = 0;
  const visit = (p: number) => {
    try {
      const fields = readFileSync(`/proc/${p}/stat`, 'utf8').split(') ')[1]!.split(' ');
      total += (Number(fields[11]) + Number(fields[12])) * tick;
      for (const task of readdirSync(`/proc/${p}/task`)) {
        const children = readFileSync(`/proc/${p}/task/${task}/children`, 'utf8').trim();
        for (const c of children ? children.split(' ') : []) visit(Number(c));
      }
    } catch {
      // The process exited between listing and reading.
    }
  };
  visit(pid);
  return total;
}

/**
 * Starts `node <args>` and resolves once it prints `LISTENING <url>`.
 *
 * @example
 * ```ts
 * const upstream = await startProcess(['--import', 'tsx', 'bench/internal/gateway-upstream.ts']);
 * ```
 */
export function startProcess(
  args: string[],
  env: Record<string, string> = {},
  cwd = root,
): Promise<{ child: ChildProcess; url: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, {
      cwd,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /LISTENING (\S+)/.exec(out);
      if (m) resolve({ child, url: m[1]! });
    });
    child.once('exit', (code) => reject(new Error(`${args.join(' ')} exited with ${code} before listening`)));
  });
}

/**
 * Stops a child with SIGTERM and waits for it.
 *
 * @example
 * ```ts
 * await stop(upstream.child);
 * ```
 */
export function stop(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

/** What one autocannon run measured (latencies in ms). */
export interface LoadResult {
  readonly rps: number;
  readonly p50: number;
  readonly p99: number;
  /** Answers other than 2xx, and connection errors. */
  readonly non2xx: number;
  readonly total: number;
}

/**
 * Loads `url` with autocannon in its own process for `duration` seconds over `connections`; a GET
 * unless `request` says otherwise; `request.rate` caps requests per second in all.
 *
 * @example
 * ```ts
 * const r = await autocannon(url, { authorization: `Bearer ${token}` }, 10, 50);
 * ```
 */
export function autocannon(
  url: string,
  headers: Record<string, string>,
  duration: number,
  connections: number,
  request: { readonly method?: string; readonly body?: string; readonly rate?: number } = {},
): Promise<LoadResult> {
  const args = [
    join(root, 'node_modules/autocannon/autocannon.js'),
    '-c',
    String(connections),
    ...(request.rate === undefined ? [] : ['-R', String(request.rate)]),
    '-d',
    String(duration),
    '-j',
    ...(request.method === undefined ? [] : ['-m', request.method]),
    ...(request.body === undefined ? [] : ['-b', request.body]),
  ];
  for (const [k, v] of Object.entries(headers)) args.push('-H', `${k}=${v}`);
  args.push(url);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.once('exit', (code) => {
      if (code !== 0) return reject(new Error(`autocannon exited with ${code}`));
      const r = JSON.parse(out) as {
        requests: { average: number; total: number };
        latency: { p50: number; p99: number };
        non2xx: number;
        errors: number;
      };
      resolve({
        rps: r.requests.average,
        p50: r.latency.p50,
        p99: r.latency.p99,
        non2xx: r.non2xx + r.errors,
        total: r.requests.total,
      });
    });
  });
}
