import type { IncomingMessage, ServerResponse } from 'node:http';
import { sendJson } from '../http/send-json.js';
import type { ServiceContext } from '../http/service-context.js';
import type { RevocationStreams } from './create-revocation-streams.js';
import { readPaging } from './internal/read-paging.js';

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
  const forget = streams.add(res);
  const keepAlive = setInterval(() => res.write(': keep-alive\n\n'), 15_000);
  keepAlive.unref();
  const stop = () => {
    clearInterval(keepAlive);
    forget();
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
