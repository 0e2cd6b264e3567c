import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TokenServiceConfig } from '../../config/load-config.js';
import { tokenServiceErrors } from '../../errors.js';

/**
 * Creates the HTTP (or, with `server.tls`, HTTPS) server, binds it and answers it with its base
 * URL. Bound to every interface, the URL names loopback (issue 3: the default issuer is
 * `http://127.0.0.1:<port>`).
 *
 * @example
 * ```ts
 * const { server, url } = await listenHttp(config.server, (req, res) => void router(req, res));
 * ```
 */
export async function listenHttp(
  options: {
    readonly host: string;
    readonly port: number;
    readonly tls?: TokenServiceConfig['server']['tls'];
  },
  handler: (req: IncomingMessage, res: ServerResponse) => void,
): Promise<{ readonly server: Server; readonly url: string }> {
  const serverOptions = { requestTimeout: 30_000, headersTimeout: 10_000, keepAliveTimeout: 5_000 };
  const tls = options.tls;
  const server: Server =
    tls === undefined
      ? createServer(serverOptions, handler)
      : createHttpsServer({ ...serverOptions, ...readTlsFiles(tls) }, handler);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  const unspecified = address.address === '0.0.0.0' || address.address === '::';
  const host = unspecified ? '127.0.0.1' : address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return { server, url: `${tls === undefined ? 'http' : 'https'}://${host}:${address.port}` };
}

/** Reads the listener's certificate and key; an unreadable file is a configuration error naming it. */
function readTlsFiles(tls: { readonly cert: string; readonly key: string }): { cert: Buffer; key: Buffer } {
  const read = (field: 'cert' | 'key') => {
    try {
      return readFileSync(tls[field]);
    } catch (cause) {
      throw tokenServiceErrors.create(
        'ERR_TOKEN_SERVICE_CONFIG_INVALID',
        `server.tls.${field}: cannot read ${tls[field]} (${(cause as NodeJS.ErrnoException).code ?? 'error'})`,
        { cause },
      );
    }
  };
  return { cert: read('cert'), key: read('key') };
}
