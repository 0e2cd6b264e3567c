import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PAGE_SIZE, appendPage, listPath, replaceItem, searchOf, subViewOf, type SubView } from './client-user-list';

test('listPath: q only when there is one, the cursor after the first page', () => {
  assert.equal(listPath('/admin/clients', ''), `/admin/clients?limit=${PAGE_SIZE}`);
  assert.equal(listPath('/admin/clients', '  '), `/admin/clients?limit=${PAGE_SIZE}`);
  assert.equal(
    listPath('/admin/users', ' ali ce&x ', 'u_1/2', 10),
    '/admin/users?q=ali+ce%26x&limit=10&cursor=u_1%2F2',
  );
});

test('appendPage keeps the shown rows and adds the new ones once', () => {
  const id = (r: { id: string }) => r.id;
  assert.deepEqual(appendPage([{ id: 'a' }, { id: 'b' }], [{ id: 'b' }, { id: 'c' }], id), [
    { id: 'a' },
    { id: 'b' },
    { id: 'c' },
  ]);
});

test('replaceItem puts the answer of a change in place', () => {
  const rows = [
    { id: 'a', n: 1 },
    { id: 'b', n: 1 },
  ];
  assert.deepEqual(
    replaceItem(rows, { id: 'b', n: 2 }, (r) => r.id),
    [
      { id: 'a', n: 1 },
      { id: 'b', n: 2 },
    ],
  );
  assert.deepEqual(
    replaceItem(rows, { id: 'z', n: 2 }, (r) => r.id),
    rows,
    'a row not shown is not added',
  );
});

test('the sub-view lives in the query string and round-trips', () => {
  assert.deepEqual(subViewOf(''), { kind: 'list' });
  assert.deepEqual(subViewOf('?id='), { kind: 'list' });
  assert.deepEqual(subViewOf('?new'), { kind: 'new' });
  assert.deepEqual(subViewOf('?id=a%20b%2Fc'), { kind: 'detail', id: 'a b/c' });
  const views: SubView[] = [{ kind: 'list' }, { kind: 'new' }, { kind: 'detail', id: 'tricky &?=#/id' }];
  for (const view of views) assert.deepEqual(subViewOf(searchOf(view)), view);
});
