// Gloo Platform's ExtAuthPolicy (`security.policy.gloo.solo.io/v2`), the part the gateway runs:
// `config.glooAuth.configs[].oauth2.oidcAuthorizationCode`, the login of people at an OpenID
// Connect provider, as the brief's scenario 002 configures it. Field names and defaults follow
// Gloo's API (ext-auth-service's translator): callbackPath `/oauth-gloo-callback`, cookie maxAge
// 30 days, HttpOnly, Secure unless `notSecure`, Redis refreshing on.

/** A Kubernetes Secret by name (Gloo's `ResourceRef`): read from `<secretsDir>/<namespace>/<name>/<key>`. */
export interface SecretRef {
  readonly name: string;
  readonly namespace: string;
}

/** `claimsToHeaders[]`: a claim copied into a request header for the upstream. */
export interface ClaimToHeader {
  readonly claim: string;
  readonly header: string;
  /** Add to a header of that name instead of replacing it (Gloo's `append`). */
  readonly append: boolean;
}

/** Gloo's `session.cookieOptions`. */
export interface CookieOptions {
  /** Seconds; Gloo's default is 30 days. */
  readonly maxAge: number;
  readonly notSecure: boolean;
  readonly httpOnly: boolean;
  readonly path: string;
  readonly domain: string | undefined;
  readonly sameSite: 'DefaultMode' | 'LaxMode' | 'StrictMode' | 'NoneMode';
}

/** Gloo's `session.redis`: tokens kept in Redis, the cookie holds an id. */
export interface RedisSessionOptions {
  readonly cookieName: string;
  readonly keyPrefix: string;
  readonly allowRefreshing: boolean;
  /** Seconds before the access token's expiry at which it is refreshed. */
  readonly preExpiryBuffer: number;
  /** Also accept the session id in this request header (Gloo's `headerName`). */
  readonly headerName: string | undefined;
  readonly host: string;
  readonly db: number;
}

/** `oauth2.oidcAuthorizationCode`, with Gloo's defaults applied. */
export interface OidcAuthorizationCode {
  readonly appUrl: string;
  readonly callbackPath: string;
  readonly clientId: string;
  readonly clientSecretRef: SecretRef | undefined;
  readonly issuerUrl: string;
  /** `openid` is always asked for, whether listed or not (as Gloo does). */
  readonly scopes: readonly string[];
  readonly authEndpointQueryParams: Readonly<Record<string, string>>;
  readonly logoutPath: string | undefined;
  readonly afterLogoutUrl: string | undefined;
  readonly headers: {
    readonly idTokenHeader: string | undefined;
    readonly accessTokenHeader: string | undefined;
    readonly useBearerSchemaForAuthorization: boolean;
  };
  readonly identityTokenClaimsToHeaders: readonly ClaimToHeader[];
  readonly accessTokenClaimsToHeaders: readonly ClaimToHeader[];
  readonly session: {
    readonly failOnFetchFailure: boolean;
    readonly cookieOptions: CookieOptions;
    /** Prefix of the cookie session's cookie names (Gloo's `cookie.keyPrefix`). */
    readonly cookieKeyPrefix: string;
    readonly redis: RedisSessionOptions | undefined;
    readonly cipherKeyRef: SecretRef | undefined;
  };
}

/** One ExtAuthPolicy document, validated. */
export interface ExtAuthPolicy {
  readonly name: string;
  readonly namespace: string;
  /** Where it was read, for messages. */
  readonly source: string;
  /** `applyToRoutes[].route.labels`: a route whose `routeLabels` hold every pair of one entry is selected. */
  readonly applyToRoutes: readonly Readonly<Record<string, string>>[];
  readonly oidc: OidcAuthorizationCode;
}
