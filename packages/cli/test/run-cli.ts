// Test helper: runs the real `tessera` launcher as a child process.
import { spawn, type ChildProcess } from 'node:child_process';

export const launcher = new URL('../bin/tessera.js', import.meta.url).pathname;

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `tessera ...args` to completion, feeding `input` on stdin. */
export function runTessera(
  args: string[],
  options: {
    input?: string;
    env?: Record<string, string>;
    cwd?: string;
    obeyFilePermissions?: boolean;
    /** Another `tessera` bin to run (an installed one); the repository's launcher by default. */
    bin?: string;
  } = {},
): Promise<CliResult> {
  // Root reads any file (CAP_DAC_OVERRIDE): to see a permission error as a user would, the CLI runs
  // without the two capabilities that bypass file permissions (setpriv, util-linux).
  const asRoot = options.obeyFilePermissions === true && process.getuid?.() === 0;
  const [command, prefix] = asRoot
    ? ['setpriv', ['--bounding-set=-dac_override,-dac_read_search', process.execPath]]
    : [process.execPath, []];
  return new Promise((resolve, reject) => {
    const child = spawn(command, [...prefix, options.bin ?? launcher, ...args], {
      env: { ...process.env, ...options.env },
      cwd: options.cwd,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(options.input ?? '');
  });
}

/** A long-running `tessera` process (a server command). */
export interface RunningCli {
  child: ChildProcess;
  /** Resolves with the first stdout text matching `re`. */
  waitFor(re: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  output(): { stdout: string; stderr: string };
  /** Sends `signal` and resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
  /** Resolves with the exit code once the process ends by itself. */
  exited(): Promise<number | null>;
}

/** Starts `tessera ...args` without waiting for it to end. */
export function startTessera(
  args: string[],
  options: {
    env?: Record<string, string>;
    cwd?: string;
    bin?: string;
    /** Run as this uid (and gid), without supplementary groups: root only (setpriv, util-linux). */
    user?: number;
  } = {},
): RunningCli {
  const asUser =
    options.user === undefined || process.getuid?.() !== 0
      ? []
      : ['setpriv', `--reuid=${options.user}`, `--regid=${options.user}`, '--clear-groups', '--'];
  const [command, ...prefix] = [...asUser, process.execPath];
  const child = spawn(command, [...prefix, options.bin ?? launcher, ...args], {
    env: { ...process.env, ...options.env },
    cwd: options.cwd,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return {
    child,
    output: () => ({ stdout, stderr }),
    waitFor(re, timeoutMs = 30_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const m = stdout.match(re);
          if (m) {
            cleanup();
            resolve(m);
          }
        };
        const onClose = () => {
          cleanup();
          reject(new Error(`tessera exited before printing ${re}: ${stderr}`));
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(new Error(`timed out waiting for ${re}; stdout: ${stdout}; stderr: ${stderr}`));
        }, timeoutMs);
        const cleanup = () => {
          clearTimeout(timer);
          child.stdout.off('data', check);
          child.off('close', onClose);
        };
        child.stdout.on('data', check);
        child.on('close', onClose);
        check();
      });
    },
    exited: () => exited,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}
