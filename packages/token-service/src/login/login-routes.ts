import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { isTesseraError } from '@tessera/core';
import type { ClientRecord } from '../clients/client-record.js';
import { hasMediaType } from '../http/has-media-type.js';
import { parseForm } from '../http/parse-form.js';
import { readBody } from '../http/read-body.js';
import type { Routes } from '../http/routes.js';
import type { ServiceContext } from '../http/service-context.js';
import type { StateRecord } from '../storage/index.js';
import {
  isAuthorizationRequest,
  parseAuthorizationRequest,
  type AuthorizationRequest,
} from './authorization-request.js';
import { cookieName, readCookie, readSessionId, SESSION_COOKIE, sessionCookie } from './cookies.js';
import { csrfMatches } from './csrf-matches.js';
import { handleUserinfo } from './handle-userinfo.js';
import { issueCode, redirectTo } from './issue-code.js';
import { handleLogout } from './handle-logout.js';
import { loginPage, loginStyle } from './login-page.js';
import { errorPage, pageHeaders, sameSitePost } from './provider-pages.js';

const INTERACTION = 'tessera-interaction';

/** A login session at the provider, as its state record holds it. */
interface SessionData {
  readonly authTime: number;
  readonly amr: readonly string[];
}

/** An interaction: the authorization request waiting for the login page, and its CSRF token. */
interface InteractionData {
  readonly request: AuthorizationRequest;
  readonly csrf: string;
}

/**
 * The OpenID Connect provider's browser endpoints (issue "People"):
 * - `GET /authorize`: the authorization request (code + PKCE); with a live session (and no
 *   `prompt=login`, within `max_age`) the browser goes straight back with a code; without one, the
 *   login page (`prompt=none` answers `login_required` instead). Users are asked to consent only
 *   to third-party clients; until the consent page exists, those get `consent_required`.
 * - `POST /login`: the login form. A cross-site post is refused (`Origin`, `Sec-Fetch-Site`), the
 *   CSRF token must match the interaction cookie's, the password goes through the same guard as
 *   client secrets. A login always starts a new session id (no fixation).
 * - `GET /login/style.css`: the page's stylesheet (the page loads nothing from elsewhere);
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
  const getClient = async (id: string | null): Promise<ClientRecord | undefined> => {
    if (id === null) return undefined;
    // Through the client cache the token endpoint uses; an id the store refuses is no client.
    return ctx.getClient(id).catch((err: unknown) => {
      if (isTesseraError(err, 'ERR_STORE_INPUT_INVALID')) return undefined;
      throw err;
    });
  };

  /** The browser's live session, if any, for a user who still exists and is enabled. */
  const liveSession = async (req: IncomingMessage): Promise<(StateRecord & { userId: string }) | undefined> => {
    const sid = readSessionId(req, secure());
    if (sid === undefined) return undefined;
    const session = await ctx.storage.state.get('session', sid);
    if (session?.userId === undefined) return undefined;
    const user = await ctx.storage.users.get(session.userId);
    if (user === undefined || user.disabled) return undefined;
    return session as StateRecord & { userId: string };
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

  /** Shows the login page for a new interaction (or the same one again, with an error). */
  const showLogin = (
    res: ServerResponse,
    client: ClientRecord,
    interaction: { id: string; csrf: string; redirectOrigin: string },
    status = 200,
    extra: { username?: string; error?: string; headers?: Record<string, string | string[]> } = {},
  ) => {
    res.writeHead(status, { ...pageHeaders(interaction.redirectOrigin), ...extra.headers }).end(
      loginPage({
        title: settings.page.title,
        productName: settings.page.productName,
        interaction: interaction.id,
        csrf: interaction.csrf,
        clientName: client.id,
        ...(extra.username === undefined ? {} : { username: extra.username }),
        ...(extra.error === undefined ? {} : { error: extra.error }),
      }),
    );
  };

  return {
    'GET /logout': (req, res, query) => handleLogout(ctx, req, res, query),
    'POST /logout': (req, res, query) => handleLogout(ctx, req, res, query),
    'GET /userinfo': (req, res) => handleUserinfo(ctx, req, res),
    'POST /userinfo': (req, res) => handleUserinfo(ctx, req, res),
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
      const back = (error: string, description: string) => {
        const location = redirectTo(parsed.redirectUri, {
          error,
          error_description: description,
          state: parsed.state,
          iss: ctx.issuerUrl(),
        });
        res.writeHead(303, { location, 'cache-control': 'no-store' }).end();
      };
      if (!client!.firstParty)
        return back('consent_required', "this client needs the user's consent, which this server cannot ask for yet");
      const session = await liveSession(req);
      const fresh =
        session !== undefined &&
        !parsed.prompt.includes('login') &&
        (parsed.maxAge === undefined ||
          Math.floor(ctx.clock() / 1000) - (session.data as unknown as SessionData).authTime <= parsed.maxAge);
      if (fresh) return finish(res, parsed, session);
      if (parsed.prompt.includes('none')) return back('login_required', 'the user is not logged in');
      const id = randomBytes(32).toString('base64url');
      const csrf = randomBytes(32).toString('base64url');
      await ctx.storage.state.put({
        kind: 'interaction',
        key: id,
        data: { request: parsed, csrf } satisfies InteractionData,
        expiresAt: ctx.clock() + settings.interactionLifetimeSeconds * 1000,
      });
      showLogin(res, client!, { id, csrf, redirectOrigin: new URL(parsed.redirectUri).origin }, 200, {
        ...(parsed.loginHint === undefined ? {} : { username: parsed.loginHint }),
        headers: {
          'set-cookie': sessionCookie(INTERACTION, id, {
            secure: secure(),
            maxAge: settings.interactionLifetimeSeconds,
          }),
        },
      });
    },

    'POST /login': async (req, res) => {
      // A form posted from another site is refused before anything else is read (CSRF).
      if (!sameSitePost(req, ctx.issuerUrl()))
        return errorPage(res, 403, 'access_denied', 'the login form was posted from another site');
      if (!hasMediaType(req, 'application/x-www-form-urlencoded'))
        return errorPage(res, 415, 'invalid_request', 'the login form is sent as application/x-www-form-urlencoded');
      let form: Map<string, string>;
      try {
        form = parseForm(await readBody(req, ctx.config.server.bodyLimitBytes));
      } catch (error) {
        if (!isTesseraError(error)) throw error;
        return errorPage(res, error.status === 413 ? 413 : 400, 'invalid_request', 'the login form could not be read');
      }
      const id = form.get('interaction');
      const cookie = readCookie(req, cookieName(INTERACTION, secure()));
      const stored = id === undefined || cookie !== id ? undefined : await ctx.storage.state.get('interaction', id);
      const data = stored?.data as unknown as InteractionData | undefined;
      if (data === undefined || !isAuthorizationRequest(data.request) || !csrfMatches(form.get('csrf'), data.csrf))
        return errorPage(
          res,
          400,
          'invalid_request',
          'the login page has expired or was not opened here: start again from the application',
        );
      const client = await getClient(data.request.clientId);
      if (client === undefined || !client.enabled)
        return errorPage(res, 400, 'unauthorized_client', 'the application is no longer known');
      const interaction = { id: id!, csrf: data.csrf, redirectOrigin: new URL(data.request.redirectUri).origin };
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
      // A new session id at every login (no fixation); the previous session of this browser ends.
      const previous = readSessionId(req, secure());
      if (previous !== undefined) await ctx.storage.state.delete('session', previous);
      const now = ctx.clock();
      const session: StateRecord = {
        kind: 'session',
        key: randomBytes(32).toString('base64url'),
        data: { authTime: Math.floor(now / 1000), amr: ['pwd'] } satisfies SessionData,
        expiresAt: now + settings.sessionLifetimeSeconds * 1000,
        userId: user.userId,
      };
      await ctx.storage.state.put(session);
      await ctx.storage.state.delete('interaction', id!);
      await ctx.audit({
        actor: user.userId,
        action: 'login.succeeded',
        target: session.key.slice(0, 8),
        details: { client: client.id, amr: ['pwd'] },
      });
      await finish(res, data.request, session, {
        'set-cookie': [
          sessionCookie(SESSION_COOKIE, session.key, { secure: secure(), maxAge: settings.sessionLifetimeSeconds }),
          // The interaction is over: its cookie goes (decided per request: the issuer is known once listening).
          sessionCookie(INTERACTION, '', { secure: secure(), maxAge: 0 }),
        ],
      });
    },
  };
}
