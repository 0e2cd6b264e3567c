import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { RevocationStore, TokenLink } from '../storage/index.js';
import { revokeTokenFamily } from './revoke-token-family.js';

const EXP = 2_000_000_000_000;

/** An in-memory store: links parent → children, and what was revoked in which order. */
function memoryStore(links: Record<string, string[]>, alreadyRevoked: string[] = []) {
  const revoked = new Set(alreadyRevoked);
  const order: string[] = [];
  const store: Pick<RevocationStore, 'revoke' | 'listChildren'> = {
    revoke(jti) {
      order.push(jti);
      if (revoked.has(jti)) return Promise.resolve(false);
      revoked.add(jti);
      return Promise.resolve(true);
    },
    listChildren(parent, limit = 1000) {
      return Promise.resolve((links[parent] ?? []).slice(0, limit).map((jti): TokenLink => ({ jti, exp: EXP })));
    },
  };
  return { store, revoked, order };
}

const root = (jti: string): TokenLink => ({ jti, exp: EXP });

test('the whole family, breadth first, each as its own entry; never the parent of the revoked token', async () => {
  const { store, revoked } = memoryStore({ p: ['a'], a: ['b1', 'b2'], b1: ['c'], x: ['y'] });
  const r = await revokeTokenFamily({ revocations: store, root: root('a'), clientId: 'app' });
  assert.deepEqual(
    r.added.map((e) => [e.jti, e.depth]),
    [
      ['a', 0],
      ['b1', 1],
      ['b2', 1],
      ['c', 2],
    ],
  );
  assert.equal(r.truncated, false);
  assert.equal(r.reached, 4);
  assert.ok(!revoked.has('p'), 'the parent stays valid');
  assert.ok(!revoked.has('y'), 'another family is untouched');
});

test('children already revoked are still walked (a retry finishes a walk a storage failure cut short)', async () => {
  const { store } = memoryStore({ a: ['b'], b: ['c'] }, ['a', 'b']);
  const r = await revokeTokenFamily({ revocations: store, root: root('a') });
  assert.deepEqual(
    r.added.map((e) => e.jti),
    ['c'],
  );
});

test('the walk is bounded in depth and in count, and says when it stopped short', async () => {
  const chain: Record<string, string[]> = {};
  for (let i = 0; i < 30; i += 1) chain[`t${i}`] = [`t${i + 1}`];
  const deep = memoryStore(chain);
  const byDepth = await revokeTokenFamily({ revocations: deep.store, root: root('t0'), maxDepth: 5 });
  assert.equal(byDepth.truncated, true);
  assert.deepEqual(
    byDepth.added.map((e) => e.jti),
    ['t0', 't1', 't2', 't3', 't4', 't5'],
  );

  const wide = memoryStore({ r: Array.from({ length: 50 }, (_, i) => `k${i}`) });
  const byCount = await revokeTokenFamily({ revocations: wide.store, root: root('r'), maxTokens: 10 });
  assert.equal(byCount.truncated, true);
  assert.equal(byCount.added.length, 10, 'the root and 9 children');
  assert.equal(wide.order.length, 10, 'nothing beyond the bound is even written');

  const exact = memoryStore({ r: ['k1', 'k2'] });
  const full = await revokeTokenFamily({ revocations: exact.store, root: root('r'), maxTokens: 3 });
  assert.equal(full.truncated, false, 'a family exactly at the bound is complete');
  assert.equal(full.added.length, 3);
});

test('a loop in the links (never made by the service, but storage is not trusted) ends', async () => {
  const { store } = memoryStore({ a: ['b'], b: ['a', 'c'], c: ['b'] });
  const r = await revokeTokenFamily({ revocations: store, root: root('a') });
  assert.deepEqual(r.added.map((e) => e.jti).sort(), ['a', 'b', 'c']);
  assert.equal(r.truncated, false);
});
