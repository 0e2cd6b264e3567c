import { test } from 'node:test';
import assert from 'node:assert/strict';
import { graphLayout } from './graph-layout';

test('callers left of the services they call; edges coloured by what was decided', () => {
  const g = graphLayout([
    { source: 'webui', destination: 'orders', allowed: 5, denied: 0 },
    { source: 'orders', destination: 'inventory', allowed: 2, denied: 1 },
    { source: 'anonymous', destination: 'orders', allowed: 0, denied: 4 },
  ]);
  const x = Object.fromEntries(g.nodes.map((n) => [n.id, n.x]));
  assert.ok(x['webui']! < x['orders']! && x['orders']! < x['inventory']!);
  assert.equal(x['anonymous'], x['webui'], 'both callers in the first column');
  const kinds = Object.fromEntries(g.edges.map((e) => [e.key.replace('\u0000', '→'), e.kind]));
  assert.deepEqual(kinds, { 'webui→orders': 'allowed', 'orders→inventory': 'mixed', 'anonymous→orders': 'denied' });
  for (const n of g.nodes) assert.ok(n.x > 0 && n.x < g.width && n.y > 0 && n.y < g.height, `${n.id} inside`);
});

test('a cycle and a self-call end the layout', () => {
  const g = graphLayout([
    { source: 'a', destination: 'b', allowed: 1, denied: 0 },
    { source: 'b', destination: 'a', allowed: 1, denied: 0 },
    { source: 'c', destination: 'c', allowed: 0, denied: 1, dryRun: 2 },
  ]);
  assert.equal(g.nodes.length, 3);
  assert.equal(g.edges.find((e) => e.key === 'c\u0000c')?.label, '1 denied · 2 dry-run');
  assert.deepEqual(graphLayout([]).nodes, []);
});
