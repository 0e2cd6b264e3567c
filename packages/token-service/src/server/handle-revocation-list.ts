import type { IncomingMessage, ServerResponse } from 'node:http';
import { sendJson } from './internal/http-io.js';
import type { ServiceContext } from './internal/context.js';

/** Open revocation streams (SSE clients) of one service instance. */
export interface RevocationStreams {
  readonly clients: Set<ServerResponse>;
}

const cursorPattern = /^[\x21-\x7e]{0,512}$/;

function readPaging(query: URLSearchParams): { since: string; limit: number } | undefined {
  const since = query.get('since') ?? '';
  const limit = Number(query.get('limit') ?? 1000);
  if (!cursorPattern.test(since) || !Number.isInteger(limit) || limit < 1 || limit > 1000) return undefined;
  return { since, limit };
}

/**
 * `GET /revocations?since=<cursor>&limit=N`: the revocations gateways poll (issue 3: revoked tokens
 * are denied before they expire). Answers `{ revocations: [{ jti, exp }], cursor }` with `exp` in
 * seconds, oldest first; pass `cursor` back as `since` to get only what is new. Public like the
 * JWKS: a `jti` says nothing without its token.
 *
 * @example
 * ```ts
 * const { revocations, cursor } = await (await fetch(`${issuer}/revocations?since=${last}`)).json();
 * ```
 */
export async function handleRevocationList(
  ctx: ServiceContext,
  _req: IncomingMessage,
  res: ServerResponse,
  query: URLSearchParams,
): Promise<void> {
  const paging = readPaging(query);
  if (paging === undefined)
    return sendJson(res, 400, {
      error: 'invalid_request',
      error_description: 'since must be a cursor from a previous answer, limit 1-1000',
    });
  const page = await ctx.storage.revocations.listSince(paging.since, paging.limit);
  sendJson(
    res,
    200,
    { revocations: page.items.map((r) => ({ jti: r.jti, exp: Math.floor(r.exp / 1000) })), cursor: page.cursor },
    { 'cache-control': 'no-store' },
  );
}

/**
 * `GET /revocations/stream?since=<cursor>`: the same list as server-sent events. First every
 * revocation after `since` (`event: revocation`), then `event: cursor` with the cursor to resume
 * polling from, then each new revocation as it happens (from the storage event bus, so every
 * replica's revocations arrive where the bus spans replicas). A comment line every 15 s keeps
 * proxies from closing the stream.
 *
 * @example
 * ```ts
 * const events = new EventSource(`${issuer}/revocations/stream`);
 * ```
 */
export async function openRevocationStream(
  ctx: ServiceContext,
  streams: RevocationStreams,
  req: IncomingMessage,
  res: ServerResponse,
  query: URLSearchParams,
): Promise<void> {
  const paging = readPaging(query);
  if (paging === undefined)
    return sendJson(res, 400, {
      error: 'invalid_request',
      error_description: 'since must be a cursor from a previous answer',
    });
  res.writeHead(200, {
    'content-type': 'text/event-stream',
    'cache-control': 'no-store',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
  });
  streams.clients.add(res);
  const keepAlive = setInterval(() => res.write(': keep-alive\n\n'), 15_000);
  keepAlive.unref();
  const stop = () => {
    clearInterval(keepAlive);
    streams.clients.delete(res);
  };
  req.on('close', stop);
  res.on('close', stop);
  let cursor = paging.since;
  for (;;) {
    const page = await ctx.storage.revocations.listSince(cursor, 1000);
    for (const r of page.items)
      res.write(`event: revocation\ndata: ${JSON.stringify({ jti: r.jti, exp: Math.floor(r.exp / 1000) })}\n\n`);
    const done = page.items.length < 1000 || page.cursor === cursor;
    cursor = page.cursor;
    if (done) break;
  }
  res.write(`event: cursor\ndata: ${JSON.stringify({ cursor })}\n\n`);
}

/**
 * Sends one revocation to every open stream.
 *
 * @example
 * ```ts
 * broadcastRevocation(streams, { jti, exp });
 * ```
 */
export function broadcastRevocation(streams: RevocationStreams, revocation: { jti: string; exp: number }): void {
  const frame = `event: revocation\ndata: ${JSON.stringify({ jti: revocation.jti, exp: revocation.exp })}\n\n`;
  for (const client of streams.clients) client.write(frame);
}
