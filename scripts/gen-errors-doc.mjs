#!/usr/bin/env node
// Prints the table rows of docs/errors.md from every package's errors.ts, to paste or diff.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
const root = new URL('..', import.meta.url).pathname;
function walk(dir, out = []) {
  for (const n of readdirSync(dir)) {
    if (n === 'node_modules' || n === 'dist') continue;
    const p = join(dir, n);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (n === 'errors.ts') out.push(p);
  }
  return out;
}
for (const file of walk(join(root, 'packages'))) {
  console.log(`\n## ${relative(root, file)}\n\n| code | status | meaning |\n|---|---:|---|`);
  for (const m of readFileSync(file, 'utf8').matchAll(
    /^\s*(ERR_[A-Z0-9_]+):\s*\{\s*status:\s*(\d{3}),\s*description:\s*'((?:[^'\\]|\\.)*)'/gm,
  )) {
    console.log(`| \`${m[1]}\` | ${m[2]} | ${m[3].replace(/\\'/g, "'")} |`);
  }
}
