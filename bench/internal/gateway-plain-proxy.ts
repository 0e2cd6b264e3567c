// Benchmark peer: a plain Node reverse proxy (node:http + undici Pool, no auth): what a careful
// hand-written proxy costs, for the Tessera/plain-node ratio. Hop-by-hop headers are removed and
// X-Forwarded-For set, as any correct proxy must. Usage: gateway-plain-proxy.ts <upstream-url>
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Pool } from 'undici';

const upstream = process.argv[2]!;
const pool = new Pool(upstream, { connections: 128, pipelining: 1, keepAliveTimeout: 4000 });
const HOP = new Set([
  'connection',
  'keep-alive',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'proxy-connection',
  'proxy-authorization',
  'host',
  'expect',
]);

const server = createServer((req, res) => {
  const raw = req.rawHeaders;
  const headers: string[] = [];
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!.toLowerCase();
    if (!HOP.has(name)) headers.push(name, raw[i + 1]!);
  }
  headers.push('host', req.headers.host ?? '', 'x-forwarded-for', req.socket.remoteAddress ?? '');
  const hasBody =
    req.headers['content-length'] !== undefined
      ? req.headers['content-length'] !== '0'
      : req.headers['transfer-encoding'] !== undefined;
  pool.stream(
    { method: req.method as 'GET', path: req.url ?? '/', headers, body: hasBody ? req : null },
    ({ statusCode, headers: h }) => {
      const out: string[] = [];
      for (const name in h) {
        const v = h[name];
        if (v === undefined || HOP.has(name)) continue;
        if (typeof v === 'string') out.push(name, v);
        else for (const x of v) out.push(name, x);
      }
      res.writeHead(statusCode, out);
      return res;
    },
    (err) => {
      if (!err) return;
      if (res.headersSent) res.destroy();
      else {
        res.writeHead(502);
        res.end();
      }
    },
  );
});
server.keepAliveTimeout = 65_000;
server.listen(0, '127.0.0.1', () => {
  console.log(`LISTENING http://127.0.0.1:${(server.address() as AddressInfo).port}`);
});
process.on('SIGTERM', () => process.exit(0));
