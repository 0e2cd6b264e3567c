import type { ServerResponse } from 'node:http';

/** The open revocation streams (SSE clients) of one running service. */
export interface RevocationStreams {
  /** Adds one stream; answers the function that removes it (call it when the stream closes). */
  add(res: ServerResponse): () => void;
  /** Sends one revocation to every open stream. */
  broadcast(revocation: { readonly jti: string; readonly exp: number }): void;
  /** Sends `event: key-withdrawn` (`{ kid, at }`, seconds) to every open stream. */
  keyWithdrawn(key: { readonly kid: string; readonly at: number }): void;
  /** Ends every stream (at shutdown: an open stream would hold the server open until the drain deadline). */
  endAll(): void;
}

/**
 * Creates the set of open revocation streams that `openRevocationStream` adds to and that the
 * storage event subscription broadcasts to.
 *
 * @example
 * ```ts
 * const streams = createRevocationStreams();
 * streams.broadcast({ jti, exp });
 * ```
 */
export function createRevocationStreams(): RevocationStreams {
  const clients = new Set<ServerResponse>();
  const send = (frame: string) => {
    // An ended stream leaves the set on its `close` event; until then, writing to it would be an error.
    for (const client of clients) if (!client.writableEnded && !client.destroyed) client.write(frame);
  };
  return {
    add(res) {
      clients.add(res);
      return () => void clients.delete(res);
    },
    broadcast({ jti, exp }) {
      send(`event: revocation\ndata: ${JSON.stringify({ jti, exp })}\n\n`);
    },
    keyWithdrawn({ kid, at }) {
      send(`event: key-withdrawn\ndata: ${JSON.stringify({ kid, at })}\n\n`);
    },
    endAll() {
      for (const client of clients) if (!client.writableEnded) client.end();
    },
  };
}
