import type { ClientRecord } from '../clients/client-record.js';

/** A validated authorization request (RFC 6749 §4.1.1 with PKCE, OpenID Connect Core §3.1.2.1). */
export interface AuthorizationRequest {
  readonly clientId: string;
  readonly redirectUri: string;
  readonly scope: readonly string[];
  readonly state?: string;
  readonly nonce?: string;
  readonly codeChallenge: string;
  readonly prompt: readonly string[];
  /** Seconds. */
  readonly maxAge?: number;
  readonly loginHint?: string;
  /** `acr_values`, in order of preference: `"2"` asks for a second factor (OpenID Connect Core §3.1.2.1). */
  readonly acrValues?: readonly string[];
  /** The access token's audience (RFC 8707 `resource`, or `audience`). */
  readonly audience: string;
}

/** Why a request was refused, and whether the refusal may go back to the client's redirect URI. */
export interface AuthorizationRefusal {
  readonly error: string;
  readonly description: string;
  /** Set once the client and its redirect URI are known to be good (RFC 6749 §4.1.2.1). */
  readonly redirectUri?: string;
  readonly state?: string;
}

const SINGLE = [
  'response_type',
  'client_id',
  'redirect_uri',
  'scope',
  'state',
  'nonce',
  'code_challenge',
  'code_challenge_method',
  'prompt',
  'max_age',
  'login_hint',
  'acr_values',
  'response_mode',
  'audience',
] as const;

/** Printable ASCII without spaces: a PKCE challenge is 43 base64url characters (RFC 7636 §4.2). */
const CHALLENGE = /^[A-Za-z0-9_-]{43}$/;

/**
 * Validates an authorization request. Until the client and its redirect URI are known good, a
 * refusal is shown to the user and never redirected (RFC 6749 §4.1.2.1: an unregistered URI is an
 * open redirector); after that, refusals go back to the client with `state`. Only
 * `response_type=code`, PKCE with `S256`, registered redirect URIs compared exactly, and each
 * parameter once (RFC 6749 §3.1).
 *
 * @example
 * ```ts
 * const parsed = parseAuthorizationRequest(query, await lookup(query.get('client_id')));
 * if ('error' in parsed) return refuse(parsed);
 * ```
 */
export function parseAuthorizationRequest(
  query: URLSearchParams,
  client: ClientRecord | undefined,
): AuthorizationRequest | AuthorizationRefusal {
  for (const name of SINGLE)
    if (query.getAll(name).length > 1)
      return { error: 'invalid_request', description: `${name} is given more than once` };
  const clientId = query.get('client_id');
  if (clientId === null) return { error: 'invalid_request', description: 'client_id is missing' };
  if (client === undefined || !client.enabled || !client.grantTypes.includes('authorization_code'))
    return {
      error: 'unauthorized_client',
      description: 'unknown client, or it may not use the authorization code flow',
    };
  const redirectUri = query.get('redirect_uri');
  if (redirectUri === null) return { error: 'invalid_request', description: 'redirect_uri is missing' };
  if (!client.redirectUris.includes(redirectUri))
    return { error: 'invalid_request', description: 'redirect_uri is not registered for this client' };
  // From here on the client may be told, at its own redirect URI.
  const state = query.get('state') ?? undefined;
  const back = (error: string, description: string): AuthorizationRefusal => ({
    error,
    description,
    redirectUri,
    ...(state === undefined ? {} : { state }),
  });
  if (query.get('response_type') !== 'code')
    return back('unsupported_response_type', 'only response_type=code is supported');
  const responseMode = query.get('response_mode');
  if (responseMode !== null && responseMode !== 'query')
    return back('invalid_request', 'only response_mode=query is supported');
  const challenge = query.get('code_challenge');
  if (challenge === null) return back('invalid_request', 'PKCE is required: code_challenge is missing');
  if (query.get('code_challenge_method') !== 'S256')
    return back('invalid_request', 'code_challenge_method must be S256');
  if (!CHALLENGE.test(challenge)) return back('invalid_request', 'code_challenge is not 43 base64url characters');
  const scope = (query.get('scope') ?? '').split(' ').filter((s) => s.length > 0);
  const allowed = new Set(['openid', 'profile', 'email', 'offline_access', ...client.scopes]);
  const unknown = scope.find((s) => !allowed.has(s));
  if (unknown !== undefined) return back('invalid_scope', `scope ${unknown} is not allowed for this client`);
  const prompt = (query.get('prompt') ?? '').split(' ').filter((p) => p.length > 0);
  if (prompt.some((p) => !['none', 'login', 'consent', 'select_account'].includes(p)))
    return back('invalid_request', 'unknown prompt value');
  if (prompt.includes('none') && prompt.length > 1)
    return back('invalid_request', 'prompt=none cannot be combined with other values');
  const maxAgeText = query.get('max_age');
  const maxAge = maxAgeText === null ? undefined : Number(maxAgeText);
  if (maxAge !== undefined && (!/^\d{1,9}$/.test(maxAgeText!) || !Number.isInteger(maxAge)))
    return back('invalid_request', 'max_age must be a number of seconds');
  const resources = query.getAll('resource');
  const audienceParam = query.get('audience');
  if (resources.length > 1) return back('invalid_target', 'one resource per request');
  const audience = resources[0] ?? audienceParam ?? client.audiences[0];
  if (audience === undefined)
    return back('invalid_target', 'no audience: give resource, or register audiences for the client');
  if (!client.audiences.includes(audience))
    return back('invalid_target', 'the resource is not allowed for this client');
  const nonce = query.get('nonce') ?? undefined;
  const loginHint = query.get('login_hint') ?? undefined;
  const acrValues = query
    .get('acr_values')
    ?.split(' ')
    .filter((v) => v.length > 0);
  return {
    clientId: client.id,
    redirectUri,
    scope,
    ...(state === undefined ? {} : { state }),
    ...(nonce === undefined ? {} : { nonce }),
    codeChallenge: challenge,
    prompt,
    ...(maxAge === undefined ? {} : { maxAge }),
    ...(loginHint === undefined ? {} : { loginHint }),
    ...(acrValues === undefined || acrValues.length === 0 ? {} : { acrValues }),
    audience,
  };
}

/**
 * True when a stored value is a whole authorization request (an interaction of another kind, such
 * as a logout confirmation, is not one).
 *
 * @example
 * ```ts
 * if (!isAuthorizationRequest(data.request)) return expired();
 * ```
 */
export function isAuthorizationRequest(value: unknown): value is AuthorizationRequest {
  const v = value as Partial<AuthorizationRequest> | undefined;
  return (
    typeof v?.clientId === 'string' &&
    typeof v.redirectUri === 'string' &&
    typeof v.codeChallenge === 'string' &&
    typeof v.audience === 'string' &&
    Array.isArray(v.scope) &&
    Array.isArray(v.prompt)
  );
}
