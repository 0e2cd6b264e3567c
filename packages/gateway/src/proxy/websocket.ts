import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { Duplex } from 'node:stream';
import { UPSTREAM_TIMEOUT, UPSTREAM_UNAVAILABLE } from '../respond/outcome.js';
import { writeUpgradeOutcome } from '../respond/write-outcome.js';
import { responseHeaders } from './hop-headers.js';
import type { UpstreamTls } from './create-upstreams.js';

/**
 * Passes an authorized upgrade (WebSocket) to the upstream: sends the request with the prepared
 * headers, and on `101` writes the upstream's answer to the client and pipes the two sockets. Any
 * other upstream answer is relayed and the client socket closed. `done` receives the final status.
 */
export function proxyUpgrade(
  upstream: URL,
  tls: UpstreamTls | undefined,
  req: IncomingMessage,
  socket: Duplex,
  head: Buffer,
  path: string,
  headers: string[],
  timeoutMs: number,
  done: (status: number) => void,
  tunnels?: Set<Duplex>,
): void {
  const requestFn = upstream.protocol === 'https:' ? httpsRequest : httpRequest;
  const outHeaders: Record<string, string | string[]> = {};
  for (let i = 0; i < headers.length; i += 2) {
    const k = headers[i]!;
    const v = headers[i + 1]!;
    const prev = outHeaders[k];
    outHeaders[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
  }
  const up = requestFn({
    hostname: upstream.hostname,
    port: upstream.port || (upstream.protocol === 'https:' ? 443 : 80),
    method: req.method,
    path,
    headers: outHeaders,
    timeout: timeoutMs,
    agent: false,
    ...(tls ?? {}),
  });
  let settled = false;
  const finish = (status: number) => {
    if (!settled) {
      settled = true;
      done(status);
    }
  };
  socket.on('error', () => up.destroy());
  up.on('timeout', () => {
    up.destroy();
    writeUpgradeOutcome(socket, UPSTREAM_TIMEOUT);
    finish(504);
  });
  up.on('error', () => {
    writeUpgradeOutcome(socket, UPSTREAM_UNAVAILABLE);
    finish(502);
  });
  up.on('response', (res) => {
    // The upstream refused to switch protocols: relay its answer and close.
    const h = responseHeaders(res.headers);
    let text = `HTTP/1.1 ${res.statusCode} ${res.statusMessage ?? ''}\r\n`;
    for (let i = 0; i < h.length; i += 2) text += `${h[i]}: ${h[i + 1]}\r\n`;
    socket.write(`${text}connection: close\r\ntransfer-encoding: chunked\r\n\r\n`);
    res.on(
      'data',
      (chunk: Buffer) =>
        socket.write(`${chunk.length.toString(16)}\r\n`) && socket.write(chunk) && socket.write('\r\n'),
    );
    res.on('end', () => socket.end('0\r\n\r\n'));
    finish(res.statusCode ?? 502);
  });
  up.on('upgrade', (res, upSocket, upHead) => {
    up.setTimeout(0);
    let text = `HTTP/1.1 101 Switching Protocols\r\n`;
    const raw = res.rawHeaders;
    for (let i = 0; i < raw.length; i += 2) text += `${raw[i]}: ${raw[i + 1]}\r\n`;
    socket.write(`${text}\r\n`);
    if (upHead.length) socket.write(upHead);
    if (head.length) upSocket.write(head);
    upSocket.on('error', () => socket.destroy());
    socket.on('error', () => upSocket.destroy());
    // Either side closing ends the tunnel; the gateway destroys open tunnels when it shuts down.
    upSocket.once('close', () => socket.destroy());
    socket.once('close', () => {
      upSocket.destroy();
      tunnels?.delete(socket);
    });
    tunnels?.add(socket);
    upSocket.pipe(socket);
    socket.pipe(upSocket);
    finish(101);
  });
  up.end();
}
