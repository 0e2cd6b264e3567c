import { readFile } from 'node:fs/promises';
import { cliErrors } from '../errors.js';

/** Writes one line (or block) to stdout. */
export function out(text: string): void {
  process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
}

/** Writes a progress or status line to stderr, so stdout stays clean data. */
export function note(text: string): void {
  process.stderr.write(text.endsWith('\n') ? text : `${text}\n`);
}

/** Reads a file given on the command line (`-` is stdin), or fails with `ERR_CLI_INPUT_INVALID`. */
export async function readInput(path: string, what: string): Promise<string> {
  try {
    if (path === '-') {
      // An interactive terminal would wait forever: say what is missing instead.
      if (process.stdin.isTTY)
        throw cliErrors.create('ERR_CLI_USAGE', `no ${what} given: pass it as an argument or pipe it on stdin`);
      const chunks: Buffer[] = [];
      for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
      return Buffer.concat(chunks).toString('utf8');
    }
    return await readFile(path, 'utf8');
  } catch (error) {
    if ((error as { code?: string }).code === 'ERR_CLI_USAGE') throw error;
    const code = (error as NodeJS.ErrnoException).code;
    throw cliErrors.create(
      'ERR_CLI_INPUT_INVALID',
      `cannot read ${what} ${JSON.stringify(path)}: ${code ?? (error as Error).message}`,
      {
        details: { hint: fileErrorHint(code) },
      },
    );
  }
}

/** What to do about a file that cannot be read, by its `errno` code: the path, its permissions, or its kind. */
export function fileErrorHint(code: string | undefined): string {
  if (code === 'EACCES' || code === 'EPERM')
    return 'check the permissions: the file and every folder above it must be readable by this user';
  if (code === 'EISDIR') return 'give a file, not a folder';
  if (code === 'ENOTDIR') return 'a part of the path is a file where a folder should be';
  return 'check the path';
}

/** Parses JSON read from `source`, or fails with `ERR_CLI_INPUT_INVALID` naming it. */
export function parseJson(text: string, source: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw cliErrors.create('ERR_CLI_INPUT_INVALID', `${source} is not valid JSON: ${(error as Error).message}`, {
      details: { hint: 'check the file contents' },
    });
  }
}

/** Parses a port option (0–65535). */
export function parsePort(value: string): number {
  const port = Number(value);
  if (!/^\d{1,5}$/.test(value) || port > 65535)
    throw cliErrors.create('ERR_CLI_USAGE', `invalid port ${JSON.stringify(value)}: expected 0-65535`);
  return port;
}

/** Parses a positive integer option. */
export function parsePositiveInt(name: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!/^\d+$/.test(value) || n < 1)
      throw cliErrors.create('ERR_CLI_USAGE', `invalid ${name} ${JSON.stringify(value)}: expected a positive integer`);
    return n;
  };
}

/** Formats a NumericDate (seconds) as ISO time plus a relative description. */
export function describeTime(seconds: number, nowMs: number): string {
  if (!Number.isFinite(seconds)) return String(seconds);
  const iso = new Date(seconds * 1000).toISOString();
  const delta = Math.round(seconds - nowMs / 1000);
  return `${iso} (${delta >= 0 ? `in ${humanDuration(delta)}` : `${humanDuration(-delta)} ago`})`;
}

function humanDuration(s: number): string {
  if (s < 120) return `${s}s`;
  if (s < 7200) return `${Math.round(s / 60)}m`;
  if (s < 172_800) return `${Math.round(s / 3600)}h`;
  return `${Math.round(s / 86_400)}d`;
}
