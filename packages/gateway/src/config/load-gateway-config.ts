import { dirname, resolve } from 'node:path';
import type { z } from 'zod';
import { loadLayeredConfig, type EnvBinding } from '@tessera/core';
import { gatewayErrors } from '../errors.js';
import { gatewayConfigSchema } from './gateway-config-schema.js';
import { checkGatewayReferences } from './internal/check-gateway-references.js';

type DeepReadonly<T> = T extends (infer U)[]
  ? readonly DeepReadonly<U>[]
  : T extends object
    ? { readonly [K in keyof T]: DeepReadonly<T[K]> }
    : T;

/** The gateway configuration: validated, defaults filled in, paths resolved, frozen. */
export type GatewayConfig = DeepReadonly<z.output<typeof gatewayConfigSchema>>;

/** One route of a {@link GatewayConfig}. */
export type GatewayRouteConfig = GatewayConfig['routes'][number];

/** One listener of a {@link GatewayConfig}. */
export type GatewayListenerConfig = GatewayConfig['listeners'][number];

/** Where `loadGatewayConfig` reads from. */
export interface LoadGatewayConfigOptions {
  /** `gateway.yaml`; relative paths inside it (policy sources, TLS files) resolve against its folder. */
  file?: string;
  /** A configuration object used instead of a file (embedding, tests). */
  object?: unknown;
  /** Environment for the `TESSERA_GATEWAY_*` overlay; none unless given (pass `process.env`). */
  env?: Readonly<Record<string, string | undefined>>;
  /** Last-word overrides as dotted paths (`{ 'listeners.0.port': 0 }`), e.g. CLI flags. */
  overrides?: Readonly<Record<string, unknown>>;
}

/**
 * The `TESSERA_GATEWAY_*` environment overlay: variable → field.
 *
 * @example
 * ```ts
 * gatewayEnvBindings.TESSERA_GATEWAY_PORT.path; // ['listeners', 0, 'port']
 * ```
 */
export const gatewayEnvBindings: Readonly<Record<string, EnvBinding>> = Object.freeze({
  TESSERA_GATEWAY_HOST: {
    path: ['listeners', 0, 'host'],
    kind: 'string',
    description: 'Address of the first listener.',
  },
  TESSERA_GATEWAY_PORT: { path: ['listeners', 0, 'port'], kind: 'int', description: 'Port of the first listener.' },
  TESSERA_GATEWAY_ADMIN_PORT: { path: ['admin', 'port'], kind: 'int', description: 'Admin listener port.' },
  TESSERA_GATEWAY_DEFAULT_ACTION: {
    path: ['policies', 'defaultAction'],
    kind: 'string',
    description: 'deny or allow when no policy selects a route.',
  },
  TESSERA_GATEWAY_TOKEN_SERVICE_URL: {
    path: ['tokenService', 'url'],
    kind: 'string',
    description: 'Base URL of the token service.',
  },
  TESSERA_GATEWAY_CLIENT_ID: {
    path: ['tokenService', 'clientId'],
    kind: 'string',
    description: 'Client id at the token service.',
  },
  TESSERA_GATEWAY_CLIENT_SECRET: {
    path: ['tokenService', 'clientSecret'],
    kind: 'string',
    description: 'Client secret at the token service (keeps it out of the file).',
  },
  TESSERA_LOG_LEVEL: { path: ['logging', 'level'], kind: 'string', description: 'pino log level.' },
});

/**
 * Loads `gateway.yaml`: YAML → `TESSERA_GATEWAY_*` overlay → overrides → defaults → schema →
 * cross-reference checks → frozen object. Every problem throws `ERR_GATEWAY_CONFIG_INVALID` whose
 * message names the file, the line (when the field came from the file) and the field path.
 *
 * @example
 * ```ts
 * const config = loadGatewayConfig({ file: 'gateway.yaml', env: process.env });
 * const gateway = createGateway(config);
 * ```
 */
export function loadGatewayConfig(options: LoadGatewayConfigOptions = {}): GatewayConfig {
  return loadLayeredConfig({
    ...options,
    envBindings: gatewayEnvBindings,
    schema: gatewayConfigSchema,
    checkReferences: checkGatewayReferences,
    prepare: (data) => {
      if (options.file === undefined) return;
      // Relative paths in the file mean "next to the file", whatever the working directory.
      const base = dirname(resolve(options.file));
      data.policies.sources = data.policies.sources.map((s) => resolve(base, s));
      for (const r of data.routes) {
        if (r.upstreamTls?.ca) r.upstreamTls.ca = resolve(base, r.upstreamTls.ca);
        if (r.upstreamTls?.cert) r.upstreamTls.cert = resolve(base, r.upstreamTls.cert);
        if (r.upstreamTls?.key) r.upstreamTls.key = resolve(base, r.upstreamTls.key);
      }
      for (const l of data.listeners) {
        if (l.tls) {
          l.tls.cert = resolve(base, l.tls.cert);
          l.tls.key = resolve(base, l.tls.key);
          if (l.tls.clientCa) l.tls.clientCa = resolve(base, l.tls.clientCa);
        }
      }
    },
    createError: (message, extra) => gatewayErrors.create('ERR_GATEWAY_CONFIG_INVALID', message, extra),
  });
}
