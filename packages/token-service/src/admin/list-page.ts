import { tokenServiceErrors } from '../errors.js';

/**
 * A page of an id-ordered list for the admin API: `q` keeps the items whose `text` contains it
 * (case-insensitive), `cursor` starts after that id, `limit` (1–1000, default all) cuts the page;
 * `next` is the cursor of the following page, absent on the last. The stores list in id order,
 * so the cursor is an id and holds across changes.
 *
 * @example
 * ```ts
 * const { items, next } = listPage(clients, query, (c) => c.clientId, (c) => c.clientId);
 * ```
 */
export function listPage<T>(
  all: readonly T[],
  query: URLSearchParams,
  idOf: (item: T) => string,
  textOf: (item: T) => string,
): { readonly items: readonly T[]; readonly next?: string } {
  const q = (query.get('q') ?? '').toLowerCase();
  const cursor = query.get('cursor') ?? '';
  const limitText = query.get('limit');
  const limit = limitText === null ? undefined : Number(limitText);
  if (limit !== undefined && (!Number.isInteger(limit) || limit < 1 || limit > 1000))
    throw tokenServiceErrors.create('ERR_ADMIN_BAD_REQUEST', 'limit must be an integer from 1 to 1000');
  const sorted = [...all].sort((a, b) => (idOf(a) < idOf(b) ? -1 : idOf(a) > idOf(b) ? 1 : 0));
  const matching = sorted.filter(
    (item) => (cursor === '' || idOf(item) > cursor) && (q === '' || textOf(item).toLowerCase().includes(q)),
  );
  if (limit === undefined || matching.length <= limit) return { items: matching };
  const items = matching.slice(0, limit);
  return { items, next: idOf(items.at(-1)!) };
}
