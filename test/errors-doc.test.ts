// Keeps docs/errors.md and every package's errors.ts in step (ARCHITECTURE.md, "Errors"): every code
// is documented with its status, a deprecated code is documented as deprecated with the code to use
// instead, and every documented, non-deprecated code is referenced by the sources (a code nothing
// throws or logs is a promise the docs cannot keep).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';
import { coreErrors, type ErrorSpec } from '@tessera/core';
import { tokenServiceErrors } from '@tessera/token-service';
import { gatewayErrors } from '@tessera/gateway';
import { cliErrors } from '@tessera/cli';

const root = new URL('..', import.meta.url).pathname;

/** Every package's table, by the file that declares it. */
const TABLES: ReadonlyMap<string, object> = new Map<string, object>([
  ['packages/core/src/errors/errors.ts', coreErrors],
  ['packages/token-service/src/errors.ts', tokenServiceErrors],
  ['packages/gateway/src/errors.ts', gatewayErrors],
  ['packages/cli/src/errors.ts', cliErrors],
]);

function filesUnder(dir: string, keep: (name: string) => boolean, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name === 'dist') continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) filesUnder(path, keep, out);
    else if (keep(name)) out.push(path);
  }
  return out;
}

/** code → spec, from every table (`defineErrors`), with the file that declares it. */
function codesInSource(): Map<string, ErrorSpec & { file: string }> {
  const codes = new Map<string, ErrorSpec & { file: string }>();
  for (const [file, table] of TABLES) {
    for (const [code, spec] of Object.entries(table) as [string, ErrorSpec][]) {
      if (!code.startsWith('ERR_')) continue; // `create`
      assert.ok(!codes.has(code), `${code} is defined twice (second time in ${file})`);
      codes.set(code, { ...spec, file });
    }
  }
  return codes;
}

interface DocRow {
  readonly status: number;
  readonly meaning: string;
}

/** code → row, from the rows `| \`ERR_X\` | 401 | meaning |` of docs/errors.md. */
function codesInDocs(): Map<string, DocRow> {
  const codes = new Map<string, DocRow>();
  const text = readFileSync(join(root, 'docs/errors.md'), 'utf8');
  for (const m of text.matchAll(/^\|\s*`(ERR_[A-Z0-9_]+)`\s*\|\s*(\d{3})\s*\|(.*)\|\s*$/gm)) {
    assert.ok(!codes.has(m[1]!), `docs/errors.md lists ${m[1]} twice`);
    codes.set(m[1]!, { status: Number(m[2]), meaning: m[3]!.trim() });
  }
  return codes;
}

/**
 * code → files, for every `ERR_*` string literal in `packages/*\/src/**\/*.ts` other than the
 * errors tables and tests (tests are not shipped: a code only a test names is still never produced).
 * String literals only, found by the TypeScript parser: comments and TSDoc do not count.
 */
function codesReferenced(): Map<string, string[]> {
  const tableFiles = new Set([...TABLES.keys()].map((f) => join(root, f)));
  const refs = new Map<string, string[]>();
  for (const pkg of readdirSync(join(root, 'packages'))) {
    const src = join(root, 'packages', pkg, 'src');
    if (!statSync(join(root, 'packages', pkg)).isDirectory()) continue;
    let files: string[];
    try {
      files = filesUnder(src, (n) => n.endsWith('.ts') && !n.endsWith('.test.ts') && !n.endsWith('.d.ts'));
    } catch {
      continue; // a package without src/
    }
    for (const file of files) {
      if (tableFiles.has(file)) continue;
      const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, false);
      const visit = (node: ts.Node): void => {
        if (
          (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) &&
          /^ERR_[A-Z0-9_]+$/.test(node.text)
        )
          refs.set(node.text, [...(refs.get(node.text) ?? []), relative(root, file)]);
        ts.forEachChild(node, visit);
      };
      visit(source);
    }
  }
  return refs;
}

const isDeprecated = (spec: ErrorSpec) => spec.replacedBy !== undefined || spec.deprecated !== undefined;

test('every errors.ts in the packages is one of the tables this test reads', () => {
  const found = filesUnder(join(root, 'packages'), (n) => n === 'errors.ts').map((f) => relative(root, f));
  assert.deepEqual(
    found.sort(),
    [...TABLES.keys()].sort(),
    'add the new table to TABLES here and in scripts/gen-errors-doc.mjs',
  );
});

test('every error code in the sources is documented with the same status, and no other', () => {
  const source = codesInSource();
  const docs = codesInDocs();
  assert.ok(source.size > 0, 'found no error tables');
  for (const [code, spec] of source)
    assert.equal(
      docs.get(code)?.status,
      spec.status,
      `docs/errors.md: ${code} should be listed with status ${spec.status}`,
    );
  for (const code of docs.keys())
    assert.ok(source.has(code), `docs/errors.md lists ${code}, which no errors.ts defines`);
});

test('a deprecated code is documented as deprecated, naming the code to use instead; no other is', () => {
  const docs = codesInDocs();
  for (const [code, spec] of codesInSource()) {
    const meaning = docs.get(code)?.meaning ?? '';
    if (!isDeprecated(spec)) {
      assert.ok(!/deprecated/i.test(meaning), `docs/errors.md: ${code} is not deprecated in ${spec.file}`);
      continue;
    }
    assert.ok(meaning.startsWith('**Deprecated:**'), `docs/errors.md: ${code} should start "**Deprecated:**"`);
    if (spec.replacedBy !== undefined)
      assert.ok(meaning.includes(`\`${spec.replacedBy}\``), `docs/errors.md: ${code} should name ${spec.replacedBy}`);
  }
});

test('every documented, non-deprecated code is referenced by the sources outside the errors tables', () => {
  const source = codesInSource();
  const refs = codesReferenced();
  // A table's `create(alias)` throws the alias's replacement, so naming the alias uses the replacement.
  const used = new Set(refs.keys());
  for (const code of refs.keys()) {
    const replacement = source.get(code)?.replacedBy;
    if (replacement !== undefined) used.add(replacement);
  }
  const unused = [...codesInDocs().keys()].filter(
    (code) => source.has(code) && !isDeprecated(source.get(code)!) && !used.has(code),
  );
  assert.deepEqual(
    unused,
    [],
    'documented codes no source throws or logs: use them, or deprecate them (`deprecated` in the table, "**Deprecated:**" in docs/errors.md)',
  );
});
