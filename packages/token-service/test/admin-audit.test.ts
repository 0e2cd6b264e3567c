// The audit log in the admin API (issue "The web console"): newest first a page at a time, the
// next page by cursor until there is none, filtered by actor and action prefix, and exported
// whole as JSON lines, oldest first.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startService } from './helpers.js';

test('audit pages follow their cursor to the end; filters by actor and action; the export has every record as JSON lines', async () => {
  const ts = await startService();
  try {
    for (let i = 0; i < 5; i++) {
      const res = await ts.admin('/admin/clients', { method: 'POST', body: JSON.stringify({ id: `svc-${i}` }) });
      assert.equal(res.status, 201);
    }
    const whole = (await (await ts.admin('/admin/audit?limit=1000')).json()) as {
      entries: { seq: number; action: string; actor: string }[];
      next?: string;
    };
    assert.equal(whole.next, undefined, 'one page holds them all');

    const seen: number[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = (await (
        await ts.admin(`/admin/audit?limit=2${cursor === undefined ? '' : `&cursor=${cursor}`}`)
      ).json()) as { entries: { seq: number }[]; next?: string };
      seen.push(...page.entries.map((e) => e.seq));
      cursor = page.next;
      pages++;
    } while (cursor !== undefined && pages < 50);
    assert.deepEqual(
      seen,
      whole.entries.map((e) => e.seq),
      'the pages, in order, are the whole log, newest first',
    );

    const created = (await (await ts.admin('/admin/audit?action=client.')).json()) as {
      entries: { action: string; actor: string }[];
    };
    assert.equal(created.entries.length, 5);
    assert.ok(created.entries.every((e) => e.action === 'client.created' && e.actor === 'admin'));
    const bySystem = (await (await ts.admin('/admin/audit?actor=system')).json()) as { entries: { actor: string }[] };
    assert.ok(bySystem.entries.length > 0 && bySystem.entries.every((e) => e.actor === 'system'));

    const exported = await ts.admin('/admin/audit/export?action=client.');
    assert.equal(exported.status, 200);
    assert.match(exported.headers.get('content-type')!, /^application\/x-ndjson/);
    const lines = (await exported.text())
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { seq: number; target: string });
    assert.deepEqual(
      lines.map((l) => l.target),
      ['svc-0', 'svc-1', 'svc-2', 'svc-3', 'svc-4'],
    );
    // More than one store read (a thousand at a time): the export pages through them all.
    for (let i = 0; i < 2100; i++) await ts.service.storage.audit.append({ actor: 'bulk', action: 'bulk.item' });
    const bulk = (await (await ts.admin('/admin/audit/export?actor=bulk')).text()).trim().split('\n');
    assert.equal(bulk.length, 2100);
    const seqs = bulk.map((l) => (JSON.parse(l) as { seq: number }).seq);
    assert.ok(
      seqs.every((seq, i) => i === 0 || seq > seqs[i - 1]!),
      'oldest first, none twice',
    );
    assert.equal((await ts.admin('/admin/audit?cursor=abc')).status, 400);
    assert.equal((await ts.admin('/admin/audit?since=soon')).status, 400);
  } finally {
    await ts.stop();
  }
});
