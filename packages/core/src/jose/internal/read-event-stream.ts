// A server-sent events reader (WHATWG HTML §9.2) on node:http(s), for the token service's revocation
// stream. Hand-written: the format is a few lines, and the EventSource packages either pull in a
// browser polyfill or cannot send an Authorization header with a custom CA agent.
import { request as httpRequest, type Agent as HttpAgent } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { FetchFailure } from './fetch-json.js';

/** One dispatched event: `event:` (default `message`), the `data:` lines joined by `\n`, and `id:`. */
export interface EventFrame {
  readonly event: string;
  readonly data: string;
  readonly id: string | undefined;
}

/** Options of {@link readEventStream}. */
export interface ReadEventStreamOptions {
  readonly headers: Readonly<Record<string, string>>;
  /** Time allowed until the response headers arrive; the body may then stay open indefinitely. */
  readonly timeoutDuration: number;
  readonly agent?: HttpAgent;
  readonly signal: AbortSignal;
  /** Called for each event; also for comment-only frames (heartbeats) with `event: ''`. */
  readonly onFrame: (frame: EventFrame) => void;
  /** Called once the server answered 200 and the stream is open. */
  readonly onOpen?: () => void;
  /** Longest frame accepted, in characters: a server that never ends a frame cannot grow our memory. */
  readonly maxFrameLength?: number;
}

/**
 * GETs `url` as `text/event-stream` and feeds its frames to `onFrame` until the server ends the
 * stream (resolves) or the connection fails, the status is not 200, or `signal` aborts (rejects
 * with a {@link FetchFailure}).
 */
export function readEventStream(url: URL, options: ReadEventStreamOptions): Promise<void> {
  const maxFrame = options.maxFrameLength ?? 1_048_576;
  return new Promise((resolve, reject) => {
    let settled = false;
    const settle = (error?: FetchFailure) => {
      if (settled) return;
      settled = true;
      clearTimeout(headersTimer);
      if (error === undefined) resolve();
      else reject(error);
    };
    const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const req = request(url, {
      method: 'GET',
      headers: { accept: 'text/event-stream', 'user-agent': 'tessera', ...options.headers },
      agent: options.agent,
      signal: options.signal,
    });
    const headersTimer = setTimeout(() => {
      req.destroy();
      settle(new FetchFailure('timeout', `no answer within ${options.timeoutDuration} ms`));
    }, options.timeoutDuration);
    headersTimer.unref();
    req.on('error', (error) =>
      settle(
        options.signal.aborted
          ? new FetchFailure('aborted', 'the stream was closed')
          : new FetchFailure('network', `request failed: ${error.message}`, undefined, { cause: error }),
      ),
    );
    req.on('response', (res) => {
      clearTimeout(headersTimer);
      const status = res.statusCode ?? 0;
      if (status !== 200) {
        res.destroy();
        settle(new FetchFailure('status', `answered HTTP ${status}, expected 200`, status));
        return;
      }
      options.onOpen?.();
      res.setEncoding('utf8');
      let buffer = '';
      res.on('data', (chunk: string) => {
        buffer += chunk;
        for (;;) {
          // A frame ends at a blank line; CRLF, LF and CR are all line ends (§9.2.5).
          const match = /\r\n\r\n|\n\n|\r\r/.exec(buffer);
          if (match === null) break;
          const frame = buffer.slice(0, match.index);
          buffer = buffer.slice(match.index + match[0].length);
          options.onFrame(parseFrame(frame));
        }
        if (buffer.length > maxFrame) {
          res.destroy();
          settle(new FetchFailure('too_large', `an event is longer than ${maxFrame} characters`, 200));
        }
      });
      res.on('end', () => settle());
      res.on('error', (error) => settle(new FetchFailure('network', `the stream failed: ${error.message}`, 200)));
      res.on('close', () => {
        if (!res.complete)
          settle(
            options.signal.aborted
              ? new FetchFailure('aborted', 'the stream was closed')
              : new FetchFailure('network', 'the connection closed in the middle of the stream', 200),
          );
      });
    });
    req.end();
  });
}

function parseFrame(frame: string): EventFrame {
  let event = '';
  let id: string | undefined;
  const data: string[] = [];
  let fields = 0;
  for (const line of frame.split(/\r\n|\n|\r/)) {
    if (line.startsWith(':')) continue; // a comment (heartbeat)
    const colon = line.indexOf(':');
    const name = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    fields++;
    if (name === 'event') event = value;
    else if (name === 'data') data.push(value);
    else if (name === 'id') id = value;
  }
  return { event: fields === 0 ? '' : event || 'message', data: data.join('\n'), id };
}
