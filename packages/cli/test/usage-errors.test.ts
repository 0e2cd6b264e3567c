// Usage errors and help text as a user sees them: docs/cli.md promises one line on stderr,
// `tessera: ERR_CODE: what happened (what to do next)`, and exit code 2.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runTessera } from './run-cli.js';

function lines(text: string): string[] {
  return text.split('\n').filter((line) => line.length > 0);
}

test('a mistyped command is one line with the suggestion as the hint, exit 2', async () => {
  const r = await runTessera(['tokne']);
  assert.equal(r.code, 2);
  assert.deepEqual(lines(r.stderr), ["tessera: ERR_CLI_USAGE: unknown command 'tokne' (did you mean token?)"]);
});

test('a mistyped subcommand and option are one line each, exit 2', async () => {
  const sub = await runTessera(['token', 'sgin']);
  assert.equal(sub.code, 2);
  assert.deepEqual(lines(sub.stderr), ["tessera: ERR_CLI_USAGE: unknown command 'sgin' (did you mean sign?)"]);

  const option = await runTessera(['keys', 'generate', '--alg', 'ES256', '--formt', 'jwk']);
  assert.equal(option.code, 2);
  assert.deepEqual(lines(option.stderr), ["tessera: ERR_CLI_USAGE: unknown option '--formt' (did you mean --format?)"]);
});

test('a usage error without a suggestion points at --help, one line, exit 2', async () => {
  const r = await runTessera(['zzzz-nothing-like-it']);
  assert.equal(r.code, 2);
  assert.deepEqual(lines(r.stderr), [
    "tessera: ERR_CLI_USAGE: unknown command 'zzzz-nothing-like-it' (run with --help for usage)",
  ]);
});

test('policy check --help says which options are required', async () => {
  const r = await runTessera(['policy', 'check', '--help']);
  assert.equal(r.code, 0);
  // Commander wraps descriptions at the terminal width: join the lines before matching.
  const help = r.stdout.replace(/\s+/g, ' ');
  assert.match(help, /--policies <path> policy file or folder \(required/);
  assert.match(help, /--path <path> request path \(required/);
});
