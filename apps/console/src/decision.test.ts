import { test } from 'node:test';
import assert from 'node:assert/strict';
import { matchesDecision, mergeDecisions, type Decision } from './decision';

const d = (seq: number, extra: Partial<Decision> = {}): Decision => ({
  seq,
  gateway: 'gw-1',
  at: seq * 1000,
  action: 'allow',
  route: 'orders',
  ...extra,
});

test('filters: by action, and by text in the route, callers or reason, case-insensitive', () => {
  const denied = d(1, {
    action: 'deny',
    reason: 'RBAC: access denied',
    principal: 'spiffe://mesh/ns/default/sa/webui',
  });
  assert.ok(matchesDecision(denied, { action: '', text: '' }));
  assert.ok(matchesDecision(denied, { action: 'deny', text: 'WEBUI' }));
  assert.ok(!matchesDecision(denied, { action: 'allow', text: '' }));
  assert.ok(matchesDecision(denied, { action: '', text: 'rbac' }));
  assert.ok(!matchesDecision(denied, { action: '', text: 'inventory' }));
});

test('merge: newest first, no duplicates, bounded; a replica that restarted numbers from 1 again', () => {
  const merged = mergeDecisions([d(2), d(1)], [d(3), d(2), d(4)], 3);
  assert.deepEqual(
    merged.map((x) => x.seq),
    [4, 3, 2],
  );
  const restarted = { ...d(1), at: 99_000 };
  assert.deepEqual(
    mergeDecisions(merged, [restarted], 5).map((x) => [x.seq, x.at]),
    [
      [1, 99_000],
      [4, 4000],
      [3, 3000],
      [2, 2000],
    ],
  );
});
