import { normalizePath } from '@tessera/core';

/** How `%2F` / `%5C` in a path are treated (Istio `pathNormalization`). */
export type EncodedSlashes = 'reject' | 'decode' | 'keep';

/**
 * The normalized path of a request target (core's `normalizePath`: dot segments, merged slashes,
 * unreserved escapes decoded; what has no single reading refused), or `undefined` when it cannot
 * be normalized safely (→ 400). Path parameters (`;`) pass here, because whether a route accepts
 * them is known only once the route is found: `prepareRequest` refuses them after routing.
 */
export function normalizeRequestPath(rawPath: string, encodedSlashes: EncodedSlashes): string | undefined {
  try {
    return normalizePath(rawPath, { escapedSlashes: encodedSlashes, pathParameters: 'allow' }).path;
  } catch {
    return undefined;
  }
}
