import { readFileSync } from 'node:fs';
import { LineCounter, parseDocument } from 'yaml';
import type { TesseraError } from '../errors/tessera-error.js';

/** One `TESSERA_*` environment variable and the configuration field it sets. */
export interface EnvBinding {
  /** Field path; numbers index arrays (`['listeners', 0, 'port']`). */
  readonly path: readonly (string | number)[];
  readonly kind: 'string' | 'int' | 'bool';
  /** One line for the generated configuration reference. */
  readonly description: string;
}

/** A problem with one field: its path in the document and what is wrong. */
export interface ConfigIssue {
  readonly path: readonly PropertyKey[];
  readonly message: string;
}

/** What a schema check answers: the typed value with defaults, or the issues found. */
export type ConfigValidation<T> = { ok: true; value: T } | { ok: false; issues: readonly ConfigIssue[] };

/**
 * A schema with zod's `safeParse` contract (a zod schema fits as is). Typed by shape so core needs
 * no zod dependency: each package brings its own schema (ARCHITECTURE.md, "The parts").
 *
 * @example
 * ```ts
 * const schema: SafeParseSchema<{ port: number }> = z.object({ port: z.number().default(8080) });
 * ```
 */
export interface SafeParseSchema<T> {
  safeParse(value: unknown): { success: true; data: T } | { success: false; error: { issues: readonly ConfigIssue[] } };
}

/** How the merged document is checked: a schema with `safeParse` (zod), or a hand-written check. */
export type ConfigCheck<T> =
  | {
      /** Schema that validates the merged document and fills in its defaults. */
      schema: SafeParseSchema<T>;
      validate?: never;
    }
  | {
      schema?: never;
      /** Validation that fills in defaults, for a schema without `safeParse`. */
      validate(merged: Record<string, unknown>): ConfigValidation<T>;
    };

/** Options of {@link loadLayeredConfig}: where to read from, plus a {@link ConfigCheck}. */
export type LoadLayeredConfigOptions<T> = LayeredConfigSources<T> & ConfigCheck<T>;

/** The sources and hooks of {@link loadLayeredConfig}, whatever checks the schema. */
export interface LayeredConfigSources<T> {
  /** YAML (or JSON) file; without it and without `object` the schema's defaults apply. */
  file?: string;
  /** An already parsed configuration object, used instead of a file (embedding, tests). */
  object?: unknown;
  /** Environment for the overlay; nothing is read from `process.env` unless it is passed here. */
  env?: Readonly<Record<string, string | undefined>>;
  /** Last-word overrides (CLI flags) as dotted paths: `{ 'server.port': 0 }`. */
  overrides?: Readonly<Record<string, unknown>>;
  /** The environment variables this configuration understands. */
  envBindings: Readonly<Record<string, EnvBinding>>;
  /** Cross-reference checks on the validated value (a route naming an unknown policy…). */
  checkReferences?(value: T): readonly ConfigIssue[];
  /** Last changes before the value is frozen (e.g. resolve paths relative to the file). */
  prepare?(value: T): void;
  /** Builds the package's configuration error (`ERR_<PKG>_CONFIG_INVALID`); called without a `this`. */
  createError(
    this: void,
    message: string,
    extra?: { cause?: unknown; details?: Record<string, unknown> },
  ): TesseraError;
}

/**
 * Loads a configuration the way every Tessera server does (ARCHITECTURE.md, "Configuration"):
 * YAML file → environment overlay → overrides → schema defaults and validation → cross-reference
 * checks → deeply frozen object. Every problem is reported as `file:line: field.path: message`, all
 * of them at once, through the package's own error code.
 *
 * @example
 * ```ts
 * const config = loadLayeredConfig({
 *   file: 'gateway.yaml', env: process.env, envBindings,
 *   schema: gatewayConfigSchema, // a zod schema; or `validate: (merged) => ({ ok: true, value })`
 *   createError: (message, extra) => gatewayErrors.create('ERR_GATEWAY_CONFIG_INVALID', message, extra),
 * });
 * ```
 */
export function loadLayeredConfig<T>(options: LoadLayeredConfigOptions<T>): T {
  const source = options.file ?? (options.object === undefined ? '<defaults>' : '<object>');
  let raw: unknown = options.object === undefined ? {} : structuredClone(options.object);
  let locate: (path: readonly PropertyKey[]) => string = () => '';
  if (options.file !== undefined) {
    let text: string;
    try {
      text = readFileSync(options.file, 'utf8');
    } catch (cause) {
      throw options.createError(
        `${source}: cannot read the file (${(cause as NodeJS.ErrnoException).code ?? 'error'})`,
        { cause },
      );
    }
    const lineCounter = new LineCounter();
    const doc = parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: false });
    const first = doc.errors[0];
    if (first) {
      const pos = lineCounter.linePos(first.pos[0]);
      throw options.createError(`${source}:${pos.line}:${pos.col}: YAML error: ${first.message.split('\n')[0]}`);
    }
    raw = doc.toJS({ maxAliasCount: 100 }) ?? {};
    // The line of the deepest node of `path` that exists in the file (a missing field points at
    // its parent, which is where it has to be added).
    locate = (path) => {
      for (let n = path.length; n > 0; n--) {
        const node = doc.getIn(path.slice(0, n) as unknown[], true) as { range?: [number, number, number] } | undefined;
        if (node && typeof node === 'object' && node.range) return `:${lineCounter.linePos(node.range[0]).line}`;
      }
      return '';
    };
  }
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw options.createError(`${source}: the configuration must be a mapping at the top level`);
  }
  const merged = raw as Record<string, unknown>;
  for (const [name, binding] of Object.entries(options.envBindings)) {
    const value = options.env?.[name];
    if (value === undefined || value === '') continue;
    setPath(merged, binding.path, convertEnv(name, value, binding.kind, options.createError));
  }
  for (const [dotted, value] of Object.entries(options.overrides ?? {})) {
    if (value !== undefined)
      setPath(
        merged,
        dotted.split('.').map((k) => (/^\d+$/.test(k) ? Number(k) : k)),
        value,
      );
  }
  const report = (issues: readonly ConfigIssue[]): TesseraError => {
    const paths = issues.map((i) => i.path.map(String).join('.') || '(root)');
    const lines = issues.map((issue, n) => `${source}${locate(issue.path)}: ${paths[n]}: ${issue.message}`);
    return options.createError(lines.join('\n'), { details: { file: source, paths } });
  };
  const validated = options.schema === undefined ? options.validate(merged) : safeParseCheck(options.schema, merged);
  if (!validated.ok) throw report(validated.issues);
  const problems = options.checkReferences?.(validated.value) ?? [];
  if (problems.length > 0) throw report(problems);
  options.prepare?.(validated.value);
  return deepFreeze(validated.value);
}

// The one zod-to-config adapter (it used to be copied into every package's loader).
function safeParseCheck<T>(schema: SafeParseSchema<T>, merged: Record<string, unknown>): ConfigValidation<T> {
  const parsed = schema.safeParse(merged);
  return parsed.success ? { ok: true, value: parsed.data } : { ok: false, issues: parsed.error.issues };
}

function convertEnv(
  name: string,
  value: string,
  kind: EnvBinding['kind'],
  createError: LayeredConfigSources<unknown>['createError'],
): unknown {
  if (kind === 'string') return value;
  if (kind === 'int') {
    if (!/^\d+$/.test(value)) throw createError(`environment: ${name}: expected an integer`);
    return Number(value);
  }
  if (value === 'true' || value === '1') return true;
  if (value === 'false' || value === '0') return false;
  throw createError(`environment: ${name}: expected true or false`);
}

function setPath(target: Record<string | number, unknown>, path: readonly (string | number)[], value: unknown): void {
  let node = target;
  for (let i = 0; i < path.length; i++) {
    const key = path[i]!;
    // Never walk into or write prototype keys: an override must not reach Object.prototype.
    if (key === '__proto__' || key === 'constructor' || key === 'prototype') return;
    if (i === path.length - 1) {
      node[key] = value;
      return;
    }
    const nextIsIndex = typeof path[i + 1] === 'number';
    const next = node[key];
    if (next === null || typeof next !== 'object') node[key] = nextIsIndex ? [] : {};
    const child = node[key] as Record<string | number, unknown>;
    if (nextIsIndex && child[path[i + 1]!] === undefined) child[path[i + 1]!] = {};
    node = child;
  }
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}
