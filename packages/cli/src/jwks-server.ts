import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Jwk, Jwks } from '@tessera/core';
import { cliErrors } from './errors.js';

/** Options of {@link startJwksServer}. */
export interface JwksServerOptions {
  /** The key set to publish. Private members of asymmetric keys are removed before publishing. */
  jwks: Jwks;
  /** Listen address; default `127.0.0.1`. */
  host?: string;
  /** Listen port; default 0 (a free port). */
  port?: number;
  /** `Cache-Control: max-age` in seconds; default 300. */
  maxAgeSeconds?: number;
  /**
   * Publish symmetric (`oct`) keys. Off by default: whoever reads an `oct` key can forge tokens. The
   * brief's HS256 gateway demo needs it on; never do that outside a demo.
   */
  allowSymmetric?: boolean;
}

/** A running JWKS server. */
export interface JwksServer {
  /** `http://host:port/jwks` — the address to give verifiers (`jwksUri`). */
  readonly url: string;
  /** Base URL, `http://host:port`. */
  readonly origin: string;
  /** Replaces the published key set (same checks as at start). */
  update(jwks: Jwks): void;
  /** Stops listening and closes idle connections. */
  close(): Promise<void>;
}

// RFC 7518 §6.2.2, §6.3.2 and RFC 8037 §2: members that make a JWK private.
const privateMembers = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth'];

/**
 * Checks a JWKS (or a single JWK) for publishing and returns the public form: every key an object with a `kty`,
 * private members removed, `oct` keys refused unless `allowSymmetric`. Throws `ERR_CLI_INPUT_INVALID`.
 *
 * @example
 * ```ts
 * const { jwks, stripped } = publicJwks(JSON.parse(text), { allowSymmetric: false });
 * ```
 */
export function publicJwks(
  input: unknown,
  options: { allowSymmetric?: boolean } = {},
): { jwks: Jwks; stripped: number } {
  // A single JWK is published as a set of one.
  if (typeof input === 'object' && input !== null && typeof (input as { kty?: unknown }).kty === 'string')
    input = { keys: [input] };
  if (typeof input !== 'object' || input === null || !Array.isArray((input as { keys?: unknown }).keys)) {
    throw cliErrors.create(
      'ERR_CLI_INPUT_INVALID',
      'not a JWKS: expected a JSON object with a "keys" array (RFC 7517 §5)',
    );
  }
  let stripped = 0;
  const keys = (input as { keys: unknown[] }).keys.map((key, i): Jwk => {
    if (typeof key !== 'object' || key === null || typeof (key as Jwk).kty !== 'string') {
      throw cliErrors.create('ERR_CLI_INPUT_INVALID', `keys[${i}] is not a JWK (no "kty")`);
    }
    const jwk = { ...(key as Jwk) };
    if (jwk.kty === 'oct') {
      if (!options.allowSymmetric) {
        throw cliErrors.create(
          'ERR_CLI_INPUT_INVALID',
          `keys[${i}] is a symmetric (oct) key: publishing it lets anyone forge tokens`,
          {
            details: { hint: 'publish an asymmetric key, or pass --allow-symmetric for a demo' },
          },
        );
      }
      return jwk;
    }
    let had = false;
    for (const m of privateMembers) {
      if (m in jwk) {
        delete jwk[m];
        had = true;
      }
    }
    if (had) stripped++;
    return jwk;
  });
  return { jwks: { keys }, stripped };
}

/**
 * Starts a small HTTP server publishing a JWKS at `/jwks`, `/jwks.json` and
 * `/.well-known/jwks.json`, answering `success` at `/` (a health check, as the brief's remote-jwks
 * server does). Used by `tessera jwks serve` and the examples.
 *
 * @example
 * ```ts
 * const server = await startJwksServer({ jwks: { keys: [publicJwk] } });
 * console.log(server.url); // http://127.0.0.1:41234/jwks
 * await server.close();
 * ```
 */
export async function startJwksServer(options: JwksServerOptions): Promise<JwksServer> {
  const maxAge = options.maxAgeSeconds ?? 300;
  if (!Number.isInteger(maxAge) || maxAge < 0)
    throw cliErrors.create('ERR_CLI_USAGE', 'maxAgeSeconds must be a non-negative integer');
  let body = JSON.stringify(publicJwks(options.jwks, options).jwks);
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    if (path === '/jwks' || path === '/jwks.json' || path === '/.well-known/jwks.json') {
      res.writeHead(200, {
        'content-type': 'application/jwk-set+json',
        'cache-control': `public, max-age=${maxAge}`,
        'content-length': Buffer.byteLength(body),
      });
      res.end(req.method === 'HEAD' ? undefined : body);
      return;
    }
    if (path === '/' || path === '/healthz') {
      res.writeHead(200, { 'content-type': 'text/plain' }).end('success');
      return;
    }
    res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(
        cliErrors.create(
          'ERR_CLI_USAGE',
          `cannot listen on ${options.host ?? '127.0.0.1'}:${options.port ?? 0}: ${error.code ?? error.message}`,
          { details: { hint: 'choose another --port' } },
        ),
      ),
    );
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', resolve);
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const origin = `http://${host}:${address.port}`;
  return {
    url: `${origin}/jwks`,
    origin,
    update(jwks) {
      body = JSON.stringify(publicJwks(jwks, options).jwks);
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      }),
  };
}
