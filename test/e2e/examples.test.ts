// Every example scenario of the brief over real sockets: the same table `tessera demo` prints.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { examples } from '../../examples/index.js';

for (const entry of examples) {
  test(`example ${entry.id} (${entry.title}): every call behaves as the scenario says`, async () => {
    const example = await entry.start();
    try {
      assert.ok(example.checks.length > 0, 'an example without checks shows nothing');
      for (const check of example.checks) {
        assert.equal(await check.run(), check.expected, `scenario ${entry.id}: ${check.call}`);
      }
    } finally {
      await example.close();
    }
  });
}
