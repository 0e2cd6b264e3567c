// The program loads only the command that runs; the others are listed from its table by name and
// description, and read the same as when they are loaded.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createProgram } from '../src/program.js';

const top = (program: Awaited<ReturnType<typeof createProgram>>) =>
  program.commands.map((c) => [
    c.name(),
    c.description(),
    c.commands.length + c.options.length + c.registeredArguments.length > 0,
  ]);

test('the commands listed without loading them are the loaded ones, by name and description', async () => {
  const listed = top(await createProgram(['node', 'tessera', '--help']));
  const loaded = top(await createProgram());
  assert.deepEqual(
    listed.map(([name, description]) => [name, description]),
    loaded.map(([name, description]) => [name, description]),
  );
  assert.ok(
    listed.every(([, , configured]) => configured === false),
    'nothing was loaded for --help',
  );
  assert.ok(
    loaded.every(([, , configured]) => configured === true),
    'every command is configured when loaded',
  );
});

test('only the command that runs is loaded (and the one `help` names)', async () => {
  for (const argv of [
    ['node', 'tessera', 'token', 'decode', 'x'],
    ['node', 'tessera', '--json', 'token', 'decode'],
    ['node', 'tessera', 'help', 'token'],
  ]) {
    const configured = (await createProgram(argv)).commands.filter((c) => c.commands.length > 0).map((c) => c.name());
    assert.deepEqual(configured, ['token'], argv.join(' '));
  }
});
