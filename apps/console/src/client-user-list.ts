// The searchable, cursor-paged list and the list/detail/new sub-views that the Clients and Users
// pages share. The pure parts (addresses, merging pages) are exported for the tests.
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { api, describeError } from './api';

/** How many rows one request asks for: a screenful, then "Load more". */
export const PAGE_SIZE = 50;

/**
 * The admin API address of one page of a list: `q` only when there is something to search for,
 * `cursor` only after the first page.
 *
 * @example
 * ```ts
 * listPath('/admin/clients', 'bill', 'billing-a'); // "/admin/clients?q=bill&limit=50&cursor=billing-a"
 * ```
 */
export function listPath(base: string, q: string, cursor?: string, limit = PAGE_SIZE): string {
  const params = new URLSearchParams();
  const query = q.trim();
  if (query !== '') params.set('q', query);
  params.set('limit', String(limit));
  if (cursor !== undefined) params.set('cursor', cursor);
  return `${base}?${params.toString()}`;
}

/**
 * The rows shown after "Load more": the ones already shown, then the page's rows that are not
 * among them (a row created between two requests could otherwise appear twice).
 */
export function appendPage<T>(shown: readonly T[], page: readonly T[], idOf: (item: T) => string): T[] {
  const seen = new Set(shown.map(idOf));
  return [...shown, ...page.filter((item) => !seen.has(idOf(item)))];
}

/** The rows with `item` in place of the row of the same id (as the API answered a change); others untouched. */
export function replaceItem<T>(shown: readonly T[], item: T, idOf: (item: T) => string): T[] {
  const id = idOf(item);
  return shown.map((row) => (idOf(row) === id ? item : row));
}

/** What a list page shows: the list, one item's detail, or the form that makes a new one. */
export type SubView =
  { readonly kind: 'list' } | { readonly kind: 'detail'; readonly id: string } | { readonly kind: 'new' };

/**
 * The sub-view a query string names: `?id=<id>` an item, `?new` the create form, else the list.
 * It lives in the address so that a detail can be bookmarked and the back button returns to the list.
 */
export function subViewOf(search: string): SubView {
  const params = new URLSearchParams(search);
  const id = params.get('id');
  if (id !== null && id !== '') return { kind: 'detail', id };
  if (params.has('new')) return { kind: 'new' };
  return { kind: 'list' };
}

/** The query string of a sub-view (the inverse of {@link subViewOf}): `''` for the list. */
export function searchOf(view: SubView): string {
  switch (view.kind) {
    case 'list':
      return '';
    case 'new':
      return '?new';
    case 'detail':
      return `?${new URLSearchParams({ id: view.id }).toString()}`;
  }
}

/**
 * The page's sub-view, kept in the address (History API): `open(view)` moves to it as a new
 * history entry; the browser's back and forward buttons move between them.
 */
export function useSubView(): readonly [SubView, (view: SubView) => void] {
  const [view, setView] = useState<SubView>(() => subViewOf(location.search));
  useEffect(() => {
    const onPop = () => setView(subViewOf(location.search));
    addEventListener('popstate', onPop);
    return () => removeEventListener('popstate', onPop);
  }, []);
  const open = useCallback((next: SubView) => {
    history.pushState(null, '', location.pathname + searchOf(next));
    setView(next);
  }, []);
  return [view, open];
}

/** A list as {@link usePagedList} holds it, with what the page does to it. */
export interface PagedList<T> {
  readonly items: readonly T[];
  /** The cursor of the following page; undefined on the last. */
  readonly next: string | undefined;
  readonly loading: boolean;
  readonly error: string | undefined;
  /** What the list was searched for (`q`). */
  readonly query: string;
  /** Searches from the first page (the same text again: a fresh load). */
  readonly search: (q: string) => void;
  /** Appends the following page. */
  readonly loadMore: () => void;
  /** Loads the first page again (after a create: the new row may sort anywhere). */
  readonly reload: () => void;
  /** Shows the API's answer to a change in place of the row it changed. */
  readonly put: (item: T) => void;
  /** Takes a deleted row out. */
  readonly drop: (id: string) => void;
}

/**
 * A searchable list of the admin API, a page at a time: `GET base?q=&limit=&cursor=` answers
 * `{ [key]: T[], next? }`. An answer that arrives after a newer search is dropped, so a slow
 * first search cannot overwrite a later one.
 *
 * @example
 * ```ts
 * const list = usePagedList<ClientView>('/admin/clients', 'clients', (c) => c.id);
 * ```
 */
export function usePagedList<T>(base: string, key: string, idOf: (item: T) => string): PagedList<T> {
  const [query, setQuery] = useState('');
  const [items, setItems] = useState<readonly T[]>([]);
  const [next, setNext] = useState<string | undefined>(undefined);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<string | undefined>(undefined);
  const [generation, setGeneration] = useState(0);
  // Bumped by every first-page load: an answer for an older epoch is stale.
  const epoch = useRef(0);

  const fetchPage = useCallback(
    async (cursor: string | undefined, from: number) => {
      setLoading(true);
      try {
        const page = await api<Record<string, unknown>>(listPath(base, query, cursor));
        if (from !== epoch.current) return;
        const rows = (page[key] ?? []) as T[];
        setItems((shown) => (cursor === undefined ? rows : appendPage(shown, rows, idOf)));
        setNext(typeof page['next'] === 'string' ? page['next'] : undefined);
        setError(undefined);
      } catch (err) {
        if (from === epoch.current) setError(describeError(err));
      } finally {
        if (from === epoch.current) setLoading(false);
      }
    },
    // idOf is left out: it is a pure accessor, and the caller's inline arrow would otherwise
    // refetch the list at every render.
    [base, key, query],
  );

  useEffect(() => {
    epoch.current += 1;
    void fetchPage(undefined, epoch.current);
  }, [fetchPage, generation]);

  return {
    items,
    next,
    loading,
    error,
    query,
    // Searching again for the same text (Enter) loads it again: the person asks for a fresh list.
    search: useCallback(
      (q: string) => (q.trim() === query ? setGeneration((g) => g + 1) : setQuery(q.trim())),
      [query],
    ),
    loadMore: () => {
      if (next !== undefined && !loading) void fetchPage(next, epoch.current);
    },
    reload: useCallback(() => setGeneration((g) => g + 1), []),
    put: (item: T) => setItems((shown) => replaceItem(shown, item, idOf)),
    drop: (id: string) => setItems((shown) => shown.filter((row) => idOf(row) !== id)),
  };
}

/**
 * Gives the focus back to the row a detail was opened from when the list shows again (its link
 * carries `data-row-id`), so that keyboard users do not restart at the top of the page.
 */
export function useRowFocus(view: SubView): void {
  const last = useRef<string | undefined>(undefined);
  if (view.kind === 'detail') last.current = view.id;
  useEffect(() => {
    if (view.kind !== 'list' || last.current === undefined) return;
    const id = last.current;
    last.current = undefined;
    for (const link of document.querySelectorAll<HTMLElement>('[data-row-id]'))
      if (link.dataset['rowId'] === id) return link.focus();
  }, [view]);
}
