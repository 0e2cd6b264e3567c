/** An admin API answer that was not 2xx: its RFC 9457 problem, as the API gave it. */
export class ApiError extends Error {
  /** The HTTP status. */
  readonly status: number;
  /** The problem's stable code (`ERR_ADMIN_FORBIDDEN`, ...), when it has one. */
  readonly code: string | undefined;
  constructor(status: number, message: string, code?: string) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
  }
}

/** Who is signed in, from `GET /admin/whoami`. */
export interface Whoami {
  readonly actor: string;
  readonly role: 'admin' | 'viewer';
  readonly username?: string;
  /** Sent as `x-tessera-csrf` with every change. */
  readonly csrf?: string;
}

let csrf: string | undefined;

/** Remembers the session's CSRF token (from whoami) for the changes that follow. */
export function useCsrf(token: string | undefined): void {
  csrf = token;
}

/**
 * Calls the admin API on this origin with the login session's cookie (the console holds no
 * token). Every method but GET carries the CSRF token; a problem answer throws an {@link ApiError}
 * with its code and detail.
 *
 * @example
 * ```ts
 * const { keys } = await api<{ keys: Key[] }>('/admin/keys');
 * await api('/admin/keys/rotate', { method: 'POST', body: { immediate: false } });
 * ```
 */
export async function api<T = unknown>(
  path: string,
  init: { readonly method?: string; readonly body?: unknown } = {},
): Promise<T> {
  const method = init.method ?? 'GET';
  const headers: Record<string, string> = { accept: 'application/json' };
  if (method !== 'GET' && csrf !== undefined) headers['x-tessera-csrf'] = csrf;
  if (init.body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(path, {
    method,
    headers,
    credentials: 'same-origin',
    ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
  });
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  let body: unknown;
  try {
    body = text === '' ? undefined : JSON.parse(text);
  } catch {
    body = undefined;
  }
  if (!res.ok) {
    const problem = (body ?? {}) as { detail?: string; title?: string; code?: string };
    throw new ApiError(res.status, problem.detail ?? problem.title ?? `HTTP ${res.status}`, problem.code);
  }
  return body as T;
}

/** A readable sentence for any error a page shows (an API problem with its code, or anything else). */
export function describeError(error: unknown): string {
  if (error instanceof ApiError) return error.code === undefined ? error.message : `${error.message} (${error.code})`;
  return error instanceof Error ? error.message : String(error);
}
