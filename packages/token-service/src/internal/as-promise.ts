/**
 * Runs synchronous work now and answers its outcome as a promise, a throw becoming a rejection:
 * what an `async` function does, for implementations of promise-returning interfaces whose work
 * needs no `await` (a refused input still rejects rather than throwing at the call).
 *
 * @example
 * ```ts
 * get: (kid) => asPromise(() => { checkId('kid', kid); return keys.get(kid); }),
 * ```
 */
export function asPromise<T>(work: () => T): Promise<T> {
  return new Promise<T>((resolve) => resolve(work()));
}
