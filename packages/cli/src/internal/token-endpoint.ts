import { cliErrors } from '../errors.js';
import { clientSecretBasic } from '@tessera/core';

/** Client credentials for the token endpoint. */
export interface ClientCredentials {
  clientId: string;
  clientSecret: string;
  /** `basic` = client_secret_basic (default), `post` = client_secret_post. */
  method?: 'basic' | 'post';
}

/** A successful RFC 6749 §5.1 token response. */
export interface TokenResponse {
  access_token: string;
  token_type: string;
  expires_in?: number;
  scope?: string;
  issued_token_type?: string;
  [member: string]: unknown;
}

/**
 * Finds the token endpoint of a token service from its RFC 8414 metadata, falling back to
 * `<base>/token` when the service publishes none.
 */
export async function discoverTokenEndpoint(baseUrl: string, timeoutMs = 10_000): Promise<string> {
  const base = parseUrl(baseUrl, '--url');
  if (/\/token\/?$/.test(base.pathname)) return base.href;
  const root = base.href.replace(/\/+$/, '');
  try {
    const res = await fetch(`${root}/.well-known/oauth-authorization-server`, {
      signal: AbortSignal.timeout(timeoutMs),
    });
    if (res.ok) {
      const meta = (await res.json()) as { token_endpoint?: unknown };
      if (typeof meta.token_endpoint === 'string') return meta.token_endpoint;
    } else {
      await res.body?.cancel();
    }
  } catch (error) {
    throw remoteError(
      `cannot reach the token service at ${root}: ${describeFetchError(error)}`,
      'check the --url and that the token service is running',
    );
  }
  return `${root}/token`;
}

/**
 * POSTs a form to a token endpoint with client authentication (RFC 6749 §2.3.1: the id and secret are
 * form-urlencoded before Basic encoding) and returns the token response, or throws
 * `ERR_CLI_REMOTE_FAILED` carrying the RFC 6749 §5.2 `error` and `error_description`.
 */
export async function requestToken(
  endpoint: string,
  client: ClientCredentials,
  params: Record<string, string | undefined>,
  timeoutMs = 10_000,
): Promise<TokenResponse> {
  const form = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '') form.set(k, v);
  const headers: Record<string, string> = {
    'content-type': 'application/x-www-form-urlencoded',
    accept: 'application/json',
  };
  if (client.method === 'post') {
    form.set('client_id', client.clientId);
    form.set('client_secret', client.clientSecret);
  } else {
    headers['authorization'] = clientSecretBasic(client.clientId, client.clientSecret);
  }
  let res: Response;
  try {
    res = await fetch(endpoint, {
      method: 'POST',
      headers,
      body: form.toString(),
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (error) {
    throw remoteError(
      `cannot reach the token endpoint ${endpoint}: ${describeFetchError(error)}`,
      'check the --url and that the token service is running',
    );
  }
  const text = await res.text();
  let body: Record<string, unknown> = {};
  try {
    body = JSON.parse(text) as Record<string, unknown>;
  } catch {
    // fall through: reported below with the status
  }
  if (!res.ok || typeof body['access_token'] !== 'string') {
    const error = typeof body['error'] === 'string' ? body['error'] : undefined;
    // No OAuth error, or a resource server's RFC 6750 one: --url names something else than a token service.
    if (error === undefined || error === 'invalid_token' || error === 'insufficient_scope')
      throw remoteError(
        `${endpoint} answered HTTP ${res.status}${error === undefined ? '' : ` ${error}`}, not a token response`,
        "give --url the token service's address (its issuer), not a service that verifies tokens",
        { status: res.status, ...(error === undefined ? {} : { error }) },
      );
    const description = typeof body['error_description'] === 'string' ? `: ${body['error_description']}` : '';
    throw remoteError(
      `the token endpoint refused (${res.status} ${error}${description})`,
      refusalHint(error, params['grant_type']),
      { status: res.status, error },
    );
  }
  return body as TokenResponse;
}

/** What to change when the token endpoint answers with an RFC 6749 §5.2 / RFC 8693 §2.2.2 error. */
function refusalHint(error: string, grantType: string | undefined): string {
  switch (error) {
    case 'invalid_client':
      return 'check the client id and secret';
    case 'unauthorized_client':
      return grantType?.endsWith(':token-exchange')
        ? 'this client may not exchange tokens: add the token-exchange grant to its grantTypes, with exchange rules'
        : "this client may not use this grant: add it to the client's grantTypes";
    case 'unsupported_grant_type':
      return 'the token service does not offer this grant';
    case 'invalid_scope':
      return "ask only for scopes in the client's scopes";
    case 'invalid_target':
      return 'ask only for audiences the client may get: its audiences, or exchange.targetAudiences for an exchange';
    case 'invalid_grant':
      return grantType?.endsWith(':token-exchange')
        ? "check that the subject (and actor) token is valid and has an audience in the client's exchange.subjectAudiences"
        : 'check the grant';
    default:
      return 'check the request parameters';
  }
}

/** Parses a URL option or fails with `ERR_CLI_USAGE`. */
export function parseUrl(value: string, option: string): URL {
  try {
    const url = new URL(value);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('not http(s)');
    return url;
  } catch {
    throw cliErrors.create('ERR_CLI_USAGE', `${option} must be an http(s) URL, got ${JSON.stringify(value)}`);
  }
}

function remoteError(message: string, hint: string, extra: Record<string, unknown> = {}) {
  return cliErrors.create('ERR_CLI_REMOTE_FAILED', message, { details: { hint, ...extra } });
}

function describeFetchError(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (error as Error).message;
}
