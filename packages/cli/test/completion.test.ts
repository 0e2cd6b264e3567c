// `tessera completion bash|zsh`: the script is made from the command tree, and bash completes
// commands, subcommands and options with it (run in a real bash).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runTessera } from './run-cli.js';

/** What the completion function offers for `words`, the last one being completed. */
function complete(script: string, words: string[]): string[] {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-completion-'));
  try {
    writeFileSync(join(dir, 'tessera.bash'), script);
    const quoted = words.map((w) => `'${w}'`).join(' ');
    const run = spawnSync(
      'bash',
      [
        '-c',
        `source tessera.bash; COMP_WORDS=(${quoted}); COMP_CWORD=${words.length - 1}; _tessera; printf '%s\\n' "\${COMPREPLY[@]}"`,
      ],
      { cwd: dir, encoding: 'utf8' },
    );
    assert.equal(run.status, 0, run.stderr);
    return run.stdout
      .split('\n')
      .filter((l) => l.length > 0)
      .sort();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('tessera completion bash completes commands, subcommands and options from the command tree', async () => {
  const r = await runTessera(['completion', 'bash']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /complete -o default -F _tessera tessera/);
  assert.deepEqual(complete(r.stdout, ['tessera', 'to']), ['token', 'token-service']);
  assert.deepEqual(
    complete(r.stdout, ['tessera', 'token', '']).filter((w) => !w.startsWith('-')),
    ['decode', 'exchange', 'get', 'sign', 'verify'],
  );
  assert.deepEqual(complete(r.stdout, ['tessera', 'token', 'sign', '--key', 'k.json', '--ex']), [
    '--expired',
    '--expires-in',
  ]);
  assert.ok(complete(r.stdout, ['tessera', 'policy', 'check', '--']).includes('--policies'));
  // Every top-level command is offered.
  const top = complete(r.stdout, ['tessera', '']);
  for (const command of ['keys', 'token', 'jwks', 'policy', 'token-service', 'gateway', 'hash-secret', 'up', 'demo'])
    assert.ok(top.includes(command), command);
});

test('tessera completion zsh loads the same function through bashcompinit; another shell is a usage error', async () => {
  const zsh = await runTessera(['completion', 'zsh']);
  assert.equal(zsh.code, 0);
  assert.match(zsh.stdout, /bashcompinit/);
  assert.match(zsh.stdout, /complete -o default -F _tessera tessera/);
  const fish = await runTessera(['completion', 'fish']);
  assert.equal(fish.code, 2);
  assert.match(fish.stderr, /^tessera: ERR_CLI_USAGE: no completion for "fish": bash or zsh/);
});
