import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { LineCounter, parseDocument } from 'yaml';
import type { z } from 'zod';
import { gatewayErrors } from '../errors.js';
import { gatewayConfigSchema } from './gateway-config-schema.js';
import { checkGatewayReferences } from './internal/check-gateway-references.js';

type DeepReadonly<T> = T extends (infer U)[] ? readonly DeepReadonly<U>[] : T extends object ? { readonly [K in keyof T]: DeepReadonly<T[K]> } : T;

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

interface EnvBinding {
  readonly path: readonly (string | number)[];
  readonly kind: 'string' | 'int' | 'bool';
  readonly description: string;
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
  TESSERA_GATEWAY_HOST: { path: ['listeners', 0, 'host'], kind: 'string', description: 'Address of the first listener.' },
  TESSERA_GATEWAY_PORT: { path: ['listeners', 0, 'port'], kind: 'int', description: 'Port of the first listener.' },
  TESSERA_GATEWAY_ADMIN_PORT: { path: ['admin', 'port'], kind: 'int', description: 'Admin listener port.' },
  TESSERA_GATEWAY_DEFAULT_ACTION: { path: ['policies', 'defaultAction'], kind: 'string', description: 'deny or allow when no policy selects a route.' },
  TESSERA_GATEWAY_TOKEN_SERVICE_URL: { path: ['tokenService', 'url'], kind: 'string', description: 'Base URL of the token service.' },
  TESSERA_GATEWAY_CLIENT_ID: { path: ['tokenService', 'clientId'], kind: 'string', description: 'Client id at the token service.' },
  TESSERA_GATEWAY_CLIENT_SECRET: { path: ['tokenService', 'clientSecret'], kind: 'string', description: 'Client secret at the token service (keeps it out of the file).' },
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
  const source = options.file ?? (options.object === undefined ? '<defaults>' : '<object>');
  let raw: unknown = options.object === undefined ? {} : structuredClone(options.object);
  let locate: (path: readonly PropertyKey[]) => string = () => '';
  if (options.file !== undefined) {
    let text: string;
    try {
      text = readFileSync(options.file, 'utf8');
    } catch (cause) {
      throw gatewayErrors.create('ERR_GATEWAY_CONFIG_INVALID', `${source}: cannot read the file (${(cause as NodeJS.ErrnoException).code ?? 'error'})`, { cause });
    }
    const lineCounter = new LineCounter();
    const doc = parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: false });
    if (doc.errors.length > 0) {
      const e = doc.errors[0]!;
      const pos = lineCounter.linePos(e.pos[0]);
      throw gatewayErrors.create('ERR_GATEWAY_CONFIG_INVALID', `${source}:${pos.line}:${pos.col}: YAML error: ${e.message.split('\n')[0]}`);
    }
    raw = doc.toJS({ maxAliasCount: 100 }) ?? {};
    locate = (path) => {
      for (let n = path.length; n > 0; n--) {
        const node = doc.getIn(path.slice(0, n) as unknown[], true) as { range?: [number, number, number] } | undefined;
        if (node && typeof node === 'object' && node.range) return `:${lineCounter.linePos(node.range[0]).line}`;
      }
      return '';
    };
  }
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw gatewayErrors.create('ERR_GATEWAY_CONFIG_INVALID', `${source}: the configuration must be a mapping at the top level`);
  }
  const merged = raw as Record<string, unknown>;
  for (const [name, binding] of Object.entries(gatewayEnvBindings)) {
    const value = options.env?.[name];
    if (value === undefined || value === '') continue;
    setPath(merged, binding.path, convert(name, value, binding.kind));
  }
  for (const [dotted, value] of Object.entries(options.overrides ?? {})) {
    if (value !== undefined) setPath(merged, dotted.split('.').map((k) => (/^\d+$/.test(k) ? Number(k) : k)), value);
  }
  const parsed = gatewayConfigSchema.safeParse(merged);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => `${source}${locate(issue.path)}: ${issue.path.map(String).join('.') || '(root)'}: ${issue.message}`);
    throw gatewayErrors.create('ERR_GATEWAY_CONFIG_INVALID', lines.join('\n'), { details: { file: source, paths: parsed.error.issues.map((i) => i.path.map(String).join('.')) } });
  }
  const problems = checkGatewayReferences(parsed.data);
  if (problems.length > 0) {
    const lines = problems.map((p) => `${source}${locate(p.path)}: ${p.path.map(String).join('.')}: ${p.message}`);
    throw gatewayErrors.create('ERR_GATEWAY_CONFIG_INVALID', lines.join('\n'), { details: { file: source, paths: problems.map((p) => p.path.map(String).join('.')) } });
  }
  const data = parsed.data;
  if (options.file !== undefined) {
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
  }
  return deepFreeze(data) as GatewayConfig;
}

function convert(name: string, value: string, kind: EnvBinding['kind']): unknown {
  if (kind === 'string') return value;
  if (kind === 'int') {
    if (!/^\d+$/.test(value)) throw gatewayErrors.create('ERR_GATEWAY_CONFIG_INVALID', `environment: ${name}: expected an integer`);
    return Number(value);
  }
  if (value === 'true' || value === '1') return true;
  if (value === 'false' || value === '0') return false;
  throw gatewayErrors.create('ERR_GATEWAY_CONFIG_INVALID', `environment: ${name}: expected true or false`);
}

function setPath(target: Record<string, unknown> | unknown[], path: readonly (string | number)[], value: unknown): void {
  let node: Record<string | number, unknown> = target as Record<string | number, unknown>;
  for (let i = 0; i < path.length - 1; i++) {
    const key = path[i]!;
    // Never walk into prototype keys: an override path must not reach Object.prototype.
    if (key === '__proto__' || key === 'constructor' || key === 'prototype') return;
    const next = node[key];
    if (next === null || typeof next !== 'object') node[key] = typeof path[i + 1] === 'number' ? [{}] : {};
    else if (Array.isArray(next) && typeof path[i + 1] === 'number' && next[path[i + 1] as number] === undefined) next[path[i + 1] as number] = {};
    node = node[key] as Record<string | number, unknown>;
  }
  const last = path[path.length - 1]!;
  if (last === '__proto__' || last === 'constructor' || last === 'prototype') return;
  node[last] = value;
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}
