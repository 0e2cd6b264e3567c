import { httpCall } from './http-client.js';

/**
 * Gets an access token with the client_credentials grant (RFC 6749 §4.4, client_secret_basic).
 * Throws with the RFC 6749 §5.2 error when the token service refuses.
 *
 * @example
 * ```ts
 * const token = await clientCredentialsToken(ts.url, 'servicea', secret, { audience: 'serviceb' });
 * ```
 */
export async function clientCredentialsToken(
  tokenServiceUrl: string,
  clientId: string,
  clientSecret: string,
  params: Record<string, string> = {},
): Promise<string> {
  return tokenRequest(tokenServiceUrl, clientId, clientSecret, { grant_type: 'client_credentials', ...params });
}

/** POSTs a token request with client_secret_basic and returns `access_token`. */
export async function tokenRequest(
  tokenServiceUrl: string,
  clientId: string,
  clientSecret: string,
  params: Record<string, string>,
  ca?: string,
): Promise<string> {
  const enc = (s: string) => encodeURIComponent(s).replace(/%20/g, '+');
  const res = await httpCall(`${tokenServiceUrl}/token`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: `Basic ${Buffer.from(`${enc(clientId)}:${enc(clientSecret)}`).toString('base64')}`,
    },
    body: new URLSearchParams(params).toString(),
    ...(ca === undefined ? {} : { ca }),
  });
  const body = res.json as { access_token?: string; error?: string; error_description?: string } | undefined;
  if (res.status !== 200 || typeof body?.access_token !== 'string')
    throw new Error(
      `token request refused: ${res.status} ${body?.error ?? ''} ${body?.error_description ?? ''}`.trim(),
    );
  return body.access_token;
}
