import { createHash, randomBytes } from 'node:crypto';
import {
  clientSecretBasic,
  createRemoteJwks,
  createVerifier,
  decodeJwt,
  type JwtPayload,
  type RemoteJwks,
  type TesseraVerifier,
} from '@tessera/core';
import { gatewayErrors } from '../errors.js';

/** The provider's metadata the login needs (OpenID Connect Discovery 1.0 §3). */
interface ProviderMetadata {
  readonly issuer: string;
  readonly authorization_endpoint: string;
  readonly token_endpoint: string;
  readonly jwks_uri: string;
  readonly end_session_endpoint?: string;
}

/** Tokens from the provider's token endpoint. */
export interface ProviderTokens {
  readonly accessToken: string;
  readonly idToken: string;
  readonly refreshToken: string | undefined;
  /** Epoch seconds when the access token expires (from `expires_in`, else its `exp`). */
  readonly expiresAt: number;
}

/** What a login in progress must remember until the callback. */
export interface PendingLogin {
  readonly state: string;
  readonly nonce: string;
  readonly verifier: string;
}

/** The gateway's side of the login: authorization URL, code exchange, refresh, ID token checks, logout URL. */
export interface OidcRelyingParty {
  /** A new login: the URL to send the browser to, and what the callback must check. */
  startLogin(redirectUri: string): Promise<{ url: string; pending: PendingLogin }>;
  /** Exchanges the callback's code; the ID token is verified (issuer, audience, signature, expiry, nonce). */
  finishLogin(
    code: string,
    pending: PendingLogin,
    redirectUri: string,
  ): Promise<{ tokens: ProviderTokens; claims: JwtPayload }>;
  /** A refresh token for new tokens (the ID token kept when none comes back). */
  refresh(refreshToken: string, previous: ProviderTokens): Promise<ProviderTokens>;
  /** Checks a logout token (Back-Channel Logout 1.0 §2.6): its `sid` and `sub`. */
  verifyLogoutToken(token: string): Promise<{ sid: string | undefined; sub: string | undefined }>;
  /** The provider's `end_session_endpoint` for this ID token, or undefined when it has none. */
  endSessionUrl(idToken: string, postLogoutRedirectUri: string | undefined): Promise<string | undefined>;
  close(): void;
}

/** Options of {@link createOidcRelyingParty}. */
export interface OidcRelyingPartyOptions {
  readonly issuerUrl: string;
  readonly clientId: string;
  /** Undefined for a public client (PKCE only). */
  readonly clientSecret: string | undefined;
  readonly scopes: readonly string[];
  /** Extra authorization request parameters (Gloo's `authEndpointQueryParams`, e.g. Auth0's `audience`). */
  readonly authEndpointQueryParams: Readonly<Record<string, string>>;
  readonly timeoutMs?: number;
  readonly clock?: () => number;
}

const LOGOUT_EVENT = 'http://schemas.openid.net/event/backchannel-logout';

/**
 * The OpenID Connect relying party the gateway's login runs, for any provider: discovery from
 * `issuerUrl` (once, cached; its `issuer` must be the configured one, trailing slash aside), the
 * authorization code flow with PKCE (S256), `state` and `nonce`, client_secret_basic (or none), ID
 * tokens verified with `@tessera/core` against the provider's JWKS.
 *
 * @example
 * ```ts
 * const rp = createOidcRelyingParty({ issuerUrl, clientId: 'webui', clientSecret, scopes: ['openid'], authEndpointQueryParams: {} });
 * const { url, pending } = await rp.startLogin('https://webui.example/callback');
 * ```
 */
export function createOidcRelyingParty(options: OidcRelyingPartyOptions): OidcRelyingParty {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const clock = options.clock ?? Date.now;
  let discovered:
    | Promise<{
        metadata: ProviderMetadata;
        jwks: RemoteJwks;
        idTokens: TesseraVerifier;
        logoutTokens: TesseraVerifier;
      }>
    | undefined;

  const fail = (message: string, cause?: unknown) =>
    gatewayErrors.create('ERR_GATEWAY_LOGIN_FAILED', message, cause === undefined ? undefined : { cause });

  const discover = () =>
    (discovered ??= (async () => {
      const url = `${options.issuerUrl.replace(/\/+$/, '')}/.well-known/openid-configuration`;
      const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs), redirect: 'error' });
      if (!res.ok) throw fail(`discovery at ${url} answered ${res.status}`);
      const metadata = (await res.json()) as ProviderMetadata;
      if (metadata.issuer?.replace(/\/+$/, '') !== options.issuerUrl.replace(/\/+$/, ''))
        throw fail(`discovery at ${url} names issuer ${String(metadata.issuer)}, not ${options.issuerUrl}`);
      for (const field of ['authorization_endpoint', 'token_endpoint', 'jwks_uri'] as const)
        if (typeof metadata[field] !== 'string') throw fail(`discovery at ${url} has no ${field}`);
      const jwks = createRemoteJwks(metadata.jwks_uri);
      const idTokens = createVerifier({ issuer: metadata.issuer, keys: jwks, audience: options.clientId, clock });
      const logoutTokens = createVerifier({
        issuer: metadata.issuer,
        keys: jwks,
        audience: options.clientId,
        typ: 'logout+jwt',
        clock,
      });
      return { metadata, jwks, idTokens, logoutTokens };
    })().catch((err: unknown) => {
      discovered = undefined; // the next login tries again
      throw err;
    }));

  const tokenRequest = async (form: Record<string, string>): Promise<Record<string, unknown>> => {
    const { metadata } = await discover();
    const headers: Record<string, string> = {
      'content-type': 'application/x-www-form-urlencoded',
      accept: 'application/json',
    };
    const body = new URLSearchParams(form);
    if (options.clientSecret === undefined) body.set('client_id', options.clientId);
    else {
      headers['authorization'] = clientSecretBasic(options.clientId, options.clientSecret);
    }
    const res = await fetch(metadata.token_endpoint, {
      method: 'POST',
      headers,
      body: body.toString(),
      signal: AbortSignal.timeout(timeoutMs),
      redirect: 'error',
    });
    const json = (await res.json().catch(() => ({}))) as Record<string, unknown>;
    if (!res.ok)
      throw fail(
        `the token endpoint answered ${res.status} ${typeof json['error'] === 'string' ? json['error'] : ''}`.trim(),
      );
    return json;
  };

  /** An ID token's claims once verified (signature, issuer, audience, expiry); `what` names it in the error. */
  const verifyIdToken = async (idToken: string, what: string): Promise<JwtPayload> => {
    const { idTokens } = await discover();
    try {
      return (await idTokens.verify(idToken)).payload;
    } catch (err) {
      throw fail(`${what} did not verify`, err);
    }
  };

  const toTokens = (json: Record<string, unknown>, previous?: ProviderTokens): ProviderTokens => {
    const accessToken = json['access_token'];
    const idToken = json['id_token'] ?? previous?.idToken;
    if (typeof accessToken !== 'string' || typeof idToken !== 'string')
      throw fail('the token endpoint answered without an access token or ID token');
    const now = Math.floor(clock() / 1000);
    const expiresIn = typeof json['expires_in'] === 'number' ? json['expires_in'] : undefined;
    return {
      accessToken,
      idToken,
      refreshToken: typeof json['refresh_token'] === 'string' ? json['refresh_token'] : previous?.refreshToken,
      expiresAt: expiresIn !== undefined ? now + expiresIn : now + 300,
    };
  };

  return {
    async startLogin(redirectUri) {
      const { metadata } = await discover();
      const pending: PendingLogin = {
        state: randomBytes(24).toString('base64url'),
        nonce: randomBytes(24).toString('base64url'),
        verifier: randomBytes(32).toString('base64url'),
      };
      const url = new URL(metadata.authorization_endpoint);
      for (const [k, v] of Object.entries(options.authEndpointQueryParams)) url.searchParams.set(k, v);
      url.searchParams.set('response_type', 'code');
      url.searchParams.set('client_id', options.clientId);
      url.searchParams.set('redirect_uri', redirectUri);
      url.searchParams.set('scope', options.scopes.join(' '));
      url.searchParams.set('state', pending.state);
      url.searchParams.set('nonce', pending.nonce);
      url.searchParams.set('code_challenge', createHash('sha256').update(pending.verifier).digest('base64url'));
      url.searchParams.set('code_challenge_method', 'S256');
      return { url: url.href, pending };
    },
    async finishLogin(code, pending, redirectUri) {
      const json = await tokenRequest({
        grant_type: 'authorization_code',
        code,
        redirect_uri: redirectUri,
        code_verifier: pending.verifier,
      });
      const tokens = toTokens(json);
      const claims = await verifyIdToken(tokens.idToken, 'the ID token');
      if (claims['nonce'] !== pending.nonce) throw fail('the ID token is for another login (nonce)');
      return { tokens, claims };
    },
    async refresh(refreshToken, previous) {
      const tokens = toTokens(
        await tokenRequest({ grant_type: 'refresh_token', refresh_token: refreshToken }),
        previous,
      );
      if (tokens.idToken !== previous.idToken) {
        // A new ID token is checked as at login, and must speak of the same person (OIDC Core §12.2).
        const claims = await verifyIdToken(tokens.idToken, 'the refreshed ID token');
        if (claims.sub !== decodeJwt(previous.idToken).payload.sub)
          throw fail('the refreshed ID token is for another user');
      }
      return tokens;
    },
    async verifyLogoutToken(token) {
      const { logoutTokens } = await discover();
      const { payload } = await logoutTokens.verify(token);
      const events = payload['events'] as Record<string, unknown> | undefined;
      if (typeof events !== 'object' || events === null || !(LOGOUT_EVENT in events) || 'nonce' in payload)
        throw fail('not a logout token');
      const sid = typeof payload['sid'] === 'string' ? payload['sid'] : undefined;
      const sub = typeof payload.sub === 'string' ? payload.sub : undefined;
      if (sid === undefined && sub === undefined) throw fail('a logout token names sid or sub');
      return { sid, sub };
    },
    async endSessionUrl(idToken, postLogoutRedirectUri) {
      const { metadata } = await discover();
      if (metadata.end_session_endpoint === undefined) return undefined;
      const url = new URL(metadata.end_session_endpoint);
      url.searchParams.set('id_token_hint', idToken);
      url.searchParams.set('client_id', options.clientId);
      if (postLogoutRedirectUri !== undefined) url.searchParams.set('post_logout_redirect_uri', postLogoutRedirectUri);
      return url.href;
    },
    close() {
      void discovered?.then((d) => d.jwks.close()).catch(() => undefined);
    },
  };
}
