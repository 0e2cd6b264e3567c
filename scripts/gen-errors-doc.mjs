#!/usr/bin/env node
// Prints the code tables of docs/errors.md from every package's error table (`defineErrors`), to
// paste or diff: `node scripts/gen-errors-doc.mjs`. test/errors-doc.test.ts keeps the page and the
// tables in step. The tables are TypeScript, so the script runs itself again under tsx with the
// `tessera-source` condition (each package's exports map then points at its src/).
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

if (process.env.TESSERA_GEN_ERRORS_DOC !== '1') {
  const r = spawnSync(
    process.execPath,
    ['--conditions=tessera-source', '--import', 'tsx', fileURLToPath(import.meta.url), ...process.argv.slice(2)],
    { stdio: 'inherit', env: { ...process.env, TESSERA_GEN_ERRORS_DOC: '1' } },
  );
  process.exit(r.status ?? 1);
}

// Every package's table, in the order of docs/errors.md, with the file that declares it.
const tables = [
  ['packages/core/src/errors/errors.ts', (await import('@tessera/core')).coreErrors],
  ['packages/token-service/src/errors.ts', (await import('@tessera/token-service')).tokenServiceErrors],
  ['packages/gateway/src/errors.ts', (await import('@tessera/gateway')).gatewayErrors],
  ['packages/cli/src/errors.ts', (await import('@tessera/cli')).cliErrors],
];

/** The "meaning" cell: a deprecated code says so first, and names the code to use instead. */
function meaning(spec) {
  if (spec.replacedBy !== undefined) return `**Deprecated:** use \`${spec.replacedBy}\`. ${spec.description}`;
  if (spec.deprecated !== undefined) return `**Deprecated:** ${spec.deprecated} Was: ${spec.description}`;
  return spec.description;
}

const header = '| code | status | meaning |\n|---|---:|---|';
for (const [file, table] of tables) {
  const entries = Object.entries(table).filter(([code]) => code.startsWith('ERR_'));
  const row = ([code, spec]) => `| \`${code}\` | ${spec.status} | ${meaning(spec).replaceAll('|', '\\|')} |`;
  const live = entries.filter(([, s]) => s.replacedBy === undefined && s.deprecated === undefined);
  const deprecated = entries.filter(([, s]) => s.replacedBy !== undefined || s.deprecated !== undefined);
  console.log(`\n## ${file}\n\n${header}\n${live.map(row).join('\n')}`);
  if (deprecated.length > 0) console.log(`\n### Deprecated\n\n${header}\n${deprecated.map(row).join('\n')}`);
}
