import { tokenServiceErrors } from '../../errors.js';

const scopeToken = /^[\x21\x23-\x5b\x5d-\x7e]+$/;

/**
 * Parses an RFC 6749 §3.3 scope parameter: space-delimited, case-sensitive, no repeats kept.
 *
 * @example
 * ```ts
 * parseScope('read write read'); // ['read', 'write']
 * ```
 */
export function parseScope(value: string | undefined): string[] | undefined {
  if (value === undefined) return undefined;
  const tokens = value.split(' ');
  if (tokens.some((t) => !scopeToken.test(t)))
    throw tokenServiceErrors.create('ERR_TOKEN_INVALID_SCOPE', 'malformed scope');
  return [...new Set(tokens)];
}

/**
 * Narrows `requested` to `allowed`; without a request, everything allowed (RFC 6749 §3.3 default).
 *
 * @example
 * ```ts
 * narrowScope(['read'], ['read', 'write']); // ['read']
 * ```
 */
export function narrowScope(requested: string[] | undefined, allowed: readonly string[]): string[] {
  if (requested === undefined) return [...allowed];
  const outside = requested.filter((s) => !allowed.includes(s));
  if (outside.length > 0)
    throw tokenServiceErrors.create('ERR_TOKEN_INVALID_SCOPE', `scope not allowed: ${outside.slice(0, 5).join(' ')}`);
  return requested;
}

/**
 * Picks the one target of the request: `audience` or `resource` (RFC 8693 §2.1, RFC 8707), never both.
 *
 * @example
 * ```ts
 * const audience = pickTarget(form) ?? client.audiences[0];
 * ```
 */
export function pickTarget(form: ReadonlyMap<string, string>): string | undefined {
  const audience = form.get('audience');
  const resource = form.get('resource');
  if (audience !== undefined && resource !== undefined && audience !== resource) {
    throw tokenServiceErrors.create('ERR_TOKEN_INVALID_TARGET', 'give one audience or one resource, not both');
  }
  const target = audience ?? resource;
  if (target !== undefined && /\s/.test(target))
    throw tokenServiceErrors.create('ERR_TOKEN_INVALID_TARGET', 'one audience per token');
  if (resource !== undefined && audience === undefined && !/^[a-z][a-z0-9+.-]*:/i.test(resource)) {
    throw tokenServiceErrors.create('ERR_TOKEN_INVALID_TARGET', 'resource must be an absolute URI (RFC 8707 §2)');
  }
  return target;
}

/**
 * True when `value` is in `list` or the list holds the wildcard "*".
 *
 * @example
 * ```ts
 * allowedBy(['*'], 'svc-b'); // true
 * ```
 */
export function allowedBy(list: readonly string[], value: string): boolean {
  return list.includes('*') || list.includes(value);
}
