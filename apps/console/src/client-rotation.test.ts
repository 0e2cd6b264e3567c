import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  DEFAULT_OVERLAP_MS,
  datetimeLocalToIso,
  listedSecrets,
  overlapProblem,
  toDatetimeLocal,
} from './client-rotation';

// The conversions read the browser's time zone; Node reads TZ at each Date call, so each test sets
// the zone it is about and puts the previous one back.
function inZone(zone: string, run: () => void): void {
  const before = process.env['TZ'];
  process.env['TZ'] = zone;
  try {
    run();
  } finally {
    if (before === undefined) delete process.env['TZ'];
    else process.env['TZ'] = before;
  }
}

test('datetime-local to ISO 8601 with the offset of that date (summer time counts)', () => {
  inZone('Europe/Paris', () => {
    assert.equal(datetimeLocalToIso('2030-01-15T09:30'), '2030-01-15T09:30:00+01:00');
    assert.equal(datetimeLocalToIso('2030-07-01T09:30'), '2030-07-01T09:30:00+02:00');
    assert.equal(datetimeLocalToIso('2030-07-01T09:30:15'), '2030-07-01T09:30:15+02:00');
  });
  inZone('America/New_York', () => {
    assert.equal(datetimeLocalToIso('2030-01-15T09:30'), '2030-01-15T09:30:00-05:00');
  });
  inZone('Asia/Kolkata', () => {
    assert.equal(datetimeLocalToIso('2030-01-15T09:30'), '2030-01-15T09:30:00+05:30');
  });
  inZone('UTC', () => {
    assert.equal(datetimeLocalToIso('2030-01-15T09:30'), '2030-01-15T09:30:00+00:00');
  });
});

test('the ISO answer names the same instant the browser reads', () => {
  inZone('Europe/Paris', () => {
    const iso = datetimeLocalToIso('2030-03-31T12:00')!;
    assert.equal(Date.parse(iso), new Date(2030, 2, 31, 12, 0).getTime());
    // 02:30 does not exist on the spring-forward night: it is read as 03:30 summer time.
    assert.equal(datetimeLocalToIso('2030-03-31T02:30'), '2030-03-31T03:30:00+02:00');
  });
});

test('a value that is no time is refused', () => {
  for (const value of ['', 'tomorrow', '2030-02-31T10:00', '2030-13-01T10:00', '2030-01-15 09:30', '2030-01-15'])
    assert.equal(datetimeLocalToIso(value), undefined, value);
});

test('toDatetimeLocal is the inverse, to the minute, in the browser zone', () => {
  inZone('Europe/Paris', () => {
    const ms = Date.parse('2030-01-15T08:30:45Z');
    assert.equal(toDatetimeLocal(ms), '2030-01-15T09:30');
    assert.equal(Date.parse(datetimeLocalToIso(toDatetimeLocal(ms))!), Date.parse('2030-01-15T08:30:00Z'));
  });
});

test('the overlap must end in the future and within 90 days', () => {
  inZone('UTC', () => {
    const now = Date.parse('2030-01-15T08:00:00Z');
    assert.equal(overlapProblem(toDatetimeLocal(now + DEFAULT_OVERLAP_MS), now), undefined);
    assert.match(overlapProblem('2030-01-15T07:59', now)!, /future/);
    assert.match(overlapProblem('2030-05-01T00:00', now)!, /90 days/);
    assert.match(overlapProblem('', now)!, /date/);
  });
});

test('the secrets listed: the view’s, or the single current one before any rotation', () => {
  assert.deepEqual(listedSecrets({ hasSecret: true }), [{ id: 'primary' }]);
  assert.deepEqual(listedSecrets({ hasSecret: false }), []);
  const secrets = [{ id: 's_new' }, { id: 'primary', notAfter: '2030-01-16T08:00:00.000Z' }];
  assert.equal(listedSecrets({ hasSecret: true, secrets }), secrets);
});
