import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createVerifier, isTesseraError, type JwtPayload } from '@tessera/core';
import type { ServiceContext } from '../http/service-context.js';
import { cookieName, readCookie, readSessionId, SESSION_COOKIE, sessionCookie } from './cookies.js';
import { csrfMatches } from './csrf-matches.js';
import { redirectTo } from './issue-code.js';
import { endSession } from './end-session.js';
import { escapeHtml } from './login-page.js';
import { errorPage, pageHeaders } from './provider-pages.js';
import { readPageForm } from './read-page-form.js';

const LOGOUT = 'tessera-logout';

/** The parameters of a logout request (OpenID Connect RP-Initiated Logout 1.0 §2). */
interface LogoutParams {
  readonly idTokenHint?: string;
  readonly clientId?: string;
  readonly postLogoutRedirectUri?: string;
  readonly state?: string;
}

/**
 * `GET`/`POST /logout` (OpenID Connect RP-Initiated Logout 1.0): ends the browser's session at the
 * provider. With an `id_token_hint` this service issued for that very session (its `sid`; an
 * expired hint is accepted within `login.sessionLifetimeSeconds`), at once; otherwise the user
 * confirms on a page first (a logout forced by another site is a nuisance the spec asks providers
 * to avoid). `post_logout_redirect_uri` must be registered by the client the request names
 * (`client_id`, or the hint's `aud`), else nothing redirects; `state` goes back with it.
 *
 * @example
 * ```ts
 * routes['GET /logout'] = (req, res, query) => handleLogout(ctx, req, res, query);
 * ```
 */
export async function handleLogout(
  ctx: ServiceContext,
  req: IncomingMessage,
  res: ServerResponse,
  query: URLSearchParams,
): Promise<void> {
  const secure = ctx.issuerUrl().startsWith('https:');
  let fields = query;
  let confirmed = false;
  if (req.method === 'POST') {
    const form = await readPageForm(req, res, {
      page: 'logout',
      issuer: ctx.issuerUrl(),
      bodyLimitBytes: ctx.config.server.bodyLimitBytes,
    });
    if (form === undefined) return;
    fields = new URLSearchParams([...form]);
    const id = readCookie(req, cookieName(LOGOUT, secure));
    const stored = id === undefined ? undefined : await ctx.storage.state.get('interaction', id);
    const csrf = stored?.data['csrf'];
    confirmed = typeof csrf === 'string' && csrfMatches(form.get('csrf'), csrf);
    if (!confirmed) return errorPage(res, 400, 'invalid_request', 'the logout page has expired: start again');
    await ctx.storage.state.delete('interaction', id!);
  }
  for (const name of ['id_token_hint', 'client_id', 'post_logout_redirect_uri', 'state'])
    if (fields.getAll(name).length > 1)
      return errorPage(res, 400, 'invalid_request', `${name} is given more than once`);
  const params: LogoutParams = {
    ...(fields.get('id_token_hint') === null ? {} : { idTokenHint: fields.get('id_token_hint')! }),
    ...(fields.get('client_id') === null ? {} : { clientId: fields.get('client_id')! }),
    ...(fields.get('post_logout_redirect_uri') === null
      ? {}
      : { postLogoutRedirectUri: fields.get('post_logout_redirect_uri')! }),
    ...(fields.get('state') === null ? {} : { state: fields.get('state')! }),
  };

  let hint: JwtPayload | undefined;
  if (params.idTokenHint !== undefined) {
    try {
      hint = (
        await createVerifier({
          issuer: ctx.issuerUrl(),
          keys: ctx.keyRing.keySource,
          typ: 'JWT',
          clockTolerance: ctx.config.login.sessionLifetimeSeconds,
          clock: ctx.clock,
        }).verify(params.idTokenHint)
      ).payload;
    } catch (error) {
      if (!isTesseraError(error) || error.code.startsWith('ERR_STORE')) throw error;
      return errorPage(res, 400, 'invalid_request', 'id_token_hint is not an ID token of this service');
    }
  }
  const hintClient = typeof hint?.aud === 'string' ? hint.aud : undefined;
  if (params.clientId !== undefined && hintClient !== undefined && params.clientId !== hintClient)
    return errorPage(res, 400, 'invalid_request', 'client_id differs from the ID token hint');
  const clientId = params.clientId ?? hintClient;
  if (params.postLogoutRedirectUri !== undefined) {
    const client = clientId === undefined ? undefined : await ctx.getClient(clientId).catch(() => undefined);
    if (client === undefined || !client.postLogoutRedirectUris.includes(params.postLogoutRedirectUri))
      return errorPage(res, 400, 'invalid_request', 'post_logout_redirect_uri is not registered for this client');
  }

  const sid = readSessionId(req, secure);
  const session = sid === undefined ? undefined : await ctx.storage.state.get('session', sid);
  if (session !== undefined && !confirmed && hint?.['sid'] !== session.key) {
    // Not proven to come from an application of this session: the user confirms.
    const id = randomBytes(32).toString('base64url');
    const csrf = randomBytes(32).toString('base64url');
    await ctx.storage.state.put({
      kind: 'interaction',
      key: id,
      data: { csrf },
      expiresAt: ctx.clock() + ctx.config.login.interactionLifetimeSeconds * 1000,
    });
    const hidden = Object.entries({
      csrf,
      id_token_hint: params.idTokenHint,
      client_id: params.clientId,
      post_logout_redirect_uri: params.postLogoutRedirectUri,
      state: params.state,
    })
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => `<input type="hidden" name="${k}" value="${escapeHtml(v!)}">`)
      .join('\n');
    const target =
      params.postLogoutRedirectUri === undefined ? undefined : new URL(params.postLogoutRedirectUri).origin;
    res
      .writeHead(200, {
        ...pageHeaders(target),
        'set-cookie': sessionCookie(LOGOUT, id, { secure, maxAge: ctx.config.login.interactionLifetimeSeconds }),
      })
      .end(
        `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Sign out</title><link rel="stylesheet" href="/login/style.css"></head><body><main><h1>Sign out?</h1><p>You are signed in to ${escapeHtml(ctx.config.login.page.productName)}.</p><form method="post" action="/logout">\n${hidden}\n<button type="submit">Sign out</button></form></main></body></html>`,
      );
    return;
  }
  if (session !== undefined) {
    await endSession(ctx, session.key, 'logout');
    await ctx.audit({
      actor: session.userId ?? 'anonymous',
      action: 'logout',
      target: session.key.slice(0, 8),
      details: { client: clientId },
    });
  }
  const clear = sessionCookie(SESSION_COOKIE, '', { secure, maxAge: 0 });
  if (params.postLogoutRedirectUri !== undefined) {
    res
      .writeHead(303, {
        location: redirectTo(params.postLogoutRedirectUri, { state: params.state }),
        'set-cookie': clear,
        'cache-control': 'no-store',
      })
      .end();
    return;
  }
  res
    .writeHead(200, { ...pageHeaders(undefined), 'set-cookie': clear })
    .end(
      `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Signed out</title><link rel="stylesheet" href="/login/style.css"></head><body><main><h1>You are signed out</h1><p role="status">You can close this window.</p></main></body></html>`,
    );
}
