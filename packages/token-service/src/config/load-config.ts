import { dirname, resolve } from 'node:path';
import type { z } from 'zod';
import { loadLayeredConfig, type EnvBinding } from '@tessera/core';
import { tokenServiceErrors } from '../errors.js';
import { tokenServiceConfigSchema } from './schema.js';
import { checkConfigReferences } from './internal/check-references.js';

type DeepReadonly<T> = T extends (infer U)[]
  ? readonly DeepReadonly<U>[]
  : T extends object
    ? { readonly [K in keyof T]: DeepReadonly<T[K]> }
    : T;

/** The token service configuration: validated, defaults filled in, frozen. */
export type TokenServiceConfig = DeepReadonly<z.output<typeof tokenServiceConfigSchema>>;

/** Where `loadConfig` reads from. */
export interface LoadConfigOptions {
  /** YAML file; when absent, the embedded defaults apply. */
  file?: string;
  /** Parsed configuration object used instead of a file (embedding, tests). */
  object?: unknown;
  /** Environment for the `TESSERA_*` overlay; defaults to none (pass `process.env` explicitly). */
  env?: Readonly<Record<string, string | undefined>>;
  /** Last-word overrides (CLI flags), as dotted paths: `{ 'server.port': 0 }`. */
  overrides?: Readonly<Record<string, unknown>>;
}

/**
 * The environment overlay: each variable, the field it overrides and why it exists. The generated
 * configuration reference lists this table.
 *
 * @example
 * ```ts
 * envBindings.TESSERA_PORT; // { path: ['server', 'port'], kind: 'int', ... }
 * ```
 */
export const envBindings: Readonly<Record<string, EnvBinding>> = Object.freeze({
  TESSERA_HOST: { path: ['server', 'host'], kind: 'string', description: 'Address to listen on.' },
  TESSERA_PORT: { path: ['server', 'port'], kind: 'int', description: 'Port to listen on.' },
  TESSERA_OPERATIONS_HOST: {
    path: ['server', 'operations', 'host'],
    kind: 'string',
    description: 'Address of the operations listener (/metrics, /healthz, /readyz).',
  },
  TESSERA_OPERATIONS_PORT: {
    path: ['server', 'operations', 'port'],
    kind: 'int',
    description: 'Port of the operations listener.',
  },
  TESSERA_ISSUER: { path: ['server', 'issuer'], kind: 'string', description: 'Token issuer and public base URL.' },
  TESSERA_ADMIN_TOKEN: {
    path: ['admin', 'token'],
    kind: 'string',
    description: 'Admin bearer token (keeps it out of the file).',
  },
  TESSERA_DATA_DIR: { path: ['storage', 'dataDir'], kind: 'string', description: 'Data directory.' },
  TESSERA_STORAGE: {
    path: ['storage', 'type'],
    kind: 'string',
    description: 'Storage back-end: file, postgres or redis.',
  },
  TESSERA_STORAGE_URL: {
    path: ['storage', 'url'],
    kind: 'string',
    description: 'Connection URL of the postgres or redis back-end.',
  },
  TESSERA_POSTGRES_URL: {
    path: ['storage', 'postgres', 'url'],
    kind: 'string',
    description: 'PostgreSQL connection URL, where `backends` mixes back-ends (keeps the password out of the file).',
  },
  TESSERA_REDIS_URL: {
    path: ['storage', 'redis', 'url'],
    kind: 'string',
    description: 'Redis connection URL, where `backends` mixes back-ends (keeps the password out of the file).',
  },
  TESSERA_KEY_ALGORITHM: {
    path: ['keys', 'algorithm'],
    kind: 'string',
    description: 'Signing algorithm for new keys.',
  },
  TESSERA_LOG_LEVEL: { path: ['logging', 'level'], kind: 'string', description: 'pino log level.' },
  TESSERA_RATE_LIMIT: {
    path: ['rateLimit', 'enabled'],
    kind: 'bool',
    description: 'Turn the token endpoint rate limit on or off.',
  },
});

/**
 * Loads the configuration: YAML file → `TESSERA_*` environment overlay → overrides → defaults →
 * schema → cross-reference checks → frozen object. With no file at all the embedded defaults give
 * a working service (file store under `./.tessera`, RS256, issuer `http://127.0.0.1:<port>`).
 * Every problem throws `ERR_TOKEN_SERVICE_CONFIG_INVALID` naming the file, the field path and,
 * when the field came from the file, its line.
 *
 * @example
 * ```ts
 * const config = loadConfig({ file: 'tessera.yaml', env: process.env, overrides: { 'server.port': 0 } });
 * ```
 */
export function loadConfig(options: LoadConfigOptions = {}): TokenServiceConfig {
  return loadLayeredConfig({
    ...options,
    envBindings,
    schema: tokenServiceConfigSchema,
    checkReferences: checkConfigReferences,
    prepare: (config) => {
      // TLS files named in the file mean "next to the file", whatever the working directory.
      if (options.file === undefined || config.server.tls === undefined) return;
      const base = dirname(resolve(options.file));
      config.server.tls = { cert: resolve(base, config.server.tls.cert), key: resolve(base, config.server.tls.key) };
    },
    createError: (message, extra) => tokenServiceErrors.create('ERR_TOKEN_SERVICE_CONFIG_INVALID', message, extra),
  });
}
