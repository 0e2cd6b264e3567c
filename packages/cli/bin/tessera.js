#!/usr/bin/env node
// Launcher for the `tessera` command. It runs the TypeScript sources directly, so a fresh
// `npm install` needs no build step: a tiny resolve hook adds the `development` export condition
// (every workspace package points it at `src/index.ts`), then tsx compiles TypeScript on the fly.
// One process, so signals (Ctrl-C) reach the CLI directly.
import { register } from 'node:module';
import { pathToFileURL } from 'node:url';

const hook = `export async function resolve(specifier, context, next) {
  const conditions = context.conditions.includes('development') ? context.conditions : [...context.conditions, 'development'];
  return next(specifier, { ...context, conditions });
}`;
register(`data:text/javascript,${encodeURIComponent(hook)}`, import.meta.url);
const { register: registerTsx } = await import('tsx/esm/api');
registerTsx();
await import(pathToFileURL(new URL('../src/bin.ts', import.meta.url).pathname).href);
