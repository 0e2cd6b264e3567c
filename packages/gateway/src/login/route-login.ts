import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { decodeJwt, parseCookies, type JwtPayload } from '@tessera/core';
import type { GatewayRequest } from '../request/gateway-request.js';
import { claimHeaderValue } from '../mutate/claim-header-value.js';
import type { ExtAuthPolicy } from './ext-auth-policy.js';
import type { OidcRelyingParty, PendingLogin } from './oidc-relying-party.js';
import type { SessionSealer } from './session-sealer.js';
import type { CarriedSession, CookieJar, CookieSettings, LoginSession, SessionStore } from './session-store.js';

/** A login on its way to the provider: what the callback checks, and where the browser goes after. */
interface LoginState extends PendingLogin {
  readonly returnTo: string;
}

/** An answer the login gives itself (redirect, refusal, logout page). */
export interface LoginAnswer {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | readonly string[]>>;
  readonly body: string;
  /** The access log's reason and detail. */
  readonly reason: 'allowed' | 'ERR_GATEWAY_LOGIN_FAILED' | 'ERR_GATEWAY_BAD_REQUEST' | 'ERR_GATEWAY_ACCESS_DENIED';
  readonly detail: string;
}

/** What the login stage decided for a request. */
export type LoginStep =
  | { readonly kind: 'answer'; readonly answer: LoginAnswer }
  /** Not the login's business: a bearer token came, the route's policies decide as usual. */
  | { readonly kind: 'pass' }
  /** A signed-in person: the request as policies see it (the session's token), and what the upstream gets. */
  | {
      readonly kind: 'session';
      /** The session's tokens that may speak for the request (as {@link withBearer}), in order: the access token (when a JWT), then the ID token. */
      readonly candidates: readonly string[];
      readonly upstreamHeaders: readonly (readonly [string, string])[];
      /** Set on the response: a refreshed session. */
      readonly setCookies: readonly string[];
    };

/** What a route login needs besides its policy. */
export interface RouteLoginDeps {
  readonly rp: OidcRelyingParty;
  /** Seals the login cookie (and, for cookie sessions, the session). */
  readonly sealer: SessionSealer;
  /** Where the sessions live: `createCookieSessionStore` or `createRedisSessionStore`, given the cookie settings. */
  readonly sessions: (cookie: CookieSettings) => SessionStore;
  readonly clock: () => number;
}

/** Seconds before the access token's expiry at which a cookie session refreshes it (Gloo's Redis default too). */
const DEFAULT_PRE_EXPIRY_BUFFER = 2;
/** How long a login may take at the provider. */
const LOGIN_STATE_SECONDS = 600;

const HTML_TYPES = /text\/html|application\/xhtml\+xml/;
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * The request's cookies as the login reads them (core's reading, in one pass): a name given more
 * than once is not believed, as the token service's pages do (a planted cookie beside the real one).
 */
function requestCookies(header: string | undefined): CookieJar {
  const all = parseCookies(header);
  return {
    get(name) {
      const values = all.get(name);
      return values?.length === 1 ? values[0] : undefined;
    },
  };
}

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * The login of one ExtAuthPolicy on the routes it selects, run before authorization:
 * - `callbackPath`: checks `state` against the login cookie, exchanges the code, verifies the ID
 *   token (issuer, audience = clientId, nonce), seals the session into cookies and sends the
 *   browser back where it was going (same origin only);
 * - `logoutPath`: ends the session here and at the provider (`end_session_endpoint`), then
 *   `afterLogoutUrl`; `<callbackPath>/backchannel-logout` takes the provider's logout tokens;
 * - a request with its own credential passes to the route's policies untouched;
 * - a session: its access token is refreshed shortly before expiry; the request's identity for the
 *   policies is the access token when it is a JWT they accept, else the ID token; the upstream gets
 *   the configured token and claim headers and no session cookie; an unsafe method needs a
 *   same-origin `Origin` or `Sec-Fetch-Site`;
 * - nothing: a page navigation (GET/HEAD accepting HTML) goes to the provider, anything else 401.
 *
 * @example
 * ```ts
 * const step = await login.handle(req, prepared.request);
 * ```
 */
export function createRouteLogin(policy: ExtAuthPolicy, secure: boolean, deps: RouteLoginDeps) {
  const o = policy.oidc;
  const { rp, sealer, clock } = deps;
  const cookieOptions = o.session.cookieOptions;
  const secureCookies = secure && !cookieOptions.notSecure;
  // __Host-: only this origin, path /, Secure (RFC 6265bis §4.1.3.2), when nothing asks otherwise.
  const hostPrefix = secureCookies && cookieOptions.domain === undefined && cookieOptions.path === '/' ? '__Host-' : '';
  const sessionName = `${hostPrefix}${o.session.cookieKeyPrefix}${o.session.redis?.cookieName ?? 'tessera-gw-session'}`;
  const stateName = `${hostPrefix}${o.session.cookieKeyPrefix}tessera-gw-login`;
  const purpose = `${policy.namespace}/${policy.name}`;
  const redirectUri = `${o.appUrl}${o.callbackPath}`;
  const backchannelPath = `${o.callbackPath}/backchannel-logout`;
  const appOrigin = new URL(o.appUrl).origin;
  const preExpiry = o.session.redis?.preExpiryBuffer ?? DEFAULT_PRE_EXPIRY_BUFFER;

  const attributes = (maxAge: number) =>
    [
      `Path=${cookieOptions.path}`,
      ...(cookieOptions.domain === undefined ? [] : [`Domain=${cookieOptions.domain}`]),
      `Max-Age=${maxAge}`,
      ...(cookieOptions.httpOnly ? ['HttpOnly'] : []),
      ...(secureCookies ? ['Secure'] : []),
      // The callback is a top-level navigation from the provider: Strict would drop the login cookie.
      `SameSite=${cookieOptions.sameSite === 'StrictMode' ? 'Strict' : cookieOptions.sameSite === 'NoneMode' ? 'None' : 'Lax'}`,
    ].join('; ');

  const sessions = deps.sessions({ name: sessionName, attributes, maxAge: cookieOptions.maxAge });

  const answer = (
    status: number,
    body: string,
    reason: LoginAnswer['reason'],
    detail: string,
    headers: Record<string, string | readonly string[]> = {},
  ): LoginStep => ({
    kind: 'answer',
    answer: { status, body, reason, detail, headers: { 'cache-control': 'no-store', ...headers } },
  });

  const callback = async (request: GatewayRequest, cookies: CookieJar): Promise<LoginStep> => {
    const params = new URLSearchParams(request.query.slice(1));
    const sealedState = cookies.get(stateName);
    const state =
      sealedState === undefined ? undefined : (sealer.open(sealedState, `${purpose} login`) as LoginState | undefined);
    const clearState = `${stateName}=; ${attributes(0)}`;
    const given = params.get('state');
    if (state === undefined || given === null || !sameText(given, state.state))
      return answer(
        400,
        'this login is not this browser\u2019s, or it expired: start again',
        'ERR_GATEWAY_BAD_REQUEST',
        'login state missing or not matching',
        { 'set-cookie': [clearState] },
      );
    const error = params.get('error');
    if (error !== null)
      return answer(
        401,
        `the identity provider refused the login: ${error.replace(/[^\w.-]/g, '')}`,
        'ERR_GATEWAY_LOGIN_FAILED',
        `provider error ${error.slice(0, 64)}`,
        { 'set-cookie': [clearState] },
      );
    const code = params.get('code');
    if (code === null)
      return answer(400, 'the callback has no code', 'ERR_GATEWAY_BAD_REQUEST', 'callback without code', {
        'set-cookie': [clearState],
      });
    let finished;
    try {
      finished = await rp.finishLogin(code, state, redirectUri);
    } catch (err) {
      return answer(401, 'the login could not be completed', 'ERR_GATEWAY_LOGIN_FAILED', (err as Error).message, {
        'set-cookie': [clearState],
      });
    }
    const session: LoginSession = {
      tokens: finished.tokens,
      sid: typeof finished.claims['sid'] === 'string' ? finished.claims['sid'] : undefined,
      sub: finished.claims.sub,
      at: Math.floor(clock() / 1000),
    };
    // A new login always gets a new session (no fixation): the one the browser had is dropped,
    // without marking the provider's session ended (a single sign-on login shares its sid).
    const previous = await sessions.read(cookies, request.headers).catch(() => undefined);
    if (previous?.present === true) await sessions.forget(previous).catch(() => undefined);
    const written = await sessions.write(session, { pieces: previous?.handle.pieces ?? 0, id: undefined });
    return answer(302, '', 'allowed', 'login completed', {
      location: state.returnTo,
      'set-cookie': [...written, clearState],
    });
  };

  /** The return URL after login: the request's own path and query on appUrl's origin, nothing else. */
  const returnTo = (request: GatewayRequest) => `${o.appUrl}${request.path}${request.query}`;

  const startLogin = async (request: GatewayRequest): Promise<LoginStep> => {
    let started;
    try {
      started = await rp.startLogin(redirectUri);
    } catch (err) {
      return answer(502, 'the identity provider cannot be reached', 'ERR_GATEWAY_LOGIN_FAILED', (err as Error).message);
    }
    const state: LoginState = { ...started.pending, returnTo: returnTo(request) };
    return answer(302, '', 'allowed', 'login started', {
      location: started.url,
      'set-cookie': [`${stateName}=${sealer.seal(state, `${purpose} login`)}; ${attributes(LOGIN_STATE_SECONDS)}`],
    });
  };

  const logout = async (request: GatewayRequest, cookies: CookieJar): Promise<LoginStep> => {
    const carried = await sessions.read(cookies, request.headers);
    const after = o.afterLogoutUrl ?? `${o.appUrl}/`;
    const location =
      carried.session === undefined
        ? after
        : ((await rp.endSessionUrl(carried.session.tokens.idToken, after).catch(() => undefined)) ?? after);
    return answer(302, '', 'allowed', 'logout', { location, 'set-cookie': await sessions.end(carried) });
  };

  const backchannel = async (req: IncomingMessage): Promise<LoginStep> => {
    let body = '';
    for await (const chunk of req) {
      body += (chunk as Buffer).toString('utf8');
      if (body.length > 16_384) return answer(413, 'too large', 'ERR_GATEWAY_BAD_REQUEST', 'logout token too large');
    }
    const token = new URLSearchParams(body).get('logout_token');
    if (token === null) return answer(400, 'logout_token is required', 'ERR_GATEWAY_BAD_REQUEST', 'no logout token');
    try {
      const { sid, sub } = await rp.verifyLogoutToken(token);
      await sessions.endAt(sid !== undefined ? { sid } : { sub: sub! });
      return answer(200, '', 'allowed', 'back-channel logout');
    } catch (err) {
      return answer(400, 'invalid logout token', 'ERR_GATEWAY_LOGIN_FAILED', (err as Error).message);
    }
  };

  // The token and claim headers of a session, built once per session (the stores hand out the same object).
  const sessionHeaders = new WeakMap<LoginSession, readonly (readonly [string, string])[]>();

  /** Headers for the upstream from a session: tokens and claims as configured, cookies without the gateway's. */
  const upstreamHeaders = (session: LoginSession, rawCookie: string | undefined) => {
    const out: (readonly [string, string])[] = [...(sessionHeaders.get(session) ?? tokenHeaders(session))];
    if (rawCookie !== undefined) {
      // The header as sent, less the gateway's own cookies.
      const kept = rawCookie
        .split(';')
        .map((part) => part.trim())
        .filter((part) => {
          const name = part.slice(0, Math.max(0, part.indexOf('='))).trim();
          return part.length > 0 && !sessions.owns(name) && name !== stateName;
        });
      if (kept.length > 0) out.push(['cookie', kept.join('; ')]);
    }
    return out;
  };

  const tokenHeaders = (session: LoginSession): readonly (readonly [string, string])[] => {
    const out: [string, string][] = [];
    const { idTokenHeader, accessTokenHeader, useBearerSchemaForAuthorization } = o.headers;
    if (idTokenHeader !== undefined) out.push([idTokenHeader, session.tokens.idToken]);
    if (accessTokenHeader !== undefined)
      out.push([
        accessTokenHeader,
        useBearerSchemaForAuthorization && accessTokenHeader === 'authorization'
          ? `Bearer ${session.tokens.accessToken}`
          : session.tokens.accessToken,
      ]);
    const copy = (payload: JwtPayload | undefined, list: ExtAuthPolicy['oidc']['identityTokenClaimsToHeaders']) => {
      if (payload === undefined) return;
      for (const c of list) {
        const value = claimHeaderValue(payload, c.claim);
        if (typeof value === 'string') out.push([c.header, value]);
      }
    };
    copy(safeDecode(session.tokens.idToken), o.identityTokenClaimsToHeaders);
    copy(safeDecode(session.tokens.accessToken), o.accessTokenClaimsToHeaders);
    sessionHeaders.set(session, out);
    return out;
  };

  /** No good session: a page goes to the provider (the stale session cleared), anything else gets 401. */
  const startLoginOr401 = async (r: GatewayRequest, c: CarriedSession, why: string): Promise<LoginStep> => {
    const clear = c.present ? await sessions.forget(c).catch(() => []) : [];
    const page = (r.method === 'GET' || r.method === 'HEAD') && HTML_TYPES.test(String(r.headers.accept ?? ''));
    if (page) {
      const step = await startLogin(r);
      if (step.kind !== 'answer' || clear.length === 0) return step;
      const set = step.answer.headers['set-cookie'] ?? [];
      return {
        kind: 'answer',
        answer: { ...step.answer, headers: { ...step.answer.headers, 'set-cookie': [...clear, ...set] } },
      };
    }
    return answer(401, 'login required', 'ERR_GATEWAY_LOGIN_FAILED', why, {
      'www-authenticate': `Bearer realm="${appOrigin}"`,
      ...(clear.length === 0 ? {} : { 'set-cookie': clear }),
    });
  };

  return {
    policy,
    /** Request headers the client may not send on these routes: the login sets them. */
    managedHeaders: new Set<string>([
      ...(o.headers.idTokenHeader === undefined ? [] : [o.headers.idTokenHeader]),
      ...(o.headers.accessTokenHeader === undefined ? [] : [o.headers.accessTokenHeader]),
      ...o.identityTokenClaimsToHeaders.map((c) => c.header),
      ...o.accessTokenClaimsToHeaders.map((c) => c.header),
    ]),

    async handle(req: IncomingMessage, request: GatewayRequest, hasCredential: boolean): Promise<LoginStep> {
      const cookies = requestCookies(request.headers.cookie);
      if (request.path === o.callbackPath && request.method === 'GET') return callback(request, cookies);
      if (request.path === backchannelPath && request.method === 'POST') return backchannel(req);
      if (o.logoutPath !== undefined && request.path === o.logoutPath) return logout(request, cookies);
      if (hasCredential) return { kind: 'pass' };
      let carried: CarriedSession;
      try {
        carried = await sessions.read(cookies, request.headers);
      } catch (err) {
        // The session store is down (Redis): Gloo's failOnFetchFailure decides between 503 and a new login.
        if (o.session.failOnFetchFailure)
          return answer(503, 'sessions are unavailable', 'ERR_GATEWAY_LOGIN_FAILED', (err as Error).message);
        carried = { session: undefined, present: false, handle: { pieces: 0, id: undefined } };
      }
      let session = carried.session;
      const setCookies: string[] = [];
      if (session === undefined) return startLoginOr401(request, carried, 'no session');
      // A form posted from another site rides on the session cookie: only this origin may (CSRF).
      if (!SAFE_METHODS.has(request.method)) {
        const origin = request.headers.origin;
        const site = request.headers['sec-fetch-site'];
        const sameOrigin = origin !== undefined ? origin === appOrigin : site === 'same-origin' || site === 'none';
        if (!sameOrigin)
          return answer(
            403,
            'cross-site request refused',
            'ERR_GATEWAY_ACCESS_DENIED',
            'unsafe method from another origin on a session',
          );
      }
      const now = Math.floor(clock() / 1000);
      if (session.tokens.expiresAt - preExpiry <= now) {
        if (session.tokens.refreshToken === undefined || o.session.redis?.allowRefreshing === false)
          return startLoginOr401(request, carried, 'session expired');
        try {
          const tokens = await rp.refresh(session.tokens.refreshToken, session.tokens);
          session = { ...session, tokens };
          setCookies.push(...(await sessions.write(session, carried.handle)));
        } catch {
          // The provider refused (revoked, expired, the user gone): a new login decides.
          return startLoginOr401(request, carried, 'refresh refused');
        }
      }
      const accessIsJwt = session.tokens.accessToken.split('.').length === 3;
      return {
        kind: 'session',
        candidates: accessIsJwt ? [session.tokens.accessToken, session.tokens.idToken] : [session.tokens.idToken],
        upstreamHeaders: upstreamHeaders(session, request.headers.cookie),
        setCookies,
      };
    },

    close: () => rp.close(),
  };
}

/**
 * The request as the policies see it when `token` speaks for it: the session's token as its bearer
 * credential (only in the gateway's view; the upstream gets the login's headers).
 *
 * @example
 * ```ts
 * const verdict = await enforcer.evaluate(withBearer(request, step.candidates[0]!), route);
 * ```
 */
export function withBearer(request: GatewayRequest, token: string): GatewayRequest {
  return { ...request, headers: { ...request.headers, authorization: `Bearer ${token}` } };
}

/** A route login ({@link createRouteLogin}). */
export type RouteLogin = ReturnType<typeof createRouteLogin>;

function safeDecode(token: string): JwtPayload | undefined {
  try {
    return decodeJwt(token).payload;
  } catch {
    return undefined;
  }
}
