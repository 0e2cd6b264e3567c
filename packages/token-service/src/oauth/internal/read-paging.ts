const cursorPattern = /^[\x21-\x7e]{0,512}$/;

/**
 * Reads `since` (an opaque cursor from a previous answer, printable ASCII) and `limit` (1-1000,
 * default 1000) of the revocation feed; `undefined` when either is malformed.
 *
 * @example
 * ```ts
 * const paging = readPaging(query); // { since: '', limit: 1000 }
 * ```
 */
export function readPaging(query: URLSearchParams): { since: string; limit: number } | undefined {
  const since = query.get('since') ?? '';
  const limit = Number(query.get('limit') ?? 1000);
  if (!cursorPattern.test(since) || !Number.isInteger(limit) || limit < 1 || limit > 1000) return undefined;
  return { since, limit };
}
