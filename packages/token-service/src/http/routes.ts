import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * Answers one request whose method and path matched its key in {@link Routes}. The body is not
 * read yet: a handler that needs it reads it (with `readBody`, under `server.bodyLimitBytes`).
 *
 * @example
 * ```ts
 * const healthz: RouteHandler = (_req, res) => sendJson(res, 200, { status: 'ok' });
 * ```
 */
export type RouteHandler = (req: IncomingMessage, res: ServerResponse, query: URLSearchParams) => Promise<void> | void;

/**
 * One group of endpoints, keyed by `METHOD /path` (exact match, no query string). Each group
 * (`oauth/`, `admin/`, `ops/`, and later `login/`) exports one; the router merges them.
 *
 * @example
 * ```ts
 * const routes: Routes = { 'GET /healthz': (_req, res) => sendJson(res, 200, { status: 'ok' }) };
 * ```
 */
export type Routes = Readonly<Record<string, RouteHandler>>;
