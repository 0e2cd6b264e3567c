import { test } from 'node:test';
import assert from 'node:assert/strict';
import { auditQuery } from './audit-query';

test('the audit query leaves out empty filters, reads since in local time, and carries the cursor', () => {
  assert.equal(auditQuery({ actor: '', action: '', since: '' }), '');
  assert.equal(
    auditQuery({ actor: ' admin ', action: 'client.', since: '' }, '42'),
    'actor=admin&action=client.&cursor=42',
  );
  const since = '2026-12-07T10:30';
  assert.equal(auditQuery({ actor: '', action: '', since }), `since=${new Date(since).getTime()}`);
  assert.equal(auditQuery({ actor: '', action: '', since: 'not a date' }), '', 'an unreadable date is no filter');
});
