// Keeps docs/errors.md and every package's errors.ts in step (ARCHITECTURE.md, "Errors").
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;

function errorFiles(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name === 'dist') continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) errorFiles(path, out);
    else if (name === 'errors.ts') out.push(path);
  }
  return out;
}

/** code → status, from every `defineErrors({ ERR_X: { status: N, ... } })` table in the sources. */
function codesInSource(): Map<string, number> {
  const codes = new Map<string, number>();
  for (const file of errorFiles(join(root, 'packages'))) {
    for (const m of readFileSync(file, 'utf8').matchAll(/^\s*(ERR_[A-Z0-9_]+):\s*\{\s*status:\s*(\d{3})/gm)) {
      assert.ok(!codes.has(m[1]!), `${m[1]} is defined twice (second time in ${file})`);
      codes.set(m[1]!, Number(m[2]));
    }
  }
  return codes;
}

/** code → status, from the rows `| \`ERR_X\` | 401 | meaning |` of docs/errors.md. */
function codesInDocs(): Map<string, number> {
  const codes = new Map<string, number>();
  const text = readFileSync(join(root, 'docs/errors.md'), 'utf8');
  for (const m of text.matchAll(/^\|\s*`(ERR_[A-Z0-9_]+)`\s*\|\s*(\d{3})\s*\|/gm)) codes.set(m[1]!, Number(m[2]));
  return codes;
}

test('every error code in the sources is documented with the same status, and no other', () => {
  const source = codesInSource();
  const docs = codesInDocs();
  assert.ok(source.size > 0, 'found no error tables');
  for (const [code, status] of source)
    assert.equal(docs.get(code), status, `docs/errors.md: ${code} should be listed with status ${status}`);
  for (const code of docs.keys())
    assert.ok(source.has(code), `docs/errors.md lists ${code}, which no errors.ts defines`);
});
