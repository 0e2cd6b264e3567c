// packages/gateway/examples/gateway.yaml starts as its header says (polish issue): with the
// gateway's client secret in TESSERA_GATEWAY_CLIENT_SECRET it loads; without it, the error names
// the variable.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { readFileSync } from 'node:fs';
import { isTesseraError } from '@tessera/core';
import { loadGatewayConfig } from '@tessera/gateway';

const file = fileURLToPath(new URL('../examples/gateway.yaml', import.meta.url));

test('the example gateway.yaml loads with TESSERA_GATEWAY_CLIENT_SECRET, and says so without it', () => {
  assert.match(readFileSync(file, 'utf8').split('\n').slice(0, 4).join('\n'), /TESSERA_GATEWAY_CLIENT_SECRET=/);
  const config = loadGatewayConfig({ file, env: { TESSERA_GATEWAY_CLIENT_SECRET: 'a-secret-0123456789' } });
  assert.equal(config.tokenService?.clientSecret, 'a-secret-0123456789');
  assert.throws(
    () => loadGatewayConfig({ file, env: {} }),
    (e) => {
      assert.ok(isTesseraError(e, 'ERR_GATEWAY_CONFIG_INVALID'), String(e));
      assert.match(e.message, /gateway\.yaml:\d+: tokenService\.clientSecret: .*TESSERA_GATEWAY_CLIENT_SECRET/);
      return true;
    },
  );
});
