// A gateway whose policy folder is missing at start (polish issue): one clear configuration error
// naming the field, and no log line about a "previous policy set" that never existed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import pino from 'pino';
import { isTesseraError } from '@tessera/core';
import { createGateway, loadGatewayConfig } from '@tessera/gateway';

test('a missing policies source stops the start with ERR_GATEWAY_CONFIG_INVALID, said once', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-gw-missing-'));
  const lines: string[] = [];
  const logger = pino(
    { level: 'info' },
    new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(chunk.toString());
        done();
      },
    }),
  );
  const gateway = createGateway(
    loadGatewayConfig({
      object: {
        listeners: [{ port: 0 }],
        admin: { enabled: false },
        routes: [{ name: 'r', pathPrefix: '/', upstream: 'http://127.0.0.1:9' }],
        policies: { sources: [join(dir, 'nope')], watch: false },
      },
    }),
    { logger },
  );
  try {
    await assert.rejects(gateway.listen(), (e) => {
      assert.ok(isTesseraError(e, 'ERR_GATEWAY_CONFIG_INVALID'), String(e));
      assert.match(e.message, /^policies\.sources\[0\]: .*nope does not exist/);
      return true;
    });
    assert.ok(!lines.some((l) => l.includes('previous policy set')), lines.join(''));
  } finally {
    await gateway.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
