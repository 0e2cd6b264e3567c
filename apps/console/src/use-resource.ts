import { useCallback, useEffect, useState } from 'preact/hooks';
import { describeError } from './api';

/** A value loaded from the admin API, with its error and a way to load it again. */
export interface Resource<T> {
  readonly data: T | undefined;
  readonly error: string | undefined;
  readonly loading: boolean;
  readonly reload: () => void;
}

/**
 * Loads `load()` when the page opens and whenever `deps` change; `reload()` loads it again (after
 * a change). The last good value stays shown while a reload runs.
 *
 * @example
 * ```ts
 * const keys = useResource(() => api<{ keys: Key[] }>('/admin/keys'), []);
 * ```
 */
export function useResource<T>(load: () => Promise<T>, deps: readonly unknown[]): Resource<T> {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);
  const [loading, setLoading] = useState(true);
  const [generation, setGeneration] = useState(0);
  useEffect(() => {
    let current = true;
    setLoading(true);
    load()
      .then((value) => {
        if (!current) return;
        setData(value);
        setError(undefined);
      })
      .catch((err: unknown) => current && setError(describeError(err)))
      .finally(() => current && setLoading(false));
    return () => {
      current = false;
    };
  }, [...deps, generation]);
  const reload = useCallback(() => setGeneration((g) => g + 1), []);
  return { data, error, loading, reload };
}
