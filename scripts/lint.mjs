#!/usr/bin/env node
// `npm run lint`: every check of the code's shape, over the whole tree, each named as it runs.
// 1. Prettier (format), 2. tsc --noEmit (strict types), 3. ESLint (typescript-eslint
// recommendedTypeChecked + promise and switch rules), 4. dependency-cruiser (the arrows of
// ARCHITECTURE.md: .dependency-cruiser.cjs), 5. the rules no tool states: Go's internal/ rule,
// index.ts files only re-export, no console.log in library code.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { spawnSync } from 'node:child_process';

const root = new URL('..', import.meta.url).pathname;
const TREE = ['packages', 'apps', 'examples', 'bench', 'test', 'scripts'];
const bin = (name) => join(root, 'node_modules', '.bin', name);
const failed = [];

function run(label, command, args, { capture = false } = {}) {
  const started = performance.now();
  const r = spawnSync(command, args, {
    cwd: root,
    stdio: capture ? ['ignore', 'pipe', 'inherit'] : 'inherit',
    encoding: 'utf8',
    maxBuffer: 64 << 20,
  });
  const ok = r.status === 0;
  if (!ok) failed.push(label);
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${label} (${((performance.now() - started) / 1000).toFixed(1)} s)`);
  return r.stdout;
}

run('format: prettier --check', bin('prettier'), ['--check', '--log-level', 'warn', '.']);
run('types: tsc --noEmit (strict)', bin('tsc'), ['-p', 'tsconfig.json', '--noEmit']);
run('types: the console (DOM, Preact)', bin('tsc'), ['-p', 'apps/console/tsconfig.json', '--noEmit']);
run('rules: eslint, zero warnings', bin('eslint'), ['--max-warnings', '0', '.']);

// One cruise: its own rules, then the internal/ rule on the same module graph.
const cruise = run(
  'arrows: dependency-cruiser',
  bin('depcruise'),
  [...TREE, '--config', '.dependency-cruiser.cjs', '--output-type', 'json'],
  { capture: true },
);
const problems = [];
if (cruise) {
  const graph = JSON.parse(cruise);
  for (const v of graph.summary.violations) problems.push(`${v.from} → ${v.to}: ${v.rule.name}`);
  // Go's rule: a folder's internal/ is private to that folder and its subfolders.
  for (const m of graph.modules) {
    for (const d of m.dependencies) {
      if (d.coreModule || d.resolved.startsWith('node_modules/')) continue;
      const at = d.resolved.lastIndexOf('/internal/');
      if (at !== -1 && !m.source.startsWith(`${d.resolved.slice(0, at)}/`)) {
        problems.push(`${m.source} → ${d.resolved}: no-foreign-internal (another folder's internal/)`);
      }
    }
  }
}

function walk(dir, fn) {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name === 'dist') continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, fn);
    else if (p.endsWith('.ts')) fn(p);
  }
}
/** The subpaths a workspace package publishes in its `exports` (`./errors`): importing them is public. */
function publicSubpaths(name) {
  const dir = join(root, 'packages', name.replace('@tessera/', ''));
  const exports = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).exports ?? {};
  return new Set(Object.keys(exports).filter((key) => key !== '.'));
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
    if (!publicSubpaths(m[1]).has(`./${m[2]}`)) problems.push(`${rel}: imports internals ${m[1]}/${m[2]}`);
  if (
    /^(?!\s*\*).*\bconsole\.log\(/m.test(text) &&
    rel.includes('/src/') &&
    !rel.includes('/cli/') &&
    !rel.endsWith('.test.ts')
  ) {
    problems.push(`${rel}: console.log in library code (use the logger)`);
  }
});
for (const p of problems) console.error(`  ${p}`);
if (problems.length > 0) failed.push('repository rules');
console.log(
  `${problems.length === 0 ? 'ok  ' : 'FAIL'} repository rules: internal/ folders, index.ts re-exports only, no console.log in libraries`,
);

if (failed.length > 0) {
  console.error(`lint failed: ${failed.join(', ')}`);
  process.exit(1);
}
console.log(`lint passed: format, types, rules and arrows over ${TREE.join(', ')}`);
