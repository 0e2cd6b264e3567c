// Every `tessera …` command shown in the docs' code (blocks and inline spans) exists: docs/configuration.md once
// named a `tessera hash-secret` that did not. Each distinct command path is found in the real
// command tree and then run with `--help`, which must exit 0 and print that command's usage.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { Command } from 'commander';
import { createProgram } from '../src/program.js';
import { runTessera } from './run-cli.js';

const root = new URL('../../../', import.meta.url).pathname;

function markdownFiles(): string[] {
  const docs = readdirSync(join(root, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .map((name) => join(root, 'docs', name));
  const packages = readdirSync(join(root, 'packages'))
    .map((name) => join(root, 'packages', name, 'README.md'))
    .filter((path) => {
      try {
        readFileSync(path);
        return true;
      } catch {
        return false;
      }
    });
  return [join(root, 'README.md'), ...docs, ...packages];
}

/**
 * The code of a markdown file with the line each piece starts on: fenced blocks, and the inline
 * code spans of prose and tables (docs/configuration.md named `tessera hash-secret` in one).
 */
function codeBlocks(text: string): { line: number; body: string }[] {
  const blocks: { line: number; body: string }[] = [];
  const lines = text.split('\n');
  let start = -1;
  for (let i = 0; i < lines.length; i++) {
    if (/^\s*(```|~~~)/.test(lines[i]!)) {
      if (start < 0) start = i;
      else {
        blocks.push({ line: start + 2, body: lines.slice(start + 1, i).join('\n') });
        start = -1;
      }
    } else if (start < 0) {
      for (const span of lines[i]!.matchAll(/`([^`]+)`/g)) blocks.push({ line: i + 1, body: span[1]! });
    }
  }
  return blocks;
}

// `tessera`, `npm run tessera --` or `…/bin/tessera.js` where a shell command starts (line start,
// after a prompt, a pipe, `;`, `&&`, `$(` or a `#` comment such as `# = tessera up`).
const invocation = /(?:^|[\s;|&(`])(?:\S*\/)?tessera(?:\.js)?(?:\s+--)?[ \t]+([^\n]*)/g;

/** The words after `tessera` up to the first option, placeholder, quote, path or variable. */
function leadingWords(rest: string): string[] {
  const words: string[] = [];
  for (const word of rest.split(/\s+/)) {
    if (!/^[a-z][a-z0-9-]*$/.test(word)) break;
    words.push(word);
  }
  return words;
}

/**
 * Follows `words` down the command tree: the command path they name, or the word that names no
 * command where one was expected (a command with subcommands takes no other operand).
 */
function resolve(program: Command, words: string[]): { path: string[]; missing?: string } {
  let current = program;
  const path: string[] = [];
  for (const word of words) {
    if (current.commands.length === 0) break;
    const next = current.commands.find((c) => c.name() === word || c.aliases().includes(word));
    if (!next) return { path, missing: word };
    path.push(word);
    current = next;
  }
  return { path };
}

test('every tessera command in the docs exists and answers --help', async () => {
  const program = await createProgram();
  const paths = new Map<string, string>();
  const missing: string[] = [];
  for (const file of markdownFiles()) {
    for (const block of codeBlocks(readFileSync(file, 'utf8'))) {
      for (const match of block.body.matchAll(invocation)) {
        const line = block.line + block.body.slice(0, match.index).split('\n').length - 1;
        const where = `${relative(root, file)}:${line}`;
        const words = leadingWords(match[1]!);
        if (words.length === 0) continue;
        const found = resolve(program, words);
        if (found.missing !== undefined) missing.push(`${where}: tessera ${[...found.path, found.missing].join(' ')}`);
        else if (found.path.length > 0 && !paths.has(found.path.join(' '))) paths.set(found.path.join(' '), where);
      }
    }
  }
  assert.deepEqual(missing, [], 'the docs show commands that do not exist');
  // Guards the extraction itself: these are shown in docs/cli.md.
  for (const known of ['up', 'token sign', 'policy check', 'hash-secret']) assert.ok(paths.has(known), known);

  const entries = [...paths];
  // Two at a time: the machine has two cores and each run starts tsx.
  for (let i = 0; i < entries.length; i += 2) {
    await Promise.all(
      entries.slice(i, i + 2).map(async ([path, where]) => {
        const r = await runTessera([...path.split(' '), '--help']);
        assert.equal(r.code, 0, `${where}: tessera ${path} --help exited ${r.code}: ${r.stderr}`);
        assert.match(r.stdout, new RegExp(`^Usage: tessera ${path} `), `${where}: tessera ${path} --help`);
      }),
    );
  }
});
