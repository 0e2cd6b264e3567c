import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { decodeJwt, splitCookies, type JwtPayload } from '@tessera/core';
import type { GatewayRequest } from '../request/gateway-request.js';
import { claimHeaderValue } from '../mutate/claim-header-value.js';
import type { ExtAuthPolicy } from './ext-auth-policy.js';
import type { OidcRelyingParty, PendingLogin } from './oidc-relying-party.js';
import type { SessionSealer } from './session-sealer.js';
import type { LoginSession } from './login-session.js';
import type { CarriedSession, CookieJar, CookieSettings, SessionStore } from './session-store.js';

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
  /**
   * Not the login's business: a bearer token came, the route's policies decide as usual. When the
   * request also carried the gateway's cookies, `upstreamHeaders` is its `Cookie` without them.
   */
  | { readonly kind: 'pass'; readonly upstreamHeaders?: readonly (readonly [string, string])[] }
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

const PASS: LoginStep = { kind: 'pass' };
const NO_COOKIES: readonly string[] = [];
const NO_SESSION: CarriedSession = { session: undefined, present: false, handle: { pieces: 0, id: undefined } };

const HTML_TYPES = /text\/html|application\/xhtml\+xml/;
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

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
  /** The gateway's own cookies: read by the login, never forwarded upstream. */
  const ownCookie = (name: string) => name === stateName || sessions.owns(name);

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
    const state = sealedState === undefined ? undefined : openState(sealer.open(sealedState, `${purpose} login`));
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
    let previous: CarriedSession | undefined;
    try {
      previous = await sessions.read(cookies, request.headers);
    } catch {
      previous = undefined; // the store is down: nothing to replace
    }
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
      'set-cookie': [
        `${stateName}=${sealer.seal(Buffer.from(JSON.stringify(state)), `${purpose} login`)}; ${attributes(LOGIN_STATE_SECONDS)}`,
      ],
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

  /** What every request of a session shares, worked out once (the stores hand out the same object). */
  interface SessionFacts {
    readonly candidates: readonly string[];
    readonly headers: readonly (readonly [string, string])[];
  }
  const sessionFacts = new WeakMap<LoginSession, SessionFacts>();
  const factsOf = (session: LoginSession): SessionFacts => {
    let facts = sessionFacts.get(session);
    if (facts === undefined) {
      const { accessToken, idToken } = session.tokens;
      facts = {
        candidates: accessToken.split('.').length === 3 ? [accessToken, idToken] : [idToken],
        headers: tokenHeaders(session),
      };
      sessionFacts.set(session, facts);
    }
    return facts;
  };

  /** Headers for the upstream from a session: tokens and claims as configured, cookies without the gateway's. */
  const upstreamHeaders = (facts: SessionFacts, otherCookies: string | undefined) =>
    otherCookies === undefined ? facts.headers : [...facts.headers, ['cookie', otherCookies] as const];

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

  /** The session store is down (Redis): Gloo's failOnFetchFailure decides between 503 and a new login. */
  const storeFailed = (request: GatewayRequest, err: unknown): LoginStep | Promise<LoginStep> =>
    o.session.failOnFetchFailure
      ? answer(503, 'sessions are unavailable', 'ERR_GATEWAY_LOGIN_FAILED', (err as Error).message)
      : startLoginOr401(request, NO_SESSION, 'session store unavailable');

  /** A request without a credential of its own, with what it carries of a session. */
  const withSession = (
    request: GatewayRequest,
    otherCookies: string | undefined,
    carried: CarriedSession,
  ): LoginStep | Promise<LoginStep> => {
    const session = carried.session;
    if (session === undefined) return startLoginOr401(request, carried, 'no session');
    // A form posted from another site rides on the session cookie: only this origin may (CSRF).
    // So may a WebSocket handshake, a GET that a page on any site can open (cross-site WebSocket
    // hijacking); browsers always send its Origin.
    if (!SAFE_METHODS.has(request.method) || request.headers.upgrade !== undefined) {
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
    if (session.tokens.expiresAt - preExpiry > Math.floor(clock() / 1000))
      return sessionStep(session, otherCookies, NO_COOKIES);
    if (session.tokens.refreshToken === undefined || o.session.redis?.allowRefreshing === false)
      return startLoginOr401(request, carried, 'session expired');
    return refreshed(request, otherCookies, carried, session, session.tokens.refreshToken);
  };

  /** The session's access token refreshed at the provider, the session saved again. */
  const refreshed = async (
    request: GatewayRequest,
    otherCookies: string | undefined,
    carried: CarriedSession,
    session: LoginSession,
    refreshToken: string,
  ): Promise<LoginStep> => {
    let renewed: LoginSession;
    try {
      renewed = { ...session, tokens: await rp.refresh(refreshToken, session.tokens) };
    } catch {
      // The provider refused (revoked, expired, the user gone): a new login decides.
      return startLoginOr401(request, carried, 'refresh refused');
    }
    return sessionStep(renewed, otherCookies, await sessions.write(renewed, carried.handle));
  };

  const sessionStep = (
    session: LoginSession,
    otherCookies: string | undefined,
    setCookies: readonly string[],
  ): LoginStep => {
    const facts = factsOf(session);
    return {
      kind: 'session',
      candidates: facts.candidates,
      upstreamHeaders: upstreamHeaders(facts, otherCookies),
      setCookies,
    };
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

    /**
     * The login's step for a request: synchronous for a cookie session that needs no refresh (the
     * common case, kept off the microtask queue), a promise when the store or the provider is asked.
     */
    handle(req: IncomingMessage, request: GatewayRequest, hasCredential: boolean): LoginStep | Promise<LoginStep> {
      const { selected, rest } = splitCookies(request.headers.cookie, ownCookie);
      const cookies: CookieJar = {
        // A name given more than once is not believed (a planted cookie beside the real one).
        get: (name) => {
          const values = selected.get(name);
          return values?.length === 1 ? values[0] : undefined;
        },
      };
      if (request.path === o.callbackPath && request.method === 'GET') return callback(request, cookies);
      if (request.path === backchannelPath && request.method === 'POST') return backchannel(req);
      if (o.logoutPath !== undefined && request.path === o.logoutPath) return logout(request, cookies);
      if (hasCredential)
        return selected.size === 0
          ? PASS
          : { kind: 'pass', upstreamHeaders: rest === undefined ? [] : [['cookie', rest]] };
      let carried: CarriedSession | Promise<CarriedSession>;
      try {
        carried = sessions.read(cookies, request.headers);
      } catch (err) {
        return storeFailed(request, err);
      }
      return carried instanceof Promise
        ? carried.then(
            (c) => withSession(request, rest, c),
            (err: unknown) => storeFailed(request, err),
          )
        : withSession(request, rest, carried);
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

/** The login state sealed at the start, if the bytes are one. */
function openState(bytes: Buffer | undefined): LoginState | undefined {
  if (bytes === undefined) return undefined;
  try {
    const s = JSON.parse(bytes.toString('utf8')) as Partial<LoginState> | null;
    return typeof s?.state === 'string' &&
      typeof s.nonce === 'string' &&
      typeof s.verifier === 'string' &&
      typeof s.returnTo === 'string'
      ? (s as LoginState)
      : undefined;
  } catch {
    return undefined;
  }
}

function safeDecode(token: string): JwtPayload | undefined {
  try {
    return decodeJwt(token).payload;
  } catch {
    return undefined;
  }
}
