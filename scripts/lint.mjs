#!/usr/bin/env node
// Lint = the strict type check plus the repository rules ARCHITECTURE.md states and tsc cannot:
// index.ts files hold no logic, no package imports another package's internals.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { spawnSync } from 'node:child_process';

const root = new URL('..', import.meta.url).pathname;
const problems = [];
function walk(dir, fn) {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name === 'dist') continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, fn);
    else if (p.endsWith('.ts')) fn(p);
  }
}
walk(join(root, 'packages'), (file) => {
  const text = readFileSync(file, 'utf8');
  const rel = relative(root, file);
  if (file.endsWith('/index.ts')) {
    // Drop comments and every `export … from '…';` / `import … from '…';` statement (they may span
    // lines); whatever is left is logic.
    const rest = text
      .replace(/\/\*[\s\S]*?\*\//g, '')
      .replace(/\/\/.*$/gm, '')
      .replace(/\b(export|import)\b[^;]*?from\s*'[^']+'\s*;?/g, '')
      .replace(/\bexport\s*\{\s*\}\s*;?/g, '')
      .trim();
    if (rest) problems.push(`${rel}: index.ts files only re-export (found: ${rest.split('\n')[0]})`);
  }
  for (const m of text.matchAll(/from '(@tessera\/[a-z-]+)\/([^']+)'/g))
    problems.push(`${rel}: imports internals ${m[1]}/${m[2]}`);
  if (
    /^(?!\s*\*).*\bconsole\.log\(/m.test(text) &&
    rel.includes('/src/') &&
    !rel.includes('/cli/') &&
    !rel.endsWith('.test.ts')
  )
    problems.push(`${rel}: console.log in library code (use the logger)`);
});
const tsc = spawnSync('npx', ['tsc', '-p', 'tsconfig.json', '--noEmit'], { cwd: root, stdio: 'inherit' });
for (const p of problems) console.error(p);
process.exit(problems.length || tsc.status ? 1 : 0);
