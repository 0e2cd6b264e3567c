import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { isTesseraError } from '@tessera/core';
import type { ClientRecord } from '../clients/client-record.js';
import { passkeyLoginOptions, relyingPartyOf, verifyPasskeyLogin } from '../factors/passkeys.js';
import type { RelyingParty } from '../factors/stored-passkey.js';
import {
  factorsOf,
  hasSecondFactor,
  passkeysOf,
  verifySecondFactor,
  type FactorDeps,
} from '../factors/user-factors.js';
import type { Routes } from '../http/routes.js';
import type { ServiceContext } from '../http/service-context.js';
import type { StateRecord, StoredUser } from '../storage/index.js';
import {
  isAuthorizationRequest,
  parseAuthorizationRequest,
  type AuthorizationRequest,
} from './authorization-request.js';
import { cookieName, readCookie, readSessionId, SESSION_COOKIE, sessionCookie } from './cookies.js';
import { builtInClient, isBuiltInClientId } from './built-in-client.js';
import { findConsent, rememberConsent } from './consent.js';
import { consentPage } from './consent-page.js';
import { csrfMatches } from './csrf-matches.js';
import { handleUserinfo } from './handle-userinfo.js';
import { issueCode, redirectTo } from './issue-code.js';
import { handleLogout } from './handle-logout.js';
import { liveSession } from './live-session.js';
import { loadLogo } from './load-logo.js';
import { loginPage, loginStyle, secondFactorPage } from './login-page.js';
import { passkeyScript } from './passkey-script.js';
import { errorPage, pageHeaders } from './provider-pages.js';
import { readPageForm } from './read-page-form.js';

const INTERACTION = 'tessera-interaction';

/** A login session at the provider, as its state record holds it. */
interface SessionData {
  readonly authTime: number;
  readonly amr: readonly string[];
  /** What the account page shows of it: the browser's `User-Agent` (cut short) and address at login. */
  readonly device?: string;
  readonly address?: string;
}

/** An interaction: the authorization request waiting for the login or consent page, and its CSRF token. */
interface InteractionData {
  readonly request: AuthorizationRequest;
  readonly csrf: string;
  /** Set when the page is the consent page: the login session it asks for. */
  readonly consentFor?: string;
  /** Set after a right password when a second factor is asked for: whose. */
  readonly secondFactorFor?: string;
  /** The challenge a passkey assertion on the page must sign (base64url; replaced after each try). */
  readonly passkeyChallenge?: string;
}

/** An interaction as the pages show it: its id, CSRF token, the client's origin and the passkey challenge. */
interface ShownInteraction {
  readonly id: string;
  readonly csrf: string;
  readonly redirectOrigin: string;
  readonly passkeyChallenge?: string | undefined;
}

/** A fresh WebAuthn challenge (32 random bytes, base64url). */
const newChallenge = () => randomBytes(32).toString('base64url');

const EXPIRED = 'the page has expired or was not opened here: start again from the application';

/**
 * The OpenID Connect provider's browser endpoints (issue "People"):
 * - `GET /authorize`: the authorization request (code + PKCE); with a live session (and no
 *   `prompt=login`, within `max_age`) the browser goes straight back with a code; without one, the
 *   login page (`prompt=none` answers `login_required` instead). Users are asked to consent only
 *   to third-party clients (not `firstParty`), once per scope until they withdraw it, and again with
 *   `prompt=consent`; `prompt=none` answers `consent_required` when that would be asked.
 * - `POST /login`: the login form. A cross-site post is refused (`Origin`, `Sec-Fetch-Site`), the
 *   CSRF token must match the interaction cookie's, the password goes through the same guard as
 *   client secrets. A login always starts a new session id (no fixation).
 * - `POST /login/passkey`: a passkey assertion (`response`, WebAuthn JSON from `/login/passkey.js`)
 *   signing the interaction's challenge: a login with the passkey alone (a discoverable credential,
 *   user verification required) or, after the password, the second step; the challenge is used once.
 * - `POST /consent`: the consent form (`decision=allow|deny`), under the login form's rules, for
 *   the session it was shown to only; `deny` goes back with `access_denied`.
 * - `GET /login/style.css`, `GET /login/passkey.js`: the pages' stylesheet and passkey script (the
 *   pages load nothing from elsewhere);
 * - `GET`/`POST /userinfo`: the user's claims for an access token with `openid` (`handleUserinfo`);
 * - `GET`/`POST /logout`: RP-initiated logout (`handleLogout`).
 *
 * @example
 * ```ts
 * const routes = { ...oauthRoutes(ctx, streams), ...loginRoutes(ctx) };
 * ```
 */
export function loginRoutes(ctx: ServiceContext): Routes {
  const secure = () => ctx.issuerUrl().startsWith('https:');
  const settings = ctx.config.login;
  const deps: FactorDeps = { users: ctx.storage.users, secrets: ctx.storage.secrets, clock: ctx.clock };
  /** Passkeys' relying party for the issuer (known once the service listens), or undefined when off. */
  const relyingParty = (): RelyingParty | undefined =>
    relyingPartyOf(settings.passkeys, ctx.issuerUrl(), settings.page.productName);
  const logo = settings.page.logoFile === undefined ? undefined : loadLogo(settings.page.logoFile);
  const getClient = async (id: string | null): Promise<ClientRecord | undefined> => {
    if (id === null) return undefined;
    const builtIn = builtInClient(id, ctx.issuerUrl());
    if (builtIn !== undefined) return builtIn;
    // Through the client cache the token endpoint uses; an id the store refuses is no client.
    return ctx.getClient(id).catch((err: unknown) => {
      if (isTesseraError(err, 'ERR_STORE_INPUT_INVALID')) return undefined;
      throw err;
    });
  };

  /** Sends the browser back to the client with a code for this session. */
  const finish = async (
    res: ServerResponse,
    request: AuthorizationRequest,
    session: StateRecord,
    extraHeaders = {},
  ) => {
    const data = session.data as unknown as SessionData;
    const location = await issueCode(
      ctx.storage.state,
      request,
      { userId: session.userId!, sid: session.key, authTime: data.authTime, amr: data.amr },
      { issuer: ctx.issuerUrl(), now: ctx.clock(), lifetimeSeconds: settings.codeLifetimeSeconds },
    );
    res.writeHead(303, { location, 'cache-control': 'no-store', ...extraHeaders }).end();
  };

  /** Sends the browser back to the client with an error (RFC 6749 §4.1.2.1; the redirect URI is checked). */
  const refuse = (
    res: ServerResponse,
    request: AuthorizationRequest,
    error: string,
    description: string,
    extraHeaders = {},
  ) => {
    const location = redirectTo(request.redirectUri, {
      error,
      error_description: description,
      state: request.state,
      iss: ctx.issuerUrl(),
    });
    res.writeHead(303, { location, 'cache-control': 'no-store', ...extraHeaders }).end();
  };

  /** Stores an interaction's state (again), for the interaction's lifetime from now. */
  const putInteraction = (id: string, data: InteractionData) =>
    ctx.storage.state.put({
      kind: 'interaction',
      key: id,
      data: data as unknown as Record<string, unknown>,
      expiresAt: ctx.clock() + settings.interactionLifetimeSeconds * 1000,
    });

  /** Starts an interaction (the login or consent page's state) and gives its id, CSRF token and cookie. */
  const startInteraction = async (request: AuthorizationRequest, consentFor?: string) => {
    const id = randomBytes(32).toString('base64url');
    const csrf = randomBytes(32).toString('base64url');
    const passkeyChallenge = consentFor === undefined && relyingParty() !== undefined ? newChallenge() : undefined;
    await putInteraction(id, {
      request,
      csrf,
      ...(consentFor === undefined ? {} : { consentFor }),
      ...(passkeyChallenge === undefined ? {} : { passkeyChallenge }),
    });
    const cookie = sessionCookie(INTERACTION, id, { secure: secure(), maxAge: settings.interactionLifetimeSeconds });
    return { id, csrf, cookie, redirectOrigin: new URL(request.redirectUri).origin, passkeyChallenge };
  };

  /**
   * The user is logged in: asks for consent when the client needs it, else sends a code back.
   * `cookies` are set on the answer (a new session's, after the login form).
   */
  const proceed = async (
    res: ServerResponse,
    request: AuthorizationRequest,
    session: StateRecord,
    client: ClientRecord,
    cookies: readonly string[] = [],
  ) => {
    const done = { 'set-cookie': [...cookies, sessionCookie(INTERACTION, '', { secure: secure(), maxAge: 0 })] };
    // The account page's and the console's login come back to the page, with no code: they hold no token.
    if (isBuiltInClientId(client.id)) {
      res.writeHead(303, { location: request.redirectUri, 'cache-control': 'no-store', ...done }).end();
      return;
    }
    if (client.firstParty) return finish(res, request, session, cookies.length === 0 ? {} : done);
    const consent = await findConsent(ctx.storage.state, session.userId!, client.id);
    const asked = request.prompt.includes('consent')
      ? request.scope
      : request.scope.filter((s) => consent?.scopes.includes(s) !== true);
    if (asked.length === 0) return finish(res, request, session, cookies.length === 0 ? {} : done);
    if (request.prompt.includes('none'))
      return refuse(res, request, 'consent_required', 'the user has not consented to this client');
    const interaction = await startInteraction(request, session.key);
    const user = await ctx.storage.users.get(session.userId!);
    res
      .writeHead(200, { ...pageHeaders(interaction.redirectOrigin), 'set-cookie': [...cookies, interaction.cookie] })
      .end(
        consentPage({
          productName: settings.page.productName,
          interaction: interaction.id,
          csrf: interaction.csrf,
          clientName: client.id,
          username: user?.username ?? session.userId!,
          scopes: asked,
        }),
      );
  };

  /**
   * The interaction a page's form names, when it is this browser's (its interaction cookie) and the
   * form carries its CSRF token; otherwise undefined (the page expired or was not opened here).
   */
  const postedInteraction = async (
    req: IncomingMessage,
    form: ReadonlyMap<string, string>,
  ): Promise<InteractionData | undefined> => {
    const id = form.get('interaction');
    const cookie = readCookie(req, cookieName(INTERACTION, secure()));
    const stored = id === undefined || cookie !== id ? undefined : await ctx.storage.state.get('interaction', id);
    const data = stored?.data as unknown as InteractionData | undefined;
    return data !== undefined && isAuthorizationRequest(data.request) && csrfMatches(form.get('csrf'), data.csrf)
      ? data
      : undefined;
  };

  /**
   * A form of the login (the password or the second step): this browser's interaction, not a
   * consent page's, for a client still known; otherwise the refusal is answered here.
   */
  const postedLoginForm = async (req: IncomingMessage, res: ServerResponse) => {
    const form = await readPageForm(req, res, {
      page: 'login',
      issuer: ctx.issuerUrl(),
      bodyLimitBytes: ctx.config.server.bodyLimitBytes,
    });
    if (form === undefined) return undefined;
    const data = await postedInteraction(req, form);
    if (data === undefined || data.consentFor !== undefined) {
      errorPage(res, 400, 'invalid_request', EXPIRED);
      return undefined;
    }
    const client = await getClient(data.request.clientId);
    if (client === undefined || !client.enabled) {
      errorPage(res, 400, 'unauthorized_client', 'the application is no longer known');
      return undefined;
    }
    const interaction: ShownInteraction = {
      id: form.get('interaction')!,
      csrf: data.csrf,
      redirectOrigin: new URL(data.request.redirectUri).origin,
      passkeyChallenge: data.passkeyChallenge,
    };
    return { form, data, client, interaction };
  };

  /**
   * The options of an interaction's passkey form, when passkeys are on: any of the user's passkeys
   * on the login page, or `user`'s own on the second step (none when that user has none).
   */
  const passkeyOptionsFor = async (interaction: ShownInteraction, user?: StoredUser) => {
    const rp = relyingParty();
    const allowed = user === undefined ? undefined : passkeysOf(user);
    if (rp === undefined || interaction.passkeyChallenge === undefined || allowed?.length === 0) return undefined;
    return passkeyLoginOptions(rp, interaction.passkeyChallenge, allowed);
  };

  /** Shows the login page for a new interaction (or the same one again, with an error). */
  const showLogin = async (
    res: ServerResponse,
    client: ClientRecord,
    interaction: ShownInteraction,
    status = 200,
    extra: { username?: string; error?: string; headers?: Record<string, string | string[]> } = {},
  ) => {
    const passkeyOptions = await passkeyOptionsFor(interaction);
    res
      .writeHead(status, { ...pageHeaders(interaction.redirectOrigin, passkeyOptions !== undefined), ...extra.headers })
      .end(
        loginPage({
          title: settings.page.title,
          productName: settings.page.productName,
          interaction: interaction.id,
          csrf: interaction.csrf,
          clientName: client.id,
          logo: logo !== undefined,
          ...(extra.username === undefined ? {} : { username: extra.username }),
          ...(extra.error === undefined ? {} : { error: extra.error }),
          ...(passkeyOptions === undefined ? {} : { passkeyOptions }),
        }),
      );
  };

  /** Shows the login's second step (a code or a passkey), for the interaction whose password was right. */
  const showSecondFactor = async (
    res: ServerResponse,
    client: ClientRecord,
    interaction: ShownInteraction,
    user: StoredUser,
    status = 200,
    extra: { error?: string; headers?: Record<string, string> } = {},
  ) => {
    const passkeyOptions = await passkeyOptionsFor(interaction, user);
    res
      .writeHead(status, { ...pageHeaders(interaction.redirectOrigin, passkeyOptions !== undefined), ...extra.headers })
      .end(
        secondFactorPage({
          productName: settings.page.productName,
          interaction: interaction.id,
          csrf: interaction.csrf,
          clientName: client.id,
          username: user.username,
          logo: logo !== undefined,
          codes: factorsOf(user).totp === undefined ? 'recovery' : 'totp',
          ...(extra.error === undefined ? {} : { error: extra.error }),
          ...(passkeyOptions === undefined ? {} : { passkeyOptions }),
        }),
      );
  };

  /** The second step again after too many failures (429 with `Retry-After`); any other error is thrown on. */
  const secondStepThrottled = (
    res: ServerResponse,
    client: ClientRecord,
    interaction: ShownInteraction,
    user: StoredUser,
    error: unknown,
  ) => {
    if (!isTesseraError(error, 'ERR_TOKEN_SERVICE_RATE_LIMITED')) throw error;
    const wait = Math.max(1, Math.ceil(Number(error.details?.['retryAfterSeconds'] ?? 1)));
    return showSecondFactor(res, client, interaction, user, 429, {
      error: `Too many attempts. Try again in ${wait} seconds.`,
      headers: { 'retry-after': String(wait) },
    });
  };

  /**
   * The user has logged in (`amr`: how): a new session id (no fixation; the browser's previous
   * session ends), the interaction used up, then consent or the code.
   */
  const startSession = async (
    req: IncomingMessage,
    res: ServerResponse,
    interactionId: string,
    request: AuthorizationRequest,
    client: ClientRecord,
    userId: string,
    amr: readonly string[],
  ) => {
    const previous = readSessionId(req, secure());
    if (previous !== undefined) await ctx.storage.state.delete('session', previous);
    const now = ctx.clock();
    const session: StateRecord = {
      kind: 'session',
      key: randomBytes(32).toString('base64url'),
      data: {
        authTime: Math.floor(now / 1000),
        amr,
        device: (req.headers['user-agent'] ?? 'unknown').slice(0, 200),
        address: ctx.remoteAddress(req),
      } satisfies SessionData,
      expiresAt: now + settings.sessionLifetimeSeconds * 1000,
      userId,
    };
    await ctx.storage.state.put(session);
    await ctx.storage.state.delete('interaction', interactionId);
    await ctx.audit({
      actor: userId,
      action: 'login.succeeded',
      target: session.key.slice(0, 8),
      details: { client: client.id, amr },
    });
    await proceed(res, request, session, client, [
      sessionCookie(SESSION_COOKIE, session.key, { secure: secure(), maxAge: settings.sessionLifetimeSeconds }),
    ]);
  };

  return {
    'GET /logout': (req, res, query) => handleLogout(ctx, req, res, query),
    'POST /logout': (req, res, query) => handleLogout(ctx, req, res, query),
    'GET /userinfo': (req, res) => handleUserinfo(ctx, req, res),
    'GET /login/logo': (_req, res) => {
      if (logo === undefined) return errorPage(res, 404, 'not_found', 'no logo is configured');
      res
        .writeHead(200, {
          'content-type': logo.contentType,
          'cache-control': 'public, max-age=3600',
          'x-content-type-options': 'nosniff',
          // An SVG opened on its own is a document: it runs nothing here.
          'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; sandbox",
        })
        .end(logo.body);
    },
    'POST /userinfo': (req, res) => handleUserinfo(ctx, req, res),
    'GET /login/passkey.js': (_req, res) => {
      res
        .writeHead(200, {
          'content-type': 'text/javascript; charset=utf-8',
          'cache-control': 'public, max-age=3600',
          'x-content-type-options': 'nosniff',
        })
        .end(passkeyScript());
    },
    'GET /login/style.css': (_req, res) => {
      res
        .writeHead(200, {
          'content-type': 'text/css; charset=utf-8',
          'cache-control': 'public, max-age=3600',
          'x-content-type-options': 'nosniff',
        })
        .end(loginStyle(settings.page.primaryColor));
    },

    'GET /authorize': async (req, res, query) => {
      const client = await getClient(query.get('client_id'));
      const parsed = parseAuthorizationRequest(query, client);
      if ('error' in parsed) {
        if (parsed.redirectUri === undefined) return errorPage(res, 400, parsed.error, parsed.description);
        const location = redirectTo(parsed.redirectUri, {
          error: parsed.error,
          error_description: parsed.description,
          state: parsed.state,
          iss: ctx.issuerUrl(),
        });
        res.writeHead(303, { location, 'cache-control': 'no-store' }).end();
        return;
      }
      const session = await liveSession(ctx, req);
      const fresh =
        session !== undefined &&
        // select_account: one account per browser session here, so the login page is how another is chosen.
        !parsed.prompt.includes('login') &&
        !parsed.prompt.includes('select_account') &&
        (parsed.maxAge === undefined ||
          Math.floor(ctx.clock() / 1000) - (session.data as unknown as SessionData).authTime <= parsed.maxAge);
      // A session from a password alone does not do where a second factor is asked for: log in again (step-up).
      // (Required: always; only asked for by acr_values: when the user has a factor to give.)
      const stepUp =
        fresh &&
        !(session.data as unknown as SessionData).amr.includes('mfa') &&
        (client!.requireSecondFactor ||
          settings.requireSecondFactor ||
          (parsed.acrValues?.includes('2') === true &&
            (await ctx.storage.users.get(session.userId).then((u) => u !== undefined && hasSecondFactor(u)))));
      if (fresh && !stepUp) return proceed(res, parsed, session, client!);
      if (parsed.prompt.includes('none')) return refuse(res, parsed, 'login_required', 'the user is not logged in');
      const interaction = await startInteraction(parsed);
      await showLogin(res, client!, interaction, 200, {
        ...(parsed.loginHint === undefined ? {} : { username: parsed.loginHint }),
        headers: { 'set-cookie': interaction.cookie },
      });
    },

    'POST /login': async (req, res) => {
      const posted = await postedLoginForm(req, res);
      if (posted === undefined) return;
      const { form, data, client, interaction } = posted;
      const id = interaction.id;
      const username = form.get('username') ?? '';
      let user;
      try {
        user = await ctx.people.authenticate(username, form.get('password') ?? '', ctx.remoteAddress(req));
      } catch (error) {
        if (!isTesseraError(error, 'ERR_TOKEN_SERVICE_RATE_LIMITED')) throw error;
        const wait = Number(error.details?.['retryAfterSeconds'] ?? 1);
        return showLogin(res, client, interaction, 429, {
          username,
          error: `Too many attempts. Try again in ${Math.max(1, Math.ceil(wait))} seconds.`,
          headers: { 'retry-after': String(Math.max(1, Math.ceil(wait))) },
        });
      }
      if (user === undefined) {
        await ctx.audit({
          actor: 'anonymous',
          action: 'login.failed',
          target: username.slice(0, 256),
          details: { client: client.id },
        });
        return showLogin(res, client, interaction, 400, { username, error: 'Wrong username or password.' });
      }
      // A second factor when the user has one and the client or the request asks (acr_values 2), or
      // always when the client or the service requires it (then a user without one is told so).
      const required = client.requireSecondFactor || settings.requireSecondFactor;
      const asked = required || data.request.acrValues?.includes('2') === true;
      if (asked && hasSecondFactor(user)) {
        const next = {
          ...data,
          secondFactorFor: user.userId,
          ...(relyingParty() ? { passkeyChallenge: newChallenge() } : {}),
        };
        await putInteraction(id, next);
        return showSecondFactor(res, client, { ...interaction, passkeyChallenge: next.passkeyChallenge }, user);
      }
      if (required) {
        await ctx.audit({
          actor: user.userId,
          action: 'login.failed',
          target: username.slice(0, 256),
          details: { client: client.id, reason: 'second factor required, none set up' },
        });
        return showLogin(res, client, interaction, 403, {
          username,
          error: `${client.id} needs a second factor, and this account has none: set one up on your account page (${ctx.issuerUrl()}/account), then sign in again.`,
        });
      }
      await startSession(req, res, id, data.request, client, user.userId, ['pwd']);
    },

    'POST /login/second-factor': async (req, res) => {
      const posted = await postedLoginForm(req, res);
      if (posted === undefined) return;
      const { form, data, client, interaction } = posted;
      const id = interaction.id;
      const userId = data.secondFactorFor;
      const user = userId === undefined ? undefined : await ctx.storage.users.get(userId);
      if (userId === undefined || user === undefined || user.disabled)
        return errorPage(res, 400, 'invalid_request', EXPIRED);
      let method;
      try {
        method = await ctx.people.checkSecondFactor(userId, ctx.remoteAddress(req), () =>
          verifySecondFactor(
            { users: ctx.storage.users, secrets: ctx.storage.secrets, clock: ctx.clock },
            userId,
            form.get('code') ?? '',
          ),
        );
      } catch (error) {
        return secondStepThrottled(res, client, interaction, user, error);
      }
      if (method === undefined) {
        await ctx.audit({
          actor: userId,
          action: 'login.failed',
          target: user.username.slice(0, 256),
          details: { client: client.id, reason: 'second factor' },
        });
        return showSecondFactor(res, client, interaction, user, 400, {
          error: 'That code is not right, or was used already.',
        });
      }
      if (method === 'recovery-code')
        await ctx.audit({ actor: userId, action: 'factor.recovery-code-used', target: userId, details: {} });
      // RFC 8176: a one-time code ("otp"; a recovery code is one too) on top of the password ("mfa").
      await startSession(req, res, id, data.request, client, userId, ['pwd', 'otp', 'mfa']);
    },

    'POST /login/passkey': async (req, res) => {
      const posted = await postedLoginForm(req, res);
      if (posted === undefined) return;
      const { form, data, client, interaction } = posted;
      const rp = relyingParty();
      const challenge = data.passkeyChallenge;
      if (rp === undefined || challenge === undefined)
        return errorPage(res, 400, 'invalid_request', 'passkeys are not offered here');
      // The challenge is used once, whatever the answer: the page shown again signs a new one.
      const next = { ...data, passkeyChallenge: newChallenge() };
      await putInteraction(interaction.id, next);
      const again = { ...interaction, passkeyChallenge: next.passkeyChallenge };
      const secondFor = data.secondFactorFor;
      const user = secondFor === undefined ? undefined : await ctx.storage.users.get(secondFor);
      if (secondFor !== undefined && (user === undefined || user.disabled))
        return errorPage(res, 400, 'invalid_request', EXPIRED);
      const response = form.get('response') ?? '';
      let login;
      try {
        // As a second step it goes through the code's throttle. Alone, a refused assertion guesses
        // nothing (it is a signature), so it is not counted against anyone.
        login =
          secondFor === undefined
            ? await verifyPasskeyLogin(deps, rp, response, challenge)
            : await ctx.people.checkSecondFactor(secondFor, ctx.remoteAddress(req), () =>
                verifyPasskeyLogin(deps, rp, response, challenge, secondFor),
              );
      } catch (error) {
        return secondStepThrottled(res, client, again, user!, error);
      }
      if (login === undefined) {
        await ctx.audit({
          actor: secondFor ?? 'anonymous',
          action: 'login.failed',
          target: user?.username.slice(0, 256) ?? 'passkey',
          details: { client: client.id, reason: 'passkey' },
        });
        const error = 'That passkey was not accepted here.';
        return user === undefined
          ? showLogin(res, client, again, 400, { error })
          : showSecondFactor(res, client, again, user, 400, { error });
      }
      // RFC 8176: the key's kind ("hwk" bound to a device, "swk" synced), with the password or,
      // alone, with the user verification the authenticator made (a PIN or biometric): "mfa" both ways.
      const amr = secondFor === undefined ? [login.method, 'user', 'mfa'] : ['pwd', login.method, 'mfa'];
      await startSession(req, res, interaction.id, data.request, client, login.userId, amr);
    },

    'POST /consent': async (req, res) => {
      const form = await readPageForm(req, res, {
        page: 'consent',
        issuer: ctx.issuerUrl(),
        bodyLimitBytes: ctx.config.server.bodyLimitBytes,
      });
      if (form === undefined) return;
      const decision = form.get('decision');
      if (decision !== 'allow' && decision !== 'deny')
        return errorPage(res, 400, 'invalid_request', 'decision must be allow or deny');
      const id = form.get('interaction');
      const data = await postedInteraction(req, form);
      if (data?.consentFor === undefined) return errorPage(res, 400, 'invalid_request', EXPIRED);
      // Only the session the page was shown to may answer it (not one logged in since, in another tab).
      const session = await liveSession(ctx, req);
      if (session?.key !== data.consentFor) return errorPage(res, 400, 'invalid_request', EXPIRED);
      const client = await getClient(data.request.clientId);
      if (client === undefined || !client.enabled)
        return errorPage(res, 400, 'unauthorized_client', 'the application is no longer known');
      await ctx.storage.state.delete('interaction', id!);
      const clear = { 'set-cookie': sessionCookie(INTERACTION, '', { secure: secure(), maxAge: 0 }) };
      const scopes = data.request.scope;
      await ctx.audit({
        actor: session.userId,
        action: decision === 'allow' ? 'consent.granted' : 'consent.denied',
        target: client.id,
        details: { scopes },
      });
      if (decision === 'deny') return refuse(res, data.request, 'access_denied', 'the user denied access', clear);
      await rememberConsent(
        ctx.storage.state,
        { userId: session.userId, clientId: client.id, scopes },
        { now: ctx.clock(), lifetimeSeconds: settings.consentLifetimeSeconds },
      );
      await finish(res, data.request, session, clear);
    },
  };
}
