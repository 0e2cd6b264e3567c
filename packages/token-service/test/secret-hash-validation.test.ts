// A malformed secretHash or passwordHash (truncated, or copied with the README's `…`) used to be
// accepted, and that client or user could never authenticate. It is refused where it enters: the
// configuration (with file, line and field) and the admin API.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { isTesseraError } from '@tessera/core';
import { hashSecret, loadConfig } from '@tessera/token-service';
import { startService, type TestService } from './helpers.js';

const salt = 'c2FsdHNhbHRzYWx0c2FsdA';
const hash = 'aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g';
const malformed = [
  'scrypt$32768$8$1$…',
  'scrypt$32768$8$1$',
  `scrypt$32768$8$1$${salt}`,
  `scrypt$32768$8$1$${salt}$${hash}$extra`,
  `scrypt$1000$8$1$${salt}$${hash}`, // N not a power of two
  `scrypt$512$8$1$${salt}$${hash}`, // N too small
  `scrypt$32768$0$1$${salt}$${hash}`, // r out of range
  `scrypt$32768$8$17$${salt}$${hash}`, // p out of range
  `scrypt$32768$8$1$c2FsdA$${hash}`, // salt shorter than 8 bytes
  `scrypt$32768$8$1$${salt}$aGFzaA`, // hash shorter than 16 bytes
  `scrypt$32768$8$1$${salt}$${hash.slice(0, 20)}…`, // truncated by a copy
];

function withFile(text: string, run: (file: string) => void): void {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-hash-config-'));
  try {
    const file = join(dir, 'token-service.yaml');
    writeFileSync(file, text);
    run(file);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('a malformed clients[].secretHash fails at load with file, line and field', () => {
  for (const bad of malformed) {
    withFile(
      `clients:\n  - id: ok\n    secret: 0123456789abcdef0\n  - id: servicea\n    secretHash: '${bad}'\n`,
      (file) =>
        assert.throws(
          () => loadConfig({ file }),
          (e: unknown) => {
            assert.ok(isTesseraError(e, 'ERR_TOKEN_SERVICE_CONFIG_INVALID'), String(e));
            assert.ok(e.message.includes(`${file}:5: clients.1.secretHash: `), `${bad}: ${e.message}`);
            assert.match(e.message, /tessera hash-secret/);
            return true;
          },
        ),
    );
  }
});

test('a malformed grants.password.users[].passwordHash fails at load with file, line and field', () => {
  withFile(
    `grants:\n  password:\n    enabled: true\n    users:\n      - username: alice\n        passwordHash: 'scrypt$32768$8$1$…'\n`,
    (file) =>
      assert.throws(
        () => loadConfig({ file }),
        (e: unknown) => {
          assert.ok(isTesseraError(e, 'ERR_TOKEN_SERVICE_CONFIG_INVALID'), String(e));
          assert.ok(e.message.includes(`${file}:6: grants.password.users.0.passwordHash: `), e.message);
          return true;
        },
      ),
  );
});

test('hashes from hashSecret load', async () => {
  const good = await hashSecret('a long random client secret');
  withFile(`clients:\n  - id: servicea\n    secretHash: '${good}'\n`, (file) => {
    assert.equal(loadConfig({ file }).clients[0]!.secretHash, good);
  });
});

let ts: TestService;
before(async () => {
  ts = await startService({ rateLimit: { enabled: false } });
});
after(() => ts.stop());

test('the admin API refuses a malformed secretHash on create and update (400, field named)', async () => {
  for (const bad of malformed) {
    const res = await ts.admin('/admin/clients', {
      method: 'POST',
      body: JSON.stringify({ id: 'bad-hash', secretHash: bad }),
    });
    assert.equal(res.status, 400, bad);
    const problem = (await res.json()) as { code: string; detail: string };
    assert.equal(problem.code, 'ERR_ADMIN_BAD_REQUEST');
    assert.match(problem.detail, /^secretHash: /);
    assert.ok(!problem.detail.includes(bad), 'the hash is not echoed back');
  }
  assert.equal(await ts.service.storage.clients.get('bad-hash'), undefined);

  const created = await ts.admin('/admin/clients', {
    method: 'POST',
    body: JSON.stringify({ id: 'good-hash', secretHash: await hashSecret('another long secret') }),
  });
  assert.equal(created.status, 201);
  const patched = await ts.admin('/admin/clients/good-hash', {
    method: 'PATCH',
    body: JSON.stringify({ secretHash: 'scrypt$32768$8$1$…' }),
  });
  assert.equal(patched.status, 400);
});
