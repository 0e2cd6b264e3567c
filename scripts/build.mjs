#!/usr/bin/env node
// Compiles the packages and the examples to JavaScript (`dist/` in each), incrementally: `tsc -b`
// rebuilds only the projects whose sources changed (about half a second when nothing did), so
// `npm test` and `npm install` (prepare) run it every time. The examples' YAML policies are copied
// beside their compiled code, which reads them relative to itself.
// Usage: node scripts/build.mjs
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
const built = spawnSync(process.execPath, [tsc, '-b', 'tsconfig.build.json'], { cwd: root, stdio: 'inherit' });
if (built.status !== 0) {
  console.error('build failed: the TypeScript errors are above');
  process.exit(built.status ?? 1);
}

const examples = join(root, 'examples');
for (const entry of readdirSync(examples, { recursive: true, withFileTypes: true })) {
  const from = join(entry.parentPath, entry.name);
  if (!entry.isFile() || !entry.name.endsWith('.yaml') || relative(examples, from).startsWith('dist')) continue;
  const to = join(examples, 'dist', relative(examples, from));
  mkdirSync(dirname(to), { recursive: true });
  copyFileSync(from, to);
}
