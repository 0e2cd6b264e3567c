// A real JWKS endpoint on 127.0.0.1 whose behaviour each test sets, counting what it saw.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type Handler = (req: IncomingMessage, res: ServerResponse) => void;

export interface JwksServer {
  readonly base: string;
  readonly url: string;
  /** Request paths in order. */
  readonly seen: string[];
  /** Replaces the behaviour for every path. */
  handle(handler: Handler): void;
  /** Serves `body` as JSON at every path. */
  serve(body: unknown, status?: number): void;
  close(): Promise<void>;
}

export async function startJwksServer(): Promise<JwksServer> {
  let handler: Handler = (_req, res) => res.writeHead(404).end();
  const seen: string[] = [];
  const server = createServer((req, res) => {
    seen.push(req.url ?? '');
    handler(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    base,
    url: `${base}/jwks.json`,
    seen,
    handle(h) {
      handler = h;
    },
    serve(body, status = 200) {
      const text = JSON.stringify(body);
      handler = (_req, res) => res.writeHead(status, { 'content-type': 'application/json' }).end(text);
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Resolves on the next event of `type` delivered to the returned hook. */
export function eventWaiter<E extends { type: string }>() {
  const waiting: { type: string; resolve: (e: E) => void }[] = [];
  const events: E[] = [];
  return {
    events,
    // An arrow, not a method: it is handed over as a callback (onEvent: events.onEvent).
    onEvent: (event: E) => {
      events.push(event);
      for (let i = waiting.length - 1; i >= 0; i--) {
        if (waiting[i]!.type === event.type) waiting.splice(i, 1)[0]!.resolve(event);
      }
    },
    next(type: E['type']): Promise<E> {
      return new Promise((resolve) => waiting.push({ type, resolve }));
    },
  };
}
