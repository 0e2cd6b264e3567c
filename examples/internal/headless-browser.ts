// A browser without a screen, for the examples' checks and `tessera up`'s tour: keeps cookies,
// follows redirects itself, and fills in the token service's login form over HTTP, the way a
// person would in a browser (the browser test in test/e2e does the same in Chromium).
import { httpCall, type HttpResult } from './http-client.js';

/** A page the headless browser landed on. */
export interface HeadlessPage {
  readonly url: string;
  readonly status: number;
  readonly html: string;
}

/** A cookie-keeping HTTP client that follows redirects like a browser (303 → GET). */
export interface HeadlessBrowser {
  /** Opens `url`, following redirects; the page it ends on. */
  open(url: string): Promise<HeadlessPage>;
  /** Posts a form from a page of `origin` (as the browser would: `Origin` set), following redirects. */
  submit(action: string, fields: Record<string, string>): Promise<HeadlessPage>;
  /** The cookies held, by name (to look at, or to copy into another browser). */
  readonly cookies: Map<string, string>;
  /**
   * Signs in at the login page `page` (the token service's), and follows where it sends the
   * browser, up to a URL starting with `stopAt` (a callback nobody serves: its URL holds the code).
   */
  signIn(page: HeadlessPage, username: string, password: string, stopAt?: string): Promise<HeadlessPage>;
}

/**
 * A new headless browser with an empty cookie jar. Cookies are kept by name, for every port of
 * the host as a browser does (the examples run everything on 127.0.0.1).
 *
 * @example
 * ```ts
 * const browser = headlessBrowser();
 * const login = await browser.open(`${webui}/login`);
 * const home = await browser.signIn(login, 'alice', 'alice-password');
 * ```
 */
export function headlessBrowser(options: { readonly ca?: string } = {}): HeadlessBrowser {
  const jar = new Map<string, string>();
  const request = async (
    url: string,
    init: { method?: string; headers?: Record<string, string>; body?: string } = {},
  ) => {
    const cookie = [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
    const res = await httpCall(url, {
      ...init,
      // A browser's navigation: it asks for a page (a gateway that logs people in redirects only those).
      headers: { accept: 'text/html,application/xhtml+xml', ...(cookie === '' ? {} : { cookie }), ...init.headers },
      ...(options.ca === undefined ? {} : { ca: options.ca }),
    });
    const setCookie = res.headers['set-cookie'] ?? [];
    for (const set of Array.isArray(setCookie) ? setCookie : [setCookie]) {
      const [pair] = set.split(';');
      const eq = pair!.indexOf('=');
      const value = pair!.slice(eq + 1);
      if (value === '' || /max-age=0/i.test(set)) jar.delete(pair!.slice(0, eq));
      else jar.set(pair!.slice(0, eq), value);
    }
    return res;
  };
  const follow = async (first: HttpResult, from: string, stopAt?: string): Promise<HeadlessPage> => {
    let res = first;
    let url = from;
    for (let hops = 0; res.status >= 300 && res.status < 400 && hops < 10; hops += 1) {
      url = new URL(String(res.headers['location']), url).href;
      if (stopAt !== undefined && url.startsWith(stopAt)) return { url, status: res.status, html: '' };
      res = await request(url);
    }
    return { url, status: res.status, html: res.text };
  };
  const submit = async (action: string, fields: Record<string, string>, stopAt?: string) => {
    const res = await request(action, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: new URL(action).origin },
      body: new URLSearchParams(fields).toString(),
    });
    return follow(res, action, stopAt);
  };
  return {
    cookies: jar,
    async open(url) {
      return follow(await request(url), url);
    },
    submit: (action, fields) => submit(action, fields),
    async signIn(page, username, password, stopAt) {
      const field = (name: string) => new RegExp(`name="${name}" value="([^"]*)"`).exec(page.html)?.[1];
      const interaction = field('interaction');
      const csrf = field('csrf');
      if (interaction === undefined || csrf === undefined) throw new Error(`not a login page: ${page.url}`);
      return submit(new URL('/login', page.url).href, { interaction, csrf, username, password }, stopAt);
    },
  };
}
