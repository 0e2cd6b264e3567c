import { test } from 'node:test';
import assert from 'node:assert/strict';
import { keyTimeline, type KeyInfo } from './key-timeline';

const H = 3_600_000;
const NOW = Date.parse('2026-12-07T12:00:00Z');
const iso = (t: number) => new Date(t).toISOString();

test('the ring on one axis: a retired key ends at its removal, the active one runs on, the next one starts signing at its activation', () => {
  const keys: KeyInfo[] = [
    {
      kid: 'old',
      alg: 'RS256',
      state: 'retired',
      createdAt: iso(NOW - 48 * H),
      activatedAt: iso(NOW - 47 * H),
      retiredAt: iso(NOW - 23 * H),
      removeAt: iso(NOW - 22 * H + 10 * H),
    },
    { kid: 'cur', alg: 'RS256', state: 'active', createdAt: iso(NOW - 24 * H), activatedAt: iso(NOW - 23 * H) },
    { kid: 'nxt', alg: 'RS256', state: 'next', createdAt: iso(NOW - H), activateAt: iso(NOW + H) },
    { kid: 'gone', alg: 'RS256', state: 'removed', createdAt: iso(NOW - 96 * H) },
  ];
  const t = keyTimeline(keys, NOW, NOW + H);
  assert.deepEqual(
    t.bars.map((b) => b.kid),
    ['old', 'cur', 'nxt'],
    'removed keys are not drawn',
  );
  assert.equal(t.start, NOW - 48 * H, 'the window starts at the oldest key shown');
  assert.ok(t.end > NOW + H, 'and ends past the next rotation');
  const [old, cur, nxt] = t.bars;
  assert.equal(old!.from, 0);
  assert.ok(old!.to < t.now, 'the retired key leaves the JWKS before now... ');
  assert.equal(cur!.to, 1, 'the active key has no end yet');
  assert.ok(nxt!.signsFrom! > t.now && nxt!.signsFrom! < 1, 'the next key signs after now, within the window');
  assert.equal(t.rotation, nxt!.signsFrom, 'the next rotation is marked where the next key starts signing');
  for (const b of t.bars) assert.ok(b.from >= 0 && b.to <= 1 && b.from <= b.to, `${b.kid} within the window`);
});

test('a withdrawn key ends at its withdrawal; an empty ring still gives a window around now', () => {
  const t = keyTimeline(
    [
      {
        kid: 'w',
        alg: 'ES256',
        state: 'withdrawn',
        createdAt: iso(NOW - 2 * H),
        withdrawnAt: iso(NOW - H),
        removeAt: iso(NOW + 5 * H),
      },
    ],
    NOW,
  );
  const bar = t.bars[0]!;
  assert.ok(Math.abs(bar.to - (NOW - H - t.start) / (t.end - t.start)) < 1e-9);
  const empty = keyTimeline([], NOW);
  assert.ok(empty.start < NOW && empty.end > NOW);
  assert.ok(empty.now > 0 && empty.now < 1);
  assert.equal(empty.rotation, undefined, 'no rotation known, none marked');
});
