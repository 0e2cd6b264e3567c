import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createDecisionBuffer } from './decision-buffer.js';
import type { ReportedDecision } from './gateway-report-schema.js';

const d = (path: string, action: ReportedDecision['action'] = 'allow'): ReportedDecision => ({
  at: 1,
  action,
  status: action === 'deny' ? 403 : 200,
  reason: 'allowed',
  route: 'r',
  method: 'GET',
  host: 'h',
  path,
});

test('the ring keeps the newest `capacity` decisions, numbered from 1, and says what a late cursor missed', () => {
  const buffer = createDecisionBuffer({ capacity: 3 });
  assert.deepEqual(buffer.after(0, 10), { decisions: [], next: 0, dropped: 0 });
  assert.equal(buffer.firstSeq, 1);
  buffer.append('g', [d('/1'), d('/2', 'deny')]);
  assert.deepEqual(
    buffer.all().map((x) => [x.seq, x.gateway, x.path]),
    [
      [1, 'g', '/1'],
      [2, 'g', '/2'],
    ],
  );
  buffer.append('g', [d('/3'), d('/4'), d('/5', 'deny')]);
  assert.deepEqual([buffer.firstSeq, buffer.lastSeq], [3, 5]);
  const late = buffer.after(0, 10);
  assert.deepEqual(
    late.decisions.map((x) => x.seq),
    [3, 4, 5],
  );
  assert.equal(late.dropped, 2);
  assert.equal(late.next, 5);
  // Filtered and limited: `next` is the last one looked at, so the reader goes on from there.
  const denies = buffer.after(2, 1, { action: 'deny' });
  assert.deepEqual(
    denies.decisions.map((x) => x.seq),
    [5],
  );
  assert.equal(denies.next, 5);
  assert.deepEqual(
    buffer.latest(2).decisions.map((x) => x.seq),
    [4, 5],
  );
  // A cursor beyond the newest (another replica's, or from before a restart): start over.
  const foreign = buffer.after(99, 10);
  assert.deepEqual(
    foreign.decisions.map((x) => x.seq),
    [3, 4, 5],
  );
  assert.equal(foreign.dropped, 2);
});
