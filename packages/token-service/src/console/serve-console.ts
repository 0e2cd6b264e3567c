import { readdirSync, readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { builtInLoginUrl, CONSOLE_CLIENT_ID } from '../login/built-in-client.js';
import { liveSession } from '../login/live-session.js';
import { toProblem } from '../http/problem.js';
import { sendJson } from '../http/send-json.js';
import type { ServiceContext } from '../http/service-context.js';
import { tokenServiceErrors } from '../errors.js';

/** One built file, held in memory with its gzipped form (the console is a few files, built once). */
interface ConsoleFile {
  readonly type: string;
  readonly body: Buffer;
  readonly gzip: Buffer;
}

const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.json': 'application/json',
};

/**
 * The console's pages may load their own scripts and styles and call their own origin, nothing
 * else: no inline script, no other host, never framed.
 */
const CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
  "base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/** Where the build (`apps/console`, `vite build`) writes the console: `console/` beside `src/` and `dist/`. */
const DEFAULT_DIR = fileURLToPath(new URL('../../console/', import.meta.url));

/** Handles `GET /console` and everything under it. */
export type ConsoleHandler = (req: IncomingMessage, res: ServerResponse, path: string) => Promise<void>;

/**
 * Serves the web console (`apps/console`, built into this package) at `/console/`:
 *
 * - `/console/assets/*`: the built scripts and styles, named by content hash, cached for a year;
 * - any other path under `/console/` (the console's pages): `index.html` to a browser with a login
 *   session at this provider, else a redirect to the login (`/authorize` with the built-in
 *   `tessera-console` client, which comes back here with no code). The session cookie is the
 *   console's only credential: the admin API reads it, checks the user's roles and the CSRF token
 *   on every change (`adminPrincipal`), and no token ever reaches JavaScript.
 *
 * The files are read once, at the first request; a token service without a built console answers
 * `404 ERR_TOKEN_SERVICE_NOT_FOUND` saying how to build it.
 *
 * @example
 * ```ts
 * const serveConsole = createConsoleHandler(ctx);
 * if (path === '/console' || path.startsWith('/console/')) return serveConsole(req, res, path);
 * ```
 */
export function createConsoleHandler(ctx: ServiceContext, dir = DEFAULT_DIR): ConsoleHandler {
  let files: Map<string, ConsoleFile> | undefined;
  const load = (): Map<string, ConsoleFile> => {
    if (files !== undefined) return files;
    const loaded = new Map<string, ConsoleFile>();
    try {
      for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
        if (!entry.isFile()) continue;
        const full = join(entry.parentPath, entry.name);
        const body = readFileSync(full);
        const ext = entry.name.slice(entry.name.lastIndexOf('.'));
        const rel = full.slice(dir.length).split('\\').join('/').replace(/^\/+/, '');
        loaded.set(rel, { type: TYPES[ext] ?? 'application/octet-stream', body, gzip: gzipSync(body, { level: 9 }) });
      }
    } catch {
      // Not built: every page answers the 404 below.
    }
    files = loaded;
    return loaded;
  };

  const send = (req: IncomingMessage, res: ServerResponse, file: ConsoleFile, headers: Record<string, string>) => {
    const gzip = /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''));
    const body = gzip ? file.gzip : file.body;
    res.writeHead(200, {
      'content-type': file.type,
      'content-length': body.length,
      vary: 'accept-encoding',
      'x-content-type-options': 'nosniff',
      ...(gzip ? { 'content-encoding': 'gzip' } : {}),
      ...headers,
    });
    res.end(req.method === 'HEAD' ? undefined : body);
  };

  const notFound = (res: ServerResponse, detail: string) =>
    sendJson(res, 404, toProblem(tokenServiceErrors.create('ERR_TOKEN_SERVICE_NOT_FOUND', detail)), {
      'content-type': 'application/problem+json',
    });

  return async (req, res, path) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return notFound(res, `no endpoint ${req.method} ${path}`);
    if (path === '/console') {
      res.writeHead(308, { location: '/console/' }).end();
      return;
    }
    const built = load();
    const index = built.get('index.html');
    if (index === undefined) return notFound(res, 'the console is not built: run `npm run build`');
    if (path.startsWith('/console/assets/')) {
      const file = built.get(path.slice('/console/'.length));
      if (file === undefined) return notFound(res, 'no such console file');
      return send(req, res, file, { 'cache-control': 'public, max-age=31536000, immutable' });
    }
    if ((await liveSession(ctx, req)) === undefined) {
      res
        .writeHead(303, { location: builtInLoginUrl(CONSOLE_CLIENT_ID, ctx.issuerUrl()), 'cache-control': 'no-store' })
        .end();
      return;
    }
    send(req, res, index, {
      'cache-control': 'no-store',
      'content-security-policy': CSP,
      'referrer-policy': 'same-origin',
      'x-frame-options': 'DENY',
    });
  };
}
