import { listOf } from './format';

/** The token debugger's form, as typed. */
export interface TokenInspectForm {
  readonly token: string;
  /** Check the signature against this service's live JWKS, or against pasted keys. */
  readonly keys: 'live' | 'pasted';
  /** The pasted JWKS, JSON text. */
  readonly jwks: string;
  /** Empty: this service's issuer. */
  readonly issuer: string;
  /** One a line or comma-separated; empty: not checked. */
  readonly audience: string;
  readonly subject: string;
  readonly typ: string;
}

/** What `POST /admin/tokens/inspect` takes: the token and, when given, the keys and the claims to expect. */
export interface InspectRequest {
  readonly token: string;
  /** Keys to check the signature with instead of the service's live JWKS. */
  readonly jwks?: { readonly keys: readonly Record<string, unknown>[] };
  /** The expected issuer; the service's own when absent. */
  readonly issuer?: string;
  readonly audience?: string | readonly string[];
  readonly subject?: string;
  readonly typ?: string;
}

/** The API's bound on expected audiences. */
const MAX_AUDIENCES = 20;

/**
 * The form as the inspect call's body, or what is wrong with it: only what was given is sent
 * (the service fills in its own issuer and keys), one audience as a string, several as a list.
 *
 * @example
 * ```ts
 * const built = inspectRequest({ token, keys: 'live', jwks: '', issuer: '', audience: 'orders', subject: '', typ: '' });
 * if ('body' in built) await api('/admin/tokens/inspect', { method: 'POST', body: built.body });
 * ```
 */
export function inspectRequest(
  form: TokenInspectForm,
): { readonly body: InspectRequest } | { readonly problem: string } {
  // Whitespace (a pasted line break) is never part of a JWS; the service trims it too.
  const token = form.token.replace(/\s+/g, '');
  if (token === '') return { problem: 'Paste a token first.' };
  let jwks: InspectRequest['jwks'];
  if (form.keys === 'pasted') {
    let parsed: unknown;
    try {
      parsed = JSON.parse(form.jwks);
    } catch (err) {
      return { problem: `The pasted JWKS is not JSON: ${(err as Error).message}` };
    }
    const keys = (parsed as { keys?: unknown } | null)?.keys;
    if (!Array.isArray(keys) || keys.some((k) => typeof k !== 'object' || k === null || Array.isArray(k)))
      return { problem: 'The pasted JWKS is not a key set: {"keys": [{...}, ...]}.' };
    jwks = { keys: keys as Record<string, unknown>[] };
  }
  const audiences = listOf(form.audience);
  if (audiences.length > MAX_AUDIENCES) return { problem: `At most ${MAX_AUDIENCES} audiences.` };
  const given = (text: string) => (text.trim() === '' ? undefined : text.trim());
  const issuer = given(form.issuer);
  const subject = given(form.subject);
  const typ = given(form.typ);
  return {
    body: {
      token,
      ...(jwks === undefined ? {} : { jwks }),
      ...(issuer === undefined ? {} : { issuer }),
      ...(audiences.length === 0 ? {} : { audience: audiences.length === 1 ? audiences[0]! : audiences }),
      ...(subject === undefined ? {} : { subject }),
      ...(typ === undefined ? {} : { typ }),
    },
  };
}
