import type { IncomingMessage, ServerResponse } from 'node:http';
import { tokenServiceErrors } from '../errors.js';
import type { ServiceContext } from '../http/service-context.js';
import { matchesDecision, type DecisionFilter, type StoredDecision } from './decision-buffer.js';

/** Decisions read from the buffer at a time while a stream catches up. */
const PAGE = 200;
/**
 * A stream ends after this long; the browser's `EventSource` reconnects at once with
 * `Last-Event-ID`, and the credential is checked again then (besides at every ping).
 */
const MAX_STREAM_MS = 10 * 60_000;

/** Each decision's event, written once however many streams send it (the buffer shares the object). */
const frames = new WeakMap<StoredDecision, string>();
const frame = (d: StoredDecision): string => {
  let text = frames.get(d);
  if (text === undefined) {
    text = `id: ${d.seq}\nevent: decision\ndata: ${JSON.stringify(d)}\n\n`;
    frames.set(d, text);
  }
  return text;
};

/**
 * `GET /admin/decisions/stream` (issue 17): the decisions gateways push, live, as server-sent
 * events, one `event: decision` per decision with `id: <seq>`, oldest first, filtered as
 * `GET /admin/decisions` filters (`action`, `route`, `gateway`, `source`, `destination`). It
 * starts after `Last-Event-ID` (what a reconnecting `EventSource` sends), else after `?after=`,
 * else with the next decision; what is after the cursor and still in the buffer is sent first. A
 * `: ping` comment every `decisions.streamPingMs` (15 s) keeps proxies from closing it.
 *
 * Memory stays bounded whatever the reader does: a stream writes only while its socket takes it;
 * when the socket's buffer is full it stops, and when it drains it reads on from the shared
 * buffer. A reader slower than gateways push falls further behind until the buffer has overwritten
 * what it had not read: it then gets `event: dropped` with `{ dropped: n }` (how many it missed)
 * and continues from the oldest still held, never an unbounded queue. At most
 * `decisions.maxStreams` are open at once (one more: 503 `ERR_TOKEN_SERVICE_UNAVAILABLE`); all end
 * when the service stops. The caller has checked the admin credential (a viewer may read);
 * `stillAllowed` checks it again at every ping, and the stream ends when it no longer holds (a
 * session ended, a role taken away) or after ten minutes, whichever comes first. A cursor this
 * replica never gave (another replica's, or from before a restart) replays what the buffer holds.
 *
 * @example
 * ```ts
 * const events = new EventSource('/admin/decisions/stream?action=deny', { withCredentials: true });
 * events.addEventListener('decision', (e) => show(JSON.parse(e.data)));
 * ```
 */
export function openDecisionStream(
  ctx: ServiceContext,
  req: IncomingMessage,
  res: ServerResponse,
  resumeAfter: number | undefined,
  filter: DecisionFilter,
  stillAllowed: () => Promise<boolean>,
): void {
  const { buffer } = ctx.decisions;
  const open = () => !res.writableEnded && !res.destroyed;
  // Everything up to `sent` was written or skipped (by the filter): the stream's own cursor.
  let sent =
    resumeAfter === undefined ? buffer.lastSeq : resumeAfter > buffer.lastSeq ? buffer.firstSeq - 1 : resumeAfter;
  let behind = false;

  /** Writes one frame; false when the socket's buffer is full (then wait for 'drain'). */
  const write = (text: string) => res.write(text);

  const waitForDrain = () => {
    behind = true;
    res.once('drain', catchUp);
  };

  /** Sends what the buffer holds after `sent`, until it is all out or the socket is full. */
  function catchUp(): void {
    behind = false;
    while (open()) {
      const page = buffer.after(sent, PAGE, filter);
      if (page.dropped > 0 && !write(`event: dropped\ndata: ${JSON.stringify({ dropped: page.dropped })}\n\n`)) {
        sent = Math.max(sent, buffer.firstSeq - 1);
        waitForDrain();
        return;
      }
      for (const d of page.decisions) {
        sent = d.seq;
        if (!write(frame(d))) {
          waitForDrain();
          return;
        }
      }
      sent = Math.max(sent, page.next);
      if (page.decisions.length < PAGE) return;
    }
  }

  const unsubscribe = ctx.decisions.subscribe({
    decision(d) {
      // Behind: the drain reads it from the buffer. Seen already: a catch-up got there first.
      if (behind || !open() || d.seq <= sent) return;
      if (d.seq !== sent + 1) {
        // Not the next one (a cursor from elsewhere): let the buffer say what lies between.
        catchUp();
        return;
      }
      sent = d.seq;
      if (matchesDecision(d, filter) && !write(frame(d))) waitForDrain();
    },
    end() {
      end();
    },
  });
  if (unsubscribe === undefined)
    throw tokenServiceErrors.create(
      'ERR_TOKEN_SERVICE_UNAVAILABLE',
      `${ctx.config.decisions.maxStreams} decision streams are open on this replica already; retry later`,
      { expose: true },
    );
  res.writeHead(200, {
    'content-type': 'text/event-stream',
    'cache-control': 'no-store',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
  });
  // The head (and a first comment) at once: a reader knows the stream is open before a decision comes.
  write(': decisions\n\n');
  const end = () => {
    stop();
    if (open()) res.end();
  };
  const ping = setInterval(() => {
    void stillAllowed().then((allowed) => {
      if (!allowed) end();
      else if (open() && !behind) write(': ping\n\n');
    }, end);
  }, ctx.config.decisions.streamPingMs);
  ping.unref();
  const deadline = setTimeout(end, MAX_STREAM_MS);
  deadline.unref();
  function stop(): void {
    clearInterval(ping);
    clearTimeout(deadline);
    unsubscribe?.();
  }
  req.on('close', stop);
  res.on('close', stop);
  if (resumeAfter !== undefined) catchUp();
}
