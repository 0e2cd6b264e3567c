import { normalizePath } from '@tessera/core';

/** How `%2F` / `%5C` in a path are treated (Istio `pathNormalization`). */
export type EncodedSlashes = 'reject' | 'decode' | 'keep';

/**
 * The normalized path of a request target (core's `normalizePath`: dot segments, merged slashes,
 * unreserved escapes decoded; `%00`, backslashes and — unless configured — encoded slashes
 * rejected), or `undefined` when it cannot be normalized safely (→ 400).
 */
export function normalizeRequestPath(rawPath: string, encodedSlashes: EncodedSlashes): string | undefined {
  try {
    return normalizePath(rawPath, { escapedSlashes: encodedSlashes }).path;
  } catch {
    return undefined;
  }
}
