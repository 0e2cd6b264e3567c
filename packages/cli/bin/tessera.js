#!/usr/bin/env node
// Launcher for the `tessera` command: runs the compiled CLI (dist/). In a clone of the repository,
// `npm install` builds it (the root `prepare` script) and `npm run build` brings it up to date after
// an edit; a missing build is said as such rather than as a module-not-found stack.
import { existsSync } from 'node:fs';

const bin = new URL('../dist/bin.js', import.meta.url);
if (!existsSync(bin)) {
  process.stderr.write('tessera: the CLI is not built (no dist/bin.js); in the repository, run: npm run build\n');
  process.exit(1);
}
await import(bin.href);
