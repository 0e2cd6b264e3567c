#!/usr/bin/env node
// Runs every test in the repository with node:test through tsx (ARCHITECTURE.md, "Tests").
// Node 20's --test does not discover .ts files by itself, so the files are listed here.
// The CLI tests spawn the compiled bin, so the build runs first (incremental: about half a second
// when nothing changed).
// Usage: node scripts/run-tests.mjs [path-filter ...]
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { spawnSync } from 'node:child_process';

const root = new URL('..', import.meta.url).pathname;
const roots = ['packages', 'test', 'examples', 'scripts', 'apps'];
const skip = new Set(['node_modules', 'dist', '.tessera', 'fixtures-out']);

function collect(dir, out) {
  let entries;
  try {
    entries = readdirSync(dir);
  } catch {
    return out;
  }
  for (const name of entries) {
    if (skip.has(name)) continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) collect(path, out);
    else if (/\.test\.(ts|mjs)$/.test(name)) out.push(relative(root, path));
  }
  return out;
}

const filters = process.argv.slice(2);
const files = roots
  .flatMap((r) => collect(join(root, r), []))
  .filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)))
  .sort();
if (files.length === 0) {
  console.error('no test files found');
  process.exit(1);
}
const build = spawnSync(process.execPath, [join(root, 'scripts/build.mjs')], { cwd: root, stdio: 'inherit' });
if (build.status !== 0) process.exit(build.status ?? 1);
// Tests that load the whole machine (the scale-out proof: a dozen processes under steady load) run
// after the others, alone: beside them, timing-sensitive tests of other files would see a starved
// machine rather than their own behaviour.
const alone = (f) => /scale-out\.test\./.test(f);
// A test that has not ended after three minutes fails with its name rather than holding the whole
// run until CI stops it (the slowest, the scale-out proof, takes under a minute).
const run = (batch) =>
  batch.length === 0
    ? 0
    : (spawnSync(
        process.execPath,
        [
          '--conditions=tessera-source',
          '--import',
          'tsx',
          '--test',
          '--test-concurrency=2',
          '--test-timeout=180000',
          ...batch,
        ],
        { cwd: root, stdio: 'inherit' },
      ).status ?? 1);
const shared = run(files.filter((f) => !alone(f)));
const solo = run(files.filter(alone));
process.exit(shared !== 0 ? shared : solo);
