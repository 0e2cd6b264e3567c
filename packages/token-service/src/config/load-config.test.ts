import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { isTesseraError } from '@tessera/core';
import { loadConfig } from './load-config.js';

test('embedded defaults work with no file at all', () => {
  const config = loadConfig();
  assert.equal(config.server.port, 7400);
  assert.equal(config.keys.algorithm, 'RS256');
  assert.equal(config.storage.type, 'file');
  assert.equal(config.storage.dataDir, './.tessera');
  assert.equal(config.grants.password.enabled, false);
  assert.equal(config.tokens.defaultLifetimeSeconds, 300);
  assert.ok(Object.isFrozen(config) && Object.isFrozen(config.server));
});

test('file → env → overrides, in that order', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-config-'));
  try {
    const file = join(dir, 'c.yaml');
    writeFileSync(file, 'server:\n  port: 9000\n  host: 0.0.0.0\nkeys:\n  algorithm: ES256\n');
    const config = loadConfig({
      file,
      env: { TESSERA_PORT: '9100', TESSERA_KEY_ALGORITHM: 'EdDSA' },
      overrides: { 'server.port': 0 },
    });
    assert.equal(config.server.port, 0);
    assert.equal(config.server.host, '0.0.0.0');
    assert.equal(config.keys.algorithm, 'EdDSA');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('errors name the file, the field path and the line', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-config-'));
  try {
    const file = join(dir, 'bad.yaml');
    writeFileSync(
      file,
      'server:\n  port: 9000\nclients:\n  - id: a\n    secret: 0123456789abcdef0\n    scopes: ["ok", "bad scope"]\n',
    );
    assert.throws(
      () => loadConfig({ file }),
      (e: unknown) => {
        assert.ok(isTesseraError(e, 'ERR_TOKEN_SERVICE_CONFIG_INVALID'));
        assert.match(e.message, new RegExp(`${file.replace(/[.]/g, '\\.')}:6: clients\\.0\\.scopes\\.1: `));
        return true;
      },
    );
    writeFileSync(file, 'server:\n  prot: 1\n');
    assert.throws(() => loadConfig({ file }), /bad\.yaml:\d+: server: Unrecognized key.*prot/);
    writeFileSync(file, 'server: [\n');
    assert.throws(() => loadConfig({ file }), /bad\.yaml:\d+:\d+: YAML error/);
    assert.throws(
      () => loadConfig({ file: join(dir, 'missing.yaml') }),
      /missing\.yaml: cannot read the file \(ENOENT\)/,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('cross-reference checks: duplicate ids, disabled grants, rotation vs cache period', () => {
  const clients = [
    { id: 'a', secret: '0123456789abcdef' },
    { id: 'a', secret: '0123456789abcdef', grantTypes: ['password'] },
  ];
  assert.throws(
    () => loadConfig({ object: { clients } }),
    (e: unknown) => {
      assert.ok(isTesseraError(e, 'ERR_TOKEN_SERVICE_CONFIG_INVALID'));
      assert.match(e.message, /clients\.1\.id: duplicate client id "a"/);
      assert.match(e.message, /clients\.1\.grantTypes\.0: the password grant is disabled/);
      return true;
    },
  );
  assert.throws(
    () => loadConfig({ object: { keys: { rotationIntervalSeconds: 100, jwksCacheSeconds: 300 } } }),
    /keys\.rotationIntervalSeconds/,
  );
  assert.throws(() => loadConfig({ object: { clients: [{ id: 'nokey' }] } }), /clients\.0: a client needs/);
  assert.throws(() => loadConfig({ env: { TESSERA_PORT: 'eighty' } }), /TESSERA_PORT: expected an integer/);
});

test('mixed back-ends take each connection URL from its own variable, keeping the file settings beside it', () => {
  const config = loadConfig({
    object: {
      storage: {
        type: 'postgres',
        postgres: { schema: 'tessera' },
        redis: { keyPrefix: 'tessera:' },
        backends: { replay: 'redis', events: 'redis' },
      },
    },
    env: { TESSERA_POSTGRES_URL: 'postgres://ts@db:5432/tessera', TESSERA_REDIS_URL: 'redis://cache:6379' },
  });
  const storage = config.storage as Record<string, unknown>;
  assert.deepEqual(storage['postgres'], { schema: 'tessera', url: 'postgres://ts@db:5432/tessera' });
  assert.deepEqual(storage['redis'], { keyPrefix: 'tessera:', url: 'redis://cache:6379' });
});
