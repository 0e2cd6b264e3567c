// Shared set-up for the token service integration tests: a real server on 127.0.0.1:0 with the
// file store in a fresh temporary data directory, a silent logger and, where a test needs it, a
// manual clock (ARCHITECTURE.md, "Tests").
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import {
  createTokenService,
  loadConfig,
  type ServiceTimers,
  type TokenService,
  type TokenServiceOptions,
} from '../src/index.js';

export const EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange';
export const ACCESS_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:access_token';

/** A running test service and how to stop it. */
export interface TestService {
  readonly service: TokenService;
  readonly url: string;
  readonly dataDir: string;
  readonly admin: (path: string, init?: RequestInit) => Promise<Response>;
  stop(options?: { keepData?: boolean }): Promise<void>;
}

/** Starts a token service with `config` (YAML-shaped object) on port 0 in a temporary data dir. */
export async function startService(
  config: Record<string, unknown> = {},
  options: {
    clock?: () => number;
    dataDir?: string;
    timers?: ServiceTimers | false;
    onRequest?: TokenServiceOptions['onRequest'];
    /** Serve as `http://localhost:<port>` (the issuer, and `url`): what WebAuthn needs, a domain. */
    localhost?: boolean;
  } = {},
): Promise<TestService> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'tessera-ts-'));
  const port = options.localhost === true ? await freePort() : 0;
  const loaded = loadConfig({
    object: config,
    overrides: {
      'server.port': port,
      'server.host': '127.0.0.1',
      'storage.dataDir': dataDir,
      'storage.type': 'file',
      // A fixed port would give the operations listener its default port (7403): a free one here.
      ...(options.localhost === true
        ? { 'server.issuer': `http://localhost:${port}`, 'server.operations.port': 0 }
        : {}),
    },
  });
  const service = createTokenService(loaded, {
    logger: pino({ level: 'silent' }),
    env: { TESSERA_KEK: Buffer.alloc(32, 7).toString('base64url') },
    ...(options.clock === undefined ? {} : { clock: options.clock }),
    ...(options.onRequest === undefined ? {} : { onRequest: options.onRequest }),
    timers: options.timers ?? false,
  });
  const bound = await service.listen();
  const url = options.localhost === true ? `http://localhost:${port}` : bound;
  return {
    service,
    url,
    dataDir,
    admin: (path, init = {}) =>
      fetch(url + path, {
        ...init,
        headers: {
          authorization: `Bearer ${service.adminToken}`,
          ...(init.body === undefined ? {} : { 'content-type': 'application/json' }),
          ...(init.headers as Record<string, string> | undefined),
        },
      }),
    async stop({ keepData = false } = {}) {
      await service.close();
      if (!keepData) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** A port free on 127.0.0.1 now (for a server whose issuer must name its port before it listens). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

/** POSTs a form to the service, optionally with HTTP Basic credentials (RFC 6749 §2.3.1 encoding). */
export async function postForm(
  url: string,
  params: Record<string, string> | string,
  basic?: { id: string; secret: string },
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: Headers; body: Record<string, unknown> }> {
  const body = typeof params === 'string' ? params : new URLSearchParams(params).toString();
  const h: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded', ...headers };
  if (basic !== undefined)
    h['authorization'] =
      'Basic ' + Buffer.from(`${encodeURIComponent(basic.id)}:${encodeURIComponent(basic.secret)}`).toString('base64');
  const res = await fetch(url, { method: 'POST', headers: h, body });
  const text = await res.text();
  return {
    status: res.status,
    headers: res.headers,
    body: text.length > 0 ? (JSON.parse(text) as Record<string, unknown>) : {},
  };
}

/** Decodes a JWT's header and payload without verifying (assertions in tests only). */
export function decode(token: string): { header: Record<string, unknown>; payload: Record<string, unknown> } {
  const [h, p] = token.split('.');
  return {
    header: JSON.parse(Buffer.from(h!, 'base64url').toString()) as Record<string, unknown>,
    payload: JSON.parse(Buffer.from(p!, 'base64url').toString()) as Record<string, unknown>,
  };
}
