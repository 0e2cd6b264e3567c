// The building blocks of the policy validators: a checker that records problems with their field
// path (the loader turns a path into a file line, ARCHITECTURE.md "Configuration"), and the types
// that let the compiler check every validator's output against types.ts.

import type { YamlFieldPath } from '../field-position.js';

/** A field inside a document, e.g. `['spec', 'rules', 0, 'to', 1]`. */
export type FieldPath = YamlFieldPath;

/** One problem at one field. */
export interface RawIssue {
  readonly path: FieldPath;
  readonly message: string;
}

/**
 * A writable view of a document type from types.ts: validators fill one field by field, so the
 * compiler checks every value they set against the field's declared type.
 */
export type Draft<T> = { -readonly [K in keyof T]: T[K] };

/**
 * The list of every field of `T`, checked by the compiler: a field added to `T` and missing here
 * (so never validated, or rejected as unknown) fails to compile, as does a name `T` lacks.
 *
 * @example
 * ```ts
 * const FIELDS = fieldsOf<PolicyCondition>()(['key', 'values', 'notValues']);
 * ```
 */
export function fieldsOf<T>() {
  return <const L extends readonly (keyof T & string)[]>(
    list: L & ([Exclude<keyof T, L[number]>] extends [never] ? unknown : { missing: Exclude<keyof T, L[number]> }),
  ): L => list;
}

/** RFC 9110 §5.1 field name (token). */
export const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/** A plain mapping (not null, not a list). */
export const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** A value quoted for a message. */
export const show = (v: unknown): string => JSON.stringify(v);

/**
 * Reads untrusted values field by field, recording every problem (with its path) instead of
 * stopping at the first: a user fixes a file in one pass. Each reader returns the value when it has
 * the right type, `undefined` otherwise (absent, or wrong and reported).
 */
export class FieldChecker {
  readonly issues: RawIssue[] = [];
  readonly warnings: RawIssue[] = [];
  error(path: FieldPath, message: string): void {
    this.issues.push({ path, message });
  }
  warn(path: FieldPath, message: string): void {
    this.warnings.push({ path, message });
  }
  /** Unknown members are errors: a typo such as `notpaths` must not silently widen a policy. */
  keys(value: Record<string, unknown>, path: FieldPath, allowed: Iterable<string>, what: string): void {
    const set = allowed instanceof Set ? (allowed as Set<string>) : new Set(allowed);
    for (const k of Object.keys(value))
      if (!set.has(k)) this.error([...path, k], `unknown field ${show(k)} in ${what}; allowed: ${[...set].join(', ')}`);
  }
  object(value: unknown, path: FieldPath, what: string): Record<string, unknown> | undefined {
    if (value === undefined || value === null) return undefined;
    if (!isObject(value)) {
      this.error(path, `${what} must be a mapping`);
      return undefined;
    }
    return value;
  }
  string(value: unknown, path: FieldPath, what: string, required = false): string | undefined {
    if (value === undefined || value === null) {
      if (required) this.error(path, `${what} is required`);
      return undefined;
    }
    if (typeof value !== 'string') {
      this.error(path, `${what} must be a string`);
      return undefined;
    }
    if (value.length === 0) {
      this.error(path, `${what} must not be empty`);
      return undefined;
    }
    return value;
  }
  strings(
    value: unknown,
    path: FieldPath,
    what: string,
    each?: (v: string, p: FieldPath) => string | undefined,
  ): string[] | undefined {
    if (value === undefined || value === null) return undefined;
    if (!Array.isArray(value)) {
      this.error(path, `${what} must be a list of strings`);
      return undefined;
    }
    const out: string[] = [];
    value.forEach((v, i) => {
      const s = this.string(v, [...path, i], `${what}[${i}]`, true);
      if (s === undefined) return;
      const problem = each?.(s, [...path, i]);
      if (problem !== undefined) this.error([...path, i], problem);
      else out.push(s);
    });
    return out;
  }
  list(value: unknown, path: FieldPath, what: string): unknown[] | undefined {
    if (value === undefined || value === null) return undefined;
    if (!Array.isArray(value)) {
      this.error(path, `${what} must be a list`);
      return undefined;
    }
    const items: unknown[] = value; // Array.isArray narrows to any[]
    return items;
  }
  /**
   * A list read item by item. An item that could not be read is left out; its problem is recorded
   * (by `read`, or here if `read` did not), so the document is refused and a shortened list is
   * never served.
   */
  items<T>(
    value: unknown,
    path: FieldPath,
    what: string,
    read: (item: unknown, at: FieldPath) => T | undefined,
  ): T[] | undefined {
    const list = this.list(value, path, what);
    if (list === undefined) return undefined;
    const out: T[] = [];
    list.forEach((item, i) => {
      const before = this.issues.length;
      const result = read(item, [...path, i]);
      if (result !== undefined) out.push(result);
      else if (this.issues.length === before) this.error([...path, i], `${what}[${i}] could not be read`);
    });
    return out;
  }
  stringMap(value: unknown, path: FieldPath, what: string): Record<string, string> | undefined {
    const obj = this.object(value, path, what);
    if (obj === undefined) return undefined;
    const out = Object.create(null) as Record<string, string>;
    for (const [k, v] of Object.entries(obj)) {
      if (typeof v !== 'string')
        this.error([...path, k], `${what} values must be strings (quote them in YAML, e.g. "true")`);
      else out[k] = v;
    }
    return out;
  }
}
