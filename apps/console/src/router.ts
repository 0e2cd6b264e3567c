import { useEffect, useState } from 'preact/hooks';

/** Where the console is served; every page's address is below it. */
export const BASE = '/console/';

/** The page part of the address: `keys` for `/console/keys`, `''` for the overview. */
export function pageOf(pathname: string): string {
  return pathname.startsWith(BASE) ? pathname.slice(BASE.length).replace(/\/+$/, '') : '';
}

/** Moves to a page of the console without reloading it (the History API). */
export function navigate(page: string): void {
  history.pushState(null, '', BASE + page);
  dispatchEvent(new PopStateEvent('popstate'));
}

/** The current page, updated on navigation and the browser's back and forward buttons. */
export function usePage(): string {
  const [page, setPage] = useState(() => pageOf(location.pathname));
  useEffect(() => {
    const onPop = () => setPage(pageOf(location.pathname));
    addEventListener('popstate', onPop);
    return () => removeEventListener('popstate', onPop);
  }, []);
  return page;
}
