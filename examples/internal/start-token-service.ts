import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTokenService, loadConfig, type TokenServiceConfigInput } from '@tessera/token-service';

/** A token service started for one example, with its own throw-away data directory. */
export interface ExampleTokenService {
  readonly url: string;
  readonly issuer: string;
  readonly jwksUri: string;
  /** The admin bearer token (the jwt-factory API lives under `/admin/jwt-factory`). */
  readonly adminToken: string;
  close(): Promise<void>;
}

/**
 * Starts `@tessera/token-service` on 127.0.0.1 with a temporary file store, quiet logs and the
 * given configuration (clients, grants, ...) merged over the defaults.
 *
 * @example
 * ```ts
 * const ts = await startTokenService({ clients: [{ id: 'servicea', secret, audiences: ['serviceb'] }] });
 * ```
 */
export async function startTokenService(config: Partial<TokenServiceConfigInput> = {}): Promise<ExampleTokenService> {
  const dataDir = await mkdtemp(join(tmpdir(), 'tessera-example-ts-'));
  try {
    const service = createTokenService(
      loadConfig({
        object: {
          ...config,
          server: { host: '127.0.0.1', port: 0, ...config.server },
          storage: { type: 'file', dataDir },
          logging: { level: 'silent' },
          rateLimit: { enabled: false },
        },
      }),
      { env: {} },
    );
    const url = await service.listen();
    return {
      url,
      issuer: service.issuer,
      jwksUri: `${service.issuer}/.well-known/jwks.json`,
      adminToken: service.adminToken,
      async close() {
        await service.close();
        await rm(dataDir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await rm(dataDir, { recursive: true, force: true });
    throw error;
  }
}
