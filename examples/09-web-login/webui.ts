// The brief's web UI (scenario 002, second half): a server-rendered app that logs people in at an
// OpenID Connect provider (here the Tessera token service, Auth0 in the brief) with the
// authorization code flow + PKCE through openid-client, shows who is signed in, and calls
// backend-api with the user's access token over mutual TLS (its sidecar knows the web UI by its
// client certificate). Tokens stay on the server; the browser holds an opaque session cookie.
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import * as oidc from 'openid-client';
import { createRemoteJwks, createVerifier, type TesseraVerifier } from '@tessera/core';
import { httpCall } from '../internal/http-client.js';

/** A signed-in user, as the web UI keeps them (server side). */
interface WebSession {
  readonly name: string;
  readonly sub: string;
  readonly sid: string;
  readonly accessToken: string;
  readonly idToken: string;
}

/** A login under way: what the callback must check. */
interface PendingLogin {
  readonly verifier: string;
  readonly state: string;
  readonly nonce: string;
}

/** Where the web UI meets the provider and the backend, known once they are started. */
export interface WebUiConnection {
  /** The provider's issuer URL (discovery at `/.well-known/openid-configuration`). */
  readonly issuer: string;
  readonly clientId: string;
  readonly clientSecret: string;
  /** backend-api's data URL, through its sidecar. */
  readonly backendUrl: string;
  /** The mesh's CA and the web UI's workload certificate (SPIFFE id in its SAN). */
  readonly tls: { readonly ca: string; readonly cert: string; readonly key: string };
}

/** The web UI: its server, and what the example checks look at. */
export interface WebUi {
  readonly server: Server;
  /** Call once the provider is up (the web UI's own URL is needed first, for the redirect URIs). */
  connect(connection: WebUiConnection): Promise<void>;
  /** The access token of the (single) signed-in session, for the example's checks. */
  currentAccessToken(): string | undefined;
  /** How many back-channel logouts the provider delivered (and were verified). */
  readonly backchannelLogouts: () => number;
}

const SESSION = 'webui-session';
const LOGIN = 'webui-login';

function cookie(req: IncomingMessage, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === name) return v.join('=');
  }
  return undefined;
}

const escape = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function page(res: ServerResponse, body: string, headers: Record<string, string | string[]> = {}): void {
  res
    .writeHead(200, {
      'content-type': 'text/html; charset=utf-8',
      'cache-control': 'no-store',
      'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'",
      ...headers,
    })
    .end(
      `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Web UI</title><style>body{font-family:system-ui,sans-serif;margin:3rem auto;max-width:36rem}code{background:#8882;padding:.1rem .3rem}</style></head><body>${body}</body></html>`,
    );
}

/**
 * Creates the web UI (not yet listening): `GET /` (who is signed in, and backend-api's answer),
 * `GET /login` → the provider, `GET /callback` (code → tokens), `GET /logout` (local session ends,
 * then RP-initiated logout at the provider), `POST /backchannel-logout` (the provider's logout
 * token, verified: its sessions end here too).
 *
 * @example
 * ```ts
 * const webui = createWebUi();
 * const url = await listen(webui.server);
 * await webui.connect({ issuer, clientId: 'webui', clientSecret, backendUrl, tls });
 * ```
 */
export function createWebUi(): WebUi {
  const sessions = new Map<string, WebSession>();
  const pending = new Map<string, PendingLogin>();
  let connection: WebUiConnection | undefined;
  let rp: oidc.Configuration | undefined;
  let logoutVerifier: TesseraVerifier | undefined;
  let backchannelLogouts = 0;

  const base = (req: IncomingMessage) => `http://${req.headers.host}`;

  const callBackend = async (token?: string): Promise<string> => {
    const res = await httpCall(connection!.backendUrl, {
      ...connection!.tls,
      ...(token === undefined ? {} : { headers: { authorization: `Bearer ${token}` } }),
    });
    return res.status === 200 ? `200 user=${(res.json as { user: string }).user}` : `${res.status} ${res.text.trim()}`;
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', base(req));
    const sid = cookie(req, SESSION);
    const session = sid === undefined ? undefined : sessions.get(sid);
    if (req.method === 'GET' && url.pathname === '/') {
      const backend = await callBackend(session?.accessToken);
      if (session === undefined)
        return page(
          res,
          `<h1>Web UI</h1><p id="who">You are not signed in.</p><p id="backend">backend-api: <code>${escape(backend)}</code></p><p><a id="sign-in" href="/login">Sign in</a></p>`,
        );
      return page(
        res,
        `<h1 id="who">Hello, ${escape(session.name)}</h1><p id="backend">backend-api: <code>${escape(backend)}</code></p><p><a id="sign-out" href="/logout">Sign out</a></p>`,
      );
    }
    if (req.method === 'GET' && url.pathname === '/login') {
      const login: PendingLogin = {
        verifier: oidc.randomPKCECodeVerifier(),
        state: oidc.randomState(),
        nonce: oidc.randomNonce(),
      };
      const id = randomBytes(16).toString('base64url');
      pending.set(id, login);
      const target = oidc.buildAuthorizationUrl(rp!, {
        redirect_uri: `${base(req)}/callback`,
        scope: 'openid profile',
        code_challenge: await oidc.calculatePKCECodeChallenge(login.verifier),
        code_challenge_method: 'S256',
        state: login.state,
        nonce: login.nonce,
      });
      res
        .writeHead(303, {
          location: target.href,
          'set-cookie': `${LOGIN}=${id}; Path=/; HttpOnly; SameSite=Lax; Max-Age=600`,
        })
        .end();
      return;
    }
    if (req.method === 'GET' && url.pathname === '/callback') {
      const id = cookie(req, LOGIN);
      const login = id === undefined ? undefined : pending.get(id);
      if (login === undefined) return page(res, '<h1>Sign in again</h1><p><a href="/login">Sign in</a></p>');
      pending.delete(id!);
      if (url.searchParams.has('error'))
        return page(res, `<h1>Not signed in</h1><p>${escape(url.searchParams.get('error')!)}</p>`);
      const tokens = await oidc.authorizationCodeGrant(rp!, url, {
        pkceCodeVerifier: login.verifier,
        expectedState: login.state,
        expectedNonce: login.nonce,
      });
      const claims = tokens.claims()!;
      const key = randomBytes(32).toString('base64url');
      sessions.set(key, {
        name: typeof claims['name'] === 'string' ? claims['name'] : claims.sub,
        sub: claims.sub,
        sid: typeof claims['sid'] === 'string' ? claims['sid'] : '',
        accessToken: tokens.access_token,
        idToken: tokens.id_token!,
      });
      res
        .writeHead(303, {
          location: '/',
          'set-cookie': [
            `${SESSION}=${key}; Path=/; HttpOnly; SameSite=Lax`,
            `${LOGIN}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0`,
          ],
        })
        .end();
      return;
    }
    if (req.method === 'GET' && url.pathname === '/logout') {
      if (sid !== undefined) sessions.delete(sid);
      const clear = `${SESSION}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0`;
      const location =
        session === undefined
          ? '/'
          : oidc.buildEndSessionUrl(rp!, { id_token_hint: session.idToken, post_logout_redirect_uri: `${base(req)}/` })
              .href;
      res.writeHead(303, { location, 'set-cookie': clear }).end();
      return;
    }
    if (req.method === 'POST' && url.pathname === '/backchannel-logout') {
      let body = '';
      for await (const chunk of req) body += (chunk as Buffer).toString();
      const token = new URLSearchParams(body).get('logout_token') ?? '';
      try {
        const { payload } = await logoutVerifier!.verify(token);
        const events = payload['events'] as Record<string, unknown> | undefined;
        if (events?.['http://schemas.openid.net/event/backchannel-logout'] === undefined || 'nonce' in payload)
          throw new Error('not a logout token');
        for (const [key, s] of sessions) if (s.sid === payload['sid']) sessions.delete(key);
        backchannelLogouts += 1;
        res.writeHead(200, { 'cache-control': 'no-store' }).end();
      } catch {
        res.writeHead(400, { 'cache-control': 'no-store' }).end();
      }
      return;
    }
    res.writeHead(404).end();
  };

  const server = createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
      res.end('the web UI could not complete the request');
    });
  });

  return {
    server,
    async connect(c) {
      connection = c;
      rp = await oidc.discovery(new URL(c.issuer), c.clientId, c.clientSecret, undefined, {
        execute: [oidc.allowInsecureRequests], // the example runs on http://127.0.0.1
      });
      // Logout tokens: the provider's keys, this client as audience, typ logout+jwt (Back-Channel Logout §2.6).
      logoutVerifier = createVerifier({
        issuer: c.issuer,
        keys: createRemoteJwks(rp.serverMetadata().jwks_uri!),
        audience: c.clientId,
        typ: 'logout+jwt',
      });
    },
    currentAccessToken: () => [...sessions.values()].at(-1)?.accessToken,
    backchannelLogouts: () => backchannelLogouts,
  };
}
