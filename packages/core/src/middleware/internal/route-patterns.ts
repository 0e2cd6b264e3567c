import { coreErrors } from '../../errors/errors.js';

/**
 * A compiled route pattern: `"/health"` (exact path), `"/public/*"` (everything under `/public/`),
 * `"*"` (every path), each optionally preceded by methods: `"GET /metrics"`, `"GET,HEAD /docs/*"`.
 */
export interface RoutePattern {
  readonly source: string;
  /** Upper-case methods, or undefined for every method. */
  readonly methods: ReadonlySet<string> | undefined;
  readonly kind: 'exact' | 'prefix' | 'any';
  /** The path, or for `prefix` the path up to and including the trailing `/`. */
  readonly path: string;
  /** `path` lower-cased, and for `exact` without trailing slashes, for {@link matchLoose}. */
  readonly loosePath: string;
}

const METHOD = /^[A-Z]+$/;

export function compilePattern(source: unknown, what: string): RoutePattern {
  if (typeof source !== 'string' || source.trim().length === 0)
    throw coreErrors.create('ERR_CONFIG_INVALID', `${what} must be a non-empty string`);
  const trimmed = source.trim();
  let methods: Set<string> | undefined;
  let path = trimmed;
  const space = trimmed.indexOf(' ');
  if (space !== -1) {
    methods = new Set();
    for (const m of trimmed.slice(0, space).split(',')) {
      const upper = m.trim().toUpperCase();
      if (upper === '*') {
        methods = undefined;
        break;
      }
      if (!METHOD.test(upper))
        throw coreErrors.create(
          'ERR_CONFIG_INVALID',
          `${what} ${JSON.stringify(source)}: bad method ${JSON.stringify(m)}`,
        );
      methods.add(upper);
    }
    path = trimmed.slice(space + 1).trim();
  }
  if (path === '*') return { source, methods, kind: 'any', path: '', loosePath: '' };
  if (!path.startsWith('/') || /[\s?#\\%]/.test(path)) {
    throw coreErrors.create(
      'ERR_CONFIG_INVALID',
      `${what} ${JSON.stringify(source)}: the path must start with "/" and hold no query, "%", backslash or space`,
    );
  }
  if (path.endsWith('/*')) {
    const prefix = path.slice(0, -1);
    if (prefix.includes('*') || hasDotSegment(prefix))
      throw coreErrors.create(
        'ERR_CONFIG_INVALID',
        `${what} ${JSON.stringify(source)}: "*" is allowed only as the last segment`,
      );
    return { source, methods, kind: 'prefix', path: prefix, loosePath: prefix.toLowerCase() };
  }
  if (path.includes('*') || hasDotSegment(path))
    throw coreErrors.create(
      'ERR_CONFIG_INVALID',
      `${what} ${JSON.stringify(source)}: "*" is allowed only as the last segment, no "." or ".." segments`,
    );
  return { source, methods, kind: 'exact', path, loosePath: lowerTrim(path) };
}

function hasDotSegment(path: string): boolean {
  return path.split('/').some((s) => s === '.' || s === '..');
}

/** True when `pattern` matches `method` and `path` exactly as given (case-sensitive). */
export function matchStrict(pattern: RoutePattern, method: string, path: string): boolean {
  if (pattern.methods !== undefined && !pattern.methods.has(method)) return false;
  return matchPath(pattern.kind, pattern.path, path);
}

/**
 * The loose match used for requirements: case-insensitive, trailing slash ignored, and a `GET`
 * requirement also covers `HEAD` — because routers (Express by default) route `/ADMIN/` and
 * `HEAD /admin` to the `/admin` GET handler, a requirement must follow them or it is bypassed.
 */
export function matchLoose(pattern: RoutePattern, method: string, path: string): boolean {
  if (
    pattern.methods !== undefined &&
    !pattern.methods.has(method) &&
    !(method === 'HEAD' && pattern.methods.has('GET'))
  )
    return false;
  const kind = pattern.kind;
  if (kind === 'any') return true;
  const p = lowerTrim(path);
  if (kind === 'prefix') return (p + '/').startsWith(pattern.loosePath);
  return p === pattern.loosePath;
}

function lowerTrim(path: string): string {
  const lower = path.toLowerCase();
  let end = lower.length;
  while (end > 1 && lower.charCodeAt(end - 1) === 0x2f) end--;
  return end === lower.length ? lower : lower.slice(0, end);
}

function matchPath(kind: RoutePattern['kind'], patternPath: string, path: string): boolean {
  if (kind === 'any') return true;
  if (kind === 'prefix') return path.startsWith(patternPath);
  return path === patternPath;
}
