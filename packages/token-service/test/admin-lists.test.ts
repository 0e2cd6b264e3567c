// Clients and users in the admin API with search and cursor paging (issue "The web console"):
// `q` finds by id (and for users by username and email), `limit` cuts a page, `next` leads to the
// following one until the last; without them the whole list, as before.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startService } from './helpers.js';

test('clients and users: pages follow next to the end, q searches, no parameters list everything', async () => {
  const ts = await startService({
    users: [
      { id: 'u-a', username: 'alice', password: 'alice-password-123', email: 'alice@example.org' },
      { id: 'u-b', username: 'bob', password: 'bob-password-1234', email: 'bob@corp.example' },
    ],
  });
  try {
    for (const id of ['svc-c', 'svc-a', 'billing', 'svc-b', 'orders'])
      assert.equal((await ts.admin('/admin/clients', { method: 'POST', body: JSON.stringify({ id }) })).status, 201);
    const all = (await (await ts.admin('/admin/clients')).json()) as { clients: { id: string }[]; next?: string };
    assert.deepEqual(
      all.clients.map((c) => c.id),
      ['billing', 'orders', 'svc-a', 'svc-b', 'svc-c'],
    );
    assert.equal(all.next, undefined);

    const ids: string[] = [];
    let cursor = '';
    for (let pages = 0; pages < 10; pages++) {
      const page = (await (await ts.admin(`/admin/clients?limit=2&cursor=${cursor}`)).json()) as {
        clients: { id: string }[];
        next?: string;
      };
      ids.push(...page.clients.map((c) => c.id));
      if (page.next === undefined) break;
      cursor = page.next;
    }
    assert.deepEqual(ids, ['billing', 'orders', 'svc-a', 'svc-b', 'svc-c']);
    const found = (await (await ts.admin('/admin/clients?q=SVC-')).json()) as { clients: { id: string }[] };
    assert.deepEqual(
      found.clients.map((c) => c.id),
      ['svc-a', 'svc-b', 'svc-c'],
    );
    const byEmail = (await (await ts.admin('/admin/users?q=corp.example')).json()) as { users: { username: string }[] };
    assert.deepEqual(
      byEmail.users.map((u) => u.username),
      ['bob'],
    );
    const users = (await (await ts.admin('/admin/users?limit=1')).json()) as { users: unknown[]; next?: string };
    assert.equal(users.users.length, 1);
    assert.equal(users.next, 'u-a');
    assert.equal((await ts.admin('/admin/clients?limit=0')).status, 400);
  } finally {
    await ts.stop();
  }
});
