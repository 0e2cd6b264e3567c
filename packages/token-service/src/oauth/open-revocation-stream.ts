import type { IncomingMessage, ServerResponse } from 'node:http';
import { sendJson } from '../http/send-json.js';
import type { ServiceContext } from '../http/service-context.js';
import type { RevocationStreams } from './create-revocation-streams.js';
import { readPaging } from './internal/read-paging.js';

const PAGE = 1000;

/**
 * `GET /revocations/stream?since=<cursor>`: the same list as server-sent events, for an
 * authenticated client with the `revocations` permission (the route runs this only after
 * `authorizeRevocationReader`). The cursor to start after is the `Last-Event-ID` header when
 * present (what an `EventSource` sends when it reconnects), else `?since=`.
 *
 * First every revocation after the cursor (`event: revocation`) and every key withdrawn in an
 * emergency that still matters (`event: key-withdrawn`, `{ kid, at }`), then `event: cursor` (with
 * `id: <cursor>`) to resume from, then each new revocation and withdrawal as it happens (from the storage event
 * bus, so every replica's revocations arrive where the bus spans replicas). A comment line
 * (`: heartbeat`) every `revocationStream.heartbeatMs` keeps proxies from closing the stream and
 * tells the follower it is alive; with it the stream catches up from storage (what the event bus
 * missed, then a fresh `event: cursor`), so a revocation made while the bus was down arrives within
 * one heartbeat. After `revocationStream.maxDurationMs` the stream ends, so no
 * connection is held forever (hardening issue): it catches up from its cursor once more, sends
 * the revocations since then and a last `event: cursor`, then ends; the follower reconnects from
 * that cursor and misses nothing (a revocation after that catch-up is after the cursor, so the next
 * stream's backlog holds it). Live events carry no cursor, so a follower that lost the connection
 * earlier resumes from the last cursor it saw and gets those again: duplicates, never a gap.
 *
 * @example
 * ```ts
 * const events = new EventSource(`${issuer}/revocations/stream`); // behind a proxy adding HTTP Basic
 * ```
 */
export async function openRevocationStream(
  ctx: ServiceContext,
  streams: RevocationStreams,
  req: IncomingMessage,
  res: ServerResponse,
  query: URLSearchParams,
): Promise<void> {
  const lastEventId = req.headersDistinct['last-event-id'];
  const paging = readPaging(query);
  // HTML's server-sent events: a reconnecting EventSource keeps its URL and sends the last `id:`
  // it saw, which is newer than the URL's `since`. Two of them are refused, not guessed between.
  const resume =
    lastEventId === undefined
      ? paging?.since
      : lastEventId.length === 1
        ? readPaging(new URLSearchParams({ since: lastEventId[0]! }))?.since
        : undefined;
  if (paging === undefined || resume === undefined)
    return sendJson(res, 400, {
      error: 'invalid_request',
      error_description: 'since (or Last-Event-ID) must be a cursor from a previous answer',
    });
  const { heartbeatMs, maxDurationMs } = ctx.config.revocationStream;
  res.writeHead(200, {
    'content-type': 'text/event-stream',
    'cache-control': 'no-store',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
  });
  const open = () => !res.writableEnded && !res.destroyed;
  // Registered before the first read of the backlog: a revocation committed meanwhile is broadcast
  // here too (perhaps twice), never lost between the read and the subscription.
  const forget = streams.add(res);
  let cursor = resume;
  /** Writes every revocation after `cursor` and moves `cursor` past them. */
  const catchUp = async () => {
    for (;;) {
      const page = await ctx.storage.revocations.listSince(cursor, PAGE);
      if (!open()) return;
      for (const r of page.items)
        res.write(`event: revocation\ndata: ${JSON.stringify({ jti: r.jti, exp: Math.floor(r.exp / 1000) })}\n\n`);
      const done = page.items.length < PAGE || page.cursor === cursor;
      cursor = page.cursor;
      if (done) return;
    }
  };
  const sendCursor = () => {
    if (open()) res.write(`id: ${cursor}\nevent: cursor\ndata: ${JSON.stringify({ cursor })}\n\n`);
  };

  // Each heartbeat also catches up from the cursor: the live path is the event bus, and a
  // revocation made at another replica while the bus was down (Redis restarting) never arrives on
  // it. So such a revocation reaches the follower within one heartbeat, and the follower gets a
  // fresh cursor to resume from (a live event sent before is sent again: a duplicate, not a gap).
  let resyncing: Promise<void> | undefined;
  const heartbeat = setInterval(() => {
    if (!open()) return;
    res.write(': heartbeat\n\n');
    resyncing ??= backlog
      .then(catchUp)
      .then(sendCursor)
      .catch((error: unknown) =>
        ctx.logger.warn(
          { err: error },
          'revocation stream: catching up from storage failed; retrying at the next heartbeat',
        ),
      )
      .finally(() => (resyncing = undefined));
  }, heartbeatMs);
  heartbeat.unref();
  const deadline = setTimeout(() => {
    void Promise.all([backlog, resyncing])
      .then(catchUp)
      .then(() => {
        sendCursor();
        // Off the broadcast list before `end()`: a write after it would be an error on `res`.
        stop();
        if (open()) res.end();
      })
      .catch((error: unknown) => {
        ctx.logger.warn({ err: error }, 'revocation stream: the final catch-up failed; ending the stream');
        stop();
        res.destroy();
      });
  }, maxDurationMs);
  deadline.unref();
  const stop = () => {
    clearInterval(heartbeat);
    clearTimeout(deadline);
    forget();
  };
  req.on('close', stop);
  res.on('close', stop);

  /** Every key withdrawn in an emergency and still relevant, so a reconnecting follower has them all. */
  const sendWithdrawnKeys = () => {
    if (!open()) return;
    for (const key of ctx.keyRing.withdrawnKeys()) res.write(`event: key-withdrawn\ndata: ${JSON.stringify(key)}\n\n`);
  };

  const backlog = catchUp().then(() => {
    sendWithdrawnKeys();
    sendCursor();
  });
  await backlog;
}
