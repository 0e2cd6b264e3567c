// Runs the conformance tables in ./conformance/*.yaml: policies (Istio YAML, unchanged) + request +
// identity → expected decision. The tables are data; this file only interprets them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compilePolicies, parsePolicies } from '@tessera/core';
import { identityFrom, loadConformanceTables, normalize, requestFrom } from './conformance-tables.js';

const tables = loadConformanceTables();

test('the conformance tables exist', () => {
  assert.ok(tables.length >= 6, `found ${tables.length} table files`);
});

for (const { file, groups } of tables) {
  for (const group of groups) {
    const { documents } = parsePolicies(group.policies ?? '', { file: `${file}: ${group.name}` });
    const set = compilePolicies(documents, group.options);
    for (const c of group.cases) {
      test(`${file} › ${group.name} › ${c.name}`, () => {
        const request = requestFrom(group.request, c.request);
        const identity = c.identity === undefined ? undefined : identityFrom(c.identity);
        const decision = set.authorize(request, identity);
        for (const [key, expected] of Object.entries(c.expect)) {
          assert.deepEqual(
            normalize((decision as unknown as Record<string, unknown>)[key]),
            normalize(expected),
            `${key}: got ${JSON.stringify(decision)}`,
          );
        }
        // explain agrees with authorize and names the deciding policy and its location.
        const explanation = set.explain(request, identity);
        assert.deepEqual(explanation.decision, decision);
        assert.equal(explanation.policies.length, set.policies.filter((p) => p.kind === 'AuthorizationPolicy').length);
        if (decision.policy !== undefined) {
          assert.match(explanation.text, new RegExp(decision.policy.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
          const deciding = explanation.policies.find((p) => p.policy === decision.policy)!;
          assert.equal(deciding.selected, true);
          if (decision.reason === 'deny-matched' || decision.reason === 'allow-matched')
            assert.equal(deciding.matchedRule, decision.rule);
        }
        if (decision.reason === 'no-allow-matched') {
          // Every selected ALLOW policy is explained with the failed conditions of each rule.
          for (const p of explanation.policies.filter((x) => x.selected && x.action === 'ALLOW' && !x.dryRun)) {
            assert.equal(p.matched, false);
            for (const r of p.rules)
              assert.ok(r.failures.length > 0, `${p.policy} rule ${r.index} should say why it failed`);
          }
        }
      });
    }
  }
}
