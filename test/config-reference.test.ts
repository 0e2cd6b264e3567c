// docs/configuration.md is generated from the schemas; this keeps the two in step.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { renderConfigurationReference } from '../scripts/config-reference.js';

test('docs/configuration.md matches the configuration schemas (npm run docs:config rewrites it)', () => {
  const onDisk = readFileSync(new URL('../docs/configuration.md', import.meta.url), 'utf8');
  assert.equal(onDisk, renderConfigurationReference());
});
