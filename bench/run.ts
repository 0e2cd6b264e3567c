// `npm run bench [name-filter ...]`: runs every bench/*.bench.ts in sequence (or those whose file
// name contains one of the filters). A bench module exports a default async function that prints
// its table; benchmarks never run in tests (ARCHITECTURE.md, "Tests").
import { readdirSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { dirname, join } from 'node:path';

const dir = dirname(fileURLToPath(import.meta.url));
const filters = process.argv.slice(2);
const files = readdirSync(dir)
  .filter((name) => name.endsWith('.bench.ts'))
  .filter((name) => filters.length === 0 || filters.some((f) => name.includes(f)))
  .sort();
if (files.length === 0) {
  console.error(`no benchmark matches ${filters.join(', ') || '(none found)'}`);
  process.exit(1);
}
console.log(`node ${process.version}, OpenSSL ${process.versions.openssl}, ${new Date().toISOString()}`);
for (const name of files) {
  console.log(`\n## ${name}\n`);
  const module = (await import(pathToFileURL(join(dir, name)).href)) as { default?: () => Promise<void> | void };
  if (typeof module.default === 'function') await module.default();
}
