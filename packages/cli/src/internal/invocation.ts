import { basename, relative, sep } from 'node:path';

/**
 * How to run `tessera` again from the current directory, for the commands a server prints: the
 * way this process was started. Through npm's bin link in a project (`node_modules/.bin/tessera`):
 * `npx tessera`; a global install (`tessera` on the PATH): `tessera`; the repository's launcher or
 * the compiled bin: `node <path to it>`.
 *
 * @example
 * ```ts
 * note(`${invocation()} token decode "$TOKEN"`);
 * ```
 */
export function invocation(script: string | undefined = process.argv[1], cwd: string = process.cwd()): string {
  if (script === undefined) return 'tessera';
  if (script.split(sep).includes('node_modules')) return 'npx tessera';
  if (basename(script) === 'tessera') return 'tessera';
  const path = relative(cwd, script);
  return `node ${path.includes(' ') ? JSON.stringify(path) : path}`;
}
