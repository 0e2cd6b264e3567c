import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  loadLayeredConfig,
  type ConfigValidation,
  type EnvBinding,
  type SafeParseSchema,
} from './load-layered-config.js';
import { coreErrors } from '../errors/errors.js';
import { isTesseraError } from '../errors/tessera-error.js';

interface Config {
  server: { port: number; host: string };
  listeners: { port: number }[];
  debug: boolean;
}

// A hand-written schema check, so this test does not depend on zod (core has no zod dependency).
function validate(m: Record<string, unknown>): ConfigValidation<Config> {
  const server = (m.server ?? {}) as Record<string, unknown>;
  const issues = [];
  if (server.port !== undefined && typeof server.port !== 'number')
    issues.push({ path: ['server', 'port'], message: 'expected a number' });
  if (issues.length) return { ok: false, issues };
  return {
    ok: true,
    value: {
      server: {
        port: (server.port as number | undefined) ?? 8080,
        host: (server.host as string | undefined) ?? '127.0.0.1',
      },
      listeners: (m.listeners as { port: number }[] | undefined) ?? [],
      debug: (m.debug as boolean | undefined) ?? false,
    },
  };
}

const envBindings: Record<string, EnvBinding> = {
  T_PORT: { path: ['server', 'port'], kind: 'int', description: 'port' },
  T_DEBUG: { path: ['debug'], kind: 'bool', description: 'debug' },
  T_L0: { path: ['listeners', 0, 'port'], kind: 'int', description: 'first listener' },
};
const createError = (message: string, extra?: { cause?: unknown; details?: Record<string, unknown> }) =>
  coreErrors.create('ERR_CONFIG_INVALID', message, extra);
const base = { envBindings, validate, createError };

function withFile(text: string, fn: (file: string) => void): void {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-config-'));
  try {
    const file = join(dir, 'c.yaml');
    writeFileSync(file, text);
    fn(file);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('defaults, then file, then environment, then overrides; the result is frozen', () => {
  assert.deepEqual(loadLayeredConfig(base), { server: { port: 8080, host: '127.0.0.1' }, listeners: [], debug: false });
  withFile('server:\n  port: 1000\n  host: 0.0.0.0\n', (file) => {
    const config = loadLayeredConfig({
      ...base,
      file,
      env: { T_PORT: '2000', T_DEBUG: 'true', T_L0: '7' },
      overrides: { 'server.host': '::1' },
    });
    assert.deepEqual(config, { server: { port: 2000, host: '::1' }, listeners: [{ port: 7 }], debug: true });
    assert.ok(Object.isFrozen(config.server) && Object.isFrozen(config.listeners[0]));
  });
});

test('schema problems name the file, the line and the field', () => {
  withFile('debug: false\nserver:\n  port: "x"\n', (file) => {
    assert.throws(
      () => loadLayeredConfig({ ...base, file }),
      (e: unknown) =>
        isTesseraError(e, 'ERR_CONFIG_INVALID') && e.message === `${file}:3: server.port: expected a number`,
    );
  });
});

test('a schema with safeParse (the zod contract) is used as is: defaults, and issues with the file line', () => {
  // Shaped like a zod schema, without depending on zod.
  const schema: SafeParseSchema<Config> = {
    safeParse(value) {
      const checked = validate(value as Record<string, unknown>);
      return checked.ok
        ? { success: true, data: checked.value }
        : { success: false, error: { issues: checked.issues } };
    },
  };
  const { validate: _handWritten, ...sources } = base;
  assert.deepEqual(loadLayeredConfig({ ...sources, schema }).server, { port: 8080, host: '127.0.0.1' });
  withFile('server:\n  port: "x"\n', (file) => {
    assert.throws(
      () => loadLayeredConfig({ ...sources, schema, file }),
      (e: unknown) => isTesseraError(e) && e.message === `${file}:2: server.port: expected a number`,
    );
  });
});

test('cross-reference problems are reported the same way, all at once', () => {
  const checkReferences = () => [
    { path: ['server', 'host'], message: 'unknown host' },
    { path: ['debug'], message: 'not here' },
  ];
  withFile('server:\n  host: a\n', (file) => {
    assert.throws(
      () => loadLayeredConfig({ ...base, file, checkReferences }),
      (e: unknown) =>
        isTesseraError(e) && e.message === `${file}:2: server.host: unknown host\n${file}: debug: not here`,
    );
  });
});

test('bad files and bad environment values are clear errors', () => {
  withFile('server: [\n', (file) => assert.throws(() => loadLayeredConfig({ ...base, file }), /YAML error/));
  withFile('a: 1\na: 2\n', (file) => assert.throws(() => loadLayeredConfig({ ...base, file }), /YAML error/));
  withFile('- 1\n', (file) => assert.throws(() => loadLayeredConfig({ ...base, file }), /must be a mapping/));
  assert.throws(() => loadLayeredConfig({ ...base, file: '/nonexistent/x.yaml' }), /cannot read the file \(ENOENT\)/);
  assert.throws(() => loadLayeredConfig({ ...base, env: { T_PORT: '12a' } }), /T_PORT: expected an integer/);
  assert.throws(() => loadLayeredConfig({ ...base, env: { T_DEBUG: 'yes' } }), /T_DEBUG: expected true or false/);
});

test('an override path can never reach Object.prototype', () => {
  loadLayeredConfig({ ...base, overrides: { '__proto__.polluted': 1, 'constructor.prototype.polluted': 1 } });
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
});
