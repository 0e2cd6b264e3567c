import type { IncomingMessage, ServerResponse } from 'node:http';
import { escapeHtml } from './login-page.js';

/**
 * The headers every provider page carries: no caching, no framing, a CSP with no script but the
 * provider's own passkey script where `script` says so (`/login/passkey.js`, nothing inline);
 * `formTarget` is the origin a form on the page may lead to (the client, after the redirect).
 *
 * @example
 * ```ts
 * res.writeHead(200, pageHeaders('https://webui.example')).end(html);
 * ```
 */
export function pageHeaders(formTarget: string | undefined, script = false): Record<string, string> {
  return {
    'content-type': 'text/html; charset=utf-8',
    'cache-control': 'no-store',
    pragma: 'no-cache',
    'x-frame-options': 'DENY',
    'x-content-type-options': 'nosniff',
    // Nothing of the page's URL (codes, state) leaves for another origin; not `no-referrer`, under
    // which browsers send `Origin: null` on the page's own form posts (Fetch §3.1) and the
    // same-site check below could not tell them from a forged one.
    'referrer-policy': 'same-origin',
    // form-action also governs the redirect after the form is posted (to the client).
    'content-security-policy': `default-src 'none';${script ? " script-src 'self';" : ''} style-src 'self'; img-src 'self'; form-action 'self'${
      formTarget === undefined ? '' : ` ${formTarget}`
    }; frame-ancestors 'none'; base-uri 'none'`,
  };
}

/**
 * A page that says what went wrong, for errors that must not go back to an unverified redirect URI.
 *
 * @example
 * ```ts
 * return errorPage(res, 400, 'invalid_request', 'redirect_uri is not registered for this client');
 * ```
 */
export function errorPage(res: ServerResponse, status: number, error: string, description: string): void {
  res
    .writeHead(status, pageHeaders(undefined))
    .end(
      `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(error)}</title><link rel="stylesheet" href="/login/style.css"></head><body><main><h1>This request cannot be completed</h1><p role="alert">${escapeHtml(description)} (${escapeHtml(error)})</p></main></body></html>`,
    );
}

/**
 * False for a form posted from another site: an `Origin` other than the issuer's, or
 * `Sec-Fetch-Site` other than same-origin (or none, a user's own navigation). A browser always
 * sends one of the two on a cross-site POST, so a login or logout cannot be forged from elsewhere.
 *
 * @example
 * ```ts
 * if (!sameSitePost(req, ctx.issuerUrl())) return errorPage(res, 403, 'access_denied', 'posted from another site');
 * ```
 */
export function sameSitePost(req: IncomingMessage, issuer: string): boolean {
  const origin = req.headersDistinct.origin;
  const fetchSite = req.headers['sec-fetch-site'];
  if (origin !== undefined && (origin.length !== 1 || origin[0] !== new URL(issuer).origin)) return false;
  return fetchSite === undefined || fetchSite === 'same-origin' || fetchSite === 'none';
}
