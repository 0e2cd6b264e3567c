import { readFileSync } from 'node:fs';
import { LineCounter, parseDocument } from 'yaml';
import type { z } from 'zod';
import { tokenServiceErrors } from '../errors.js';
import { tokenServiceConfigSchema } from './schema.js';
import { checkConfigReferences } from './internal/check-references.js';

type DeepReadonly<T> = T extends (infer U)[] ? readonly DeepReadonly<U>[] : T extends object ? { readonly [K in keyof T]: DeepReadonly<T[K]> } : T;

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

/** One `TESSERA_*` variable and the configuration path it sets. */
interface EnvBinding {
  readonly path: readonly string[];
  readonly kind: 'string' | 'int' | 'bool';
  readonly description: string;
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
  TESSERA_ISSUER: { path: ['server', 'issuer'], kind: 'string', description: 'Token issuer and public base URL.' },
  TESSERA_ADMIN_TOKEN: { path: ['admin', 'token'], kind: 'string', description: 'Admin bearer token (keeps it out of the file).' },
  TESSERA_DATA_DIR: { path: ['storage', 'dataDir'], kind: 'string', description: 'Data directory.' },
  TESSERA_STORAGE: { path: ['storage', 'type'], kind: 'string', description: 'Storage back-end: file, postgres or redis.' },
  TESSERA_STORAGE_URL: { path: ['storage', 'url'], kind: 'string', description: 'Connection URL of the postgres or redis back-end.' },
  TESSERA_KEY_ALGORITHM: { path: ['keys', 'algorithm'], kind: 'string', description: 'Signing algorithm for new keys.' },
  TESSERA_LOG_LEVEL: { path: ['logging', 'level'], kind: 'string', description: 'pino log level.' },
  TESSERA_RATE_LIMIT: { path: ['rateLimit', 'enabled'], kind: 'bool', description: 'Turn the token endpoint rate limit on or off.' },
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
  const source = options.file ?? (options.object === undefined ? '<defaults>' : '<object>');
  let raw: unknown = options.object ?? {};
  let locate: (path: readonly PropertyKey[]) => string = () => '';
  if (options.file !== undefined) {
    let text: string;
    try {
      text = readFileSync(options.file, 'utf8');
    } catch (cause) {
      throw tokenServiceErrors.create('ERR_TOKEN_SERVICE_CONFIG_INVALID', `${source}: cannot read the file (${(cause as NodeJS.ErrnoException).code ?? 'error'})`, { cause });
    }
    const lineCounter = new LineCounter();
    const doc = parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: false });
    if (doc.errors.length > 0) {
      const e = doc.errors[0]!;
      const pos = lineCounter.linePos(e.pos[0]);
      throw tokenServiceErrors.create('ERR_TOKEN_SERVICE_CONFIG_INVALID', `${source}:${pos.line}:${pos.col}: YAML error: ${e.message.split('\n')[0]}`);
    }
    raw = doc.toJS({ maxAliasCount: 100 }) ?? {};
    locate = (path) => {
      const node = doc.getIn(path as unknown[], true) as { range?: [number, number, number] } | undefined;
      if (!node || typeof node !== 'object' || !node.range) return '';
      return `:${lineCounter.linePos(node.range[0]).line}`;
    };
  }
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw tokenServiceErrors.create('ERR_TOKEN_SERVICE_CONFIG_INVALID', `${source}: the configuration must be a mapping at the top level`);
  }
  const merged = structuredClone(raw) as Record<string, unknown>;
  for (const [name, binding] of Object.entries(envBindings)) {
    const value = options.env?.[name];
    if (value === undefined || value === '') continue;
    setPath(merged, binding.path, convert(name, value, binding.kind));
  }
  for (const [dotted, value] of Object.entries(options.overrides ?? {})) {
    if (value !== undefined) setPath(merged, dotted.split('.'), value);
  }
  const parsed = tokenServiceConfigSchema.safeParse(merged);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => {
      const path = issue.path.map(String).join('.') || '(root)';
      return `${source}${locate(issue.path)}: ${path}: ${issue.message}`;
    });
    throw tokenServiceErrors.create('ERR_TOKEN_SERVICE_CONFIG_INVALID', lines.join('\n'), { details: { file: source, paths: parsed.error.issues.map((i) => i.path.map(String).join('.')) } });
  }
  const problems = checkConfigReferences(parsed.data);
  if (problems.length > 0) {
    const lines = problems.map((p) => `${source}${locate(p.path)}: ${p.path.map(String).join('.')}: ${p.message}`);
    throw tokenServiceErrors.create('ERR_TOKEN_SERVICE_CONFIG_INVALID', lines.join('\n'), { details: { file: source, paths: problems.map((p) => p.path.map(String).join('.')) } });
  }
  return deepFreeze(parsed.data) as TokenServiceConfig;
}

function convert(name: string, value: string, kind: EnvBinding['kind']): unknown {
  if (kind === 'string') return value;
  if (kind === 'int') {
    if (!/^\d+$/.test(value)) throw tokenServiceErrors.create('ERR_TOKEN_SERVICE_CONFIG_INVALID', `environment: ${name}: expected an integer`);
    return Number(value);
  }
  if (value === 'true' || value === '1') return true;
  if (value === 'false' || value === '0') return false;
  throw tokenServiceErrors.create('ERR_TOKEN_SERVICE_CONFIG_INVALID', `environment: ${name}: expected true or false`);
}

function setPath(target: Record<string, unknown>, path: readonly string[], value: unknown): void {
  let node = target;
  for (const key of path.slice(0, -1)) {
    // Refuse prototype keys so an override path can never reach Object.prototype.
    if (key === '__proto__' || key === 'constructor' || key === 'prototype') return;
    const next = node[key];
    if (next === null || typeof next !== 'object' || Array.isArray(next)) node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  node[path[path.length - 1]!] = value;
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}
