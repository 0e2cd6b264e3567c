#!/usr/bin/env node
// Compiles the packages and the examples to JavaScript (`dist/` in each), incrementally: `tsc -b`
// rebuilds only the projects whose sources changed (about half a second when nothing did), so
// `npm test` and `npm install` (prepare) run it every time. The examples' YAML policies are copied
// beside their compiled code, which reads them relative to itself. The web console (apps/console)
// is built with Vite into the token service's console/ folder when its sources are newer than the
// last build (about a second when they are), so the token service always serves the console its
// sources describe.
// Usage: node scripts/build.mjs
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { gzipSync } from 'node:zlib';

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

// The console: rebuilt when a source (or its build configuration) is newer than the built index.html.
const consoleApp = join(root, 'apps/console');
const consoleOut = join(root, 'packages/token-service/console/index.html');
const newest = (dir) =>
  Math.max(
    ...readdirSync(dir, { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile())
      .map((e) => statSync(join(e.parentPath, e.name)).mtimeMs),
  );
if (existsSync(consoleApp)) {
  const sources = Math.max(
    newest(join(consoleApp, 'src')),
    ...['index.html', 'vite.config.ts', 'package.json'].map((f) => statSync(join(consoleApp, f)).mtimeMs),
  );
  if (!existsSync(consoleOut) || statSync(consoleOut).mtimeMs < sources) {
    const vitePackage = createRequire(join(consoleApp, 'package.json')).resolve('vite/package.json');
    const vite = join(dirname(vitePackage), JSON.parse(readFileSync(vitePackage, 'utf8')).bin.vite);
    const console_ = spawnSync(process.execPath, [vite, 'build', '--logLevel', 'warn'], {
      cwd: consoleApp,
      stdio: 'inherit',
    });
    if (console_.status !== 0) {
      console.error('console build failed: the errors are above');
      process.exit(console_.status ?? 1);
    }
    // The budget: the whole console's JavaScript within 120 KB gzipped (reported, not enforced).
    const assets = join(dirname(consoleOut), 'assets');
    const gz = (ext) =>
      readdirSync(assets)
        .filter((f) => f.endsWith(ext))
        .reduce((sum, f) => sum + gzipSync(readFileSync(join(assets, f)), { level: 9 }).length, 0);
    const kb = (n) => `${(n / 1024).toFixed(1)} KB`;
    console.log(`console built: JavaScript ${kb(gz('.js'))} gzipped (budget 120 KB), CSS ${kb(gz('.css'))} gzipped`);
  }
}
