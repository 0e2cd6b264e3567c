// The web UI of `tessera up`: a first-party public client (`webui`) that logs a person in at the
// token service (authorization code + PKCE), checks the ID token with Tessera's own verifier, and
// shows the orders service's answer to the user's access token. It is the smallest real relying
// party, so a newcomer sees a login end to end without writing one. Written on node:http and
// fetch (no OpenID Connect client library) so the CLI carries no dependency for a demo page.
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createRemoteJwks, createVerifier, type RemoteJwks, type TesseraVerifier } from '@tessera/core';

/** The provider's endpoints, from its discovery document. */
interface ProviderMetadata {
  readonly issuer: string;
  readonly authorization_endpoint: string;
  readonly token_endpoint: string;
  readonly end_session_endpoint: string;
  readonly jwks_uri: string;
}

/** A signed-in person, kept on the server. */
interface DemoSession {
  readonly name: string;
  readonly accessToken: string;
  readonly idToken: string;
}

/** A login under way: what the callback must check. */
interface PendingLogin {
  readonly verifier: string;
  readonly state: string;
  readonly nonce: string;
}

/** The demo web UI; `connect` once the token service and the orders service are up. */
export interface DemoWebUi {
  readonly server: Server;
  connect(options: { readonly tokenServiceUrl: string; readonly ordersUrl: string }): Promise<void>;
  close(): void;
}

/** The client id the token service knows the web UI by. */
export const DEMO_WEB_UI_CLIENT = 'webui';

const SESSION = 'tessera-up-webui';
const LOGIN = 'tessera-up-webui-login';

const escape = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function readCookie(req: IncomingMessage, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

function page(res: ServerResponse, body: string, headers: Record<string, string | string[]> = {}): void {
  res
    .writeHead(200, {
      'content-type': 'text/html; charset=utf-8',
      'cache-control': 'no-store',
      'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'",
      ...headers,
    })
    .end(
      `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>tessera up · web UI</title><style>body{font-family:system-ui,sans-serif;margin:3rem auto;max-width:40rem}pre{background:#8882;padding:.75rem;white-space:pre-wrap;overflow-wrap:anywhere}</style></head><body>${body}</body></html>`,
    );
}

/**
 * Creates the demo web UI (not yet listening): `GET /` (who is signed in, and `GET /orders` at the
 * orders service with their token), `/login`, `/callback`, `/logout` (RP-initiated logout).
 *
 * @example
 * ```ts
 * const webui = createDemoWebUi();
 * webui.server.listen(7406, '127.0.0.1');
 * await webui.connect({ tokenServiceUrl, ordersUrl });
 * ```
 */
export function createDemoWebUi(): DemoWebUi {
  const sessions = new Map<string, DemoSession>();
  const pending = new Map<string, PendingLogin>();
  let provider: ProviderMetadata | undefined;
  let jwks: RemoteJwks | undefined;
  let idTokens: TesseraVerifier | undefined;
  let ordersUrl = '';
  const base = (req: IncomingMessage) => `http://${req.headers.host}`;

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', base(req));
    const sid = readCookie(req, SESSION);
    const session = sid === undefined ? undefined : sessions.get(sid);
    if (provider === undefined) return page(res, '<p>Starting…</p>');
    if (url.pathname === '/') {
      if (session === undefined)
        return page(
          res,
          '<h1>tessera up</h1><p id="who">You are not signed in.</p><p><a href="/login">Sign in</a></p>',
        );
      const orders = await fetch(`${ordersUrl}/orders`, {
        headers: { authorization: `Bearer ${session.accessToken}` },
      });
      const text = await orders.text();
      let shown = text;
      try {
        shown = JSON.stringify(JSON.parse(text), null, 2); // readable, when it is JSON
      } catch {
        // not JSON: shown as it came
      }
      return page(
        res,
        `<h1 id="who">Hello, ${escape(session.name)}</h1><p>The orders service answered your access token with ${orders.status}:</p><pre id="orders">${escape(shown)}</pre><p><a href="/logout">Sign out</a></p>`,
      );
    }
    if (url.pathname === '/login') {
      const login: PendingLogin = {
        verifier: randomBytes(32).toString('base64url'),
        state: randomBytes(16).toString('base64url'),
        nonce: randomBytes(16).toString('base64url'),
      };
      const id = randomBytes(16).toString('base64url');
      pending.set(id, login);
      const target = new URL(provider.authorization_endpoint);
      target.search = new URLSearchParams({
        response_type: 'code',
        client_id: DEMO_WEB_UI_CLIENT,
        redirect_uri: `${base(req)}/callback`,
        scope: 'openid profile email orders:read',
        state: login.state,
        nonce: login.nonce,
        code_challenge: createHash('sha256').update(login.verifier).digest('base64url'),
        code_challenge_method: 'S256',
      }).toString();
      res
        .writeHead(303, {
          location: target.href,
          'set-cookie': `${LOGIN}=${id}; Path=/; HttpOnly; SameSite=Lax; Max-Age=600`,
        })
        .end();
      return;
    }
    if (url.pathname === '/callback') {
      const id = readCookie(req, LOGIN);
      const login = id === undefined ? undefined : pending.get(id);
      if (id !== undefined) pending.delete(id);
      // RFC 9207: the response names its issuer; RFC 6749 §10.12: state ties it to this browser.
      if (
        login === undefined ||
        url.searchParams.get('state') !== login.state ||
        url.searchParams.get('iss') !== provider.issuer
      )
        return page(res, '<h1>That sign-in is not this browser’s</h1><p><a href="/login">Sign in again</a></p>');
      const code = url.searchParams.get('code');
      if (code === null)
        return page(res, `<h1>Not signed in</h1><p>${escape(url.searchParams.get('error') ?? '')}</p>`);
      const answer = await fetch(provider.token_endpoint, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          grant_type: 'authorization_code',
          client_id: DEMO_WEB_UI_CLIENT,
          code,
          redirect_uri: `${base(req)}/callback`,
          code_verifier: login.verifier,
        }).toString(),
      });
      const tokens = (await answer.json()) as { access_token?: string; id_token?: string };
      if (tokens.id_token === undefined || tokens.access_token === undefined)
        return page(res, `<h1>Not signed in</h1><p>the token service answered ${answer.status}</p>`);
      const { payload } = await idTokens!.verify(tokens.id_token);
      if (payload['nonce'] !== login.nonce)
        return page(res, '<h1>Not signed in</h1><p>the ID token is not for this sign-in</p>');
      const key = randomBytes(32).toString('base64url');
      sessions.set(key, {
        name: typeof payload['name'] === 'string' ? payload['name'] : String(payload.sub),
        accessToken: tokens.access_token,
        idToken: tokens.id_token,
      });
      res
        .writeHead(303, {
          location: '/',
          'set-cookie': [`${SESSION}=${key}; Path=/; HttpOnly; SameSite=Lax`, `${LOGIN}=; Path=/; Max-Age=0`],
        })
        .end();
      return;
    }
    if (url.pathname === '/logout') {
      if (sid !== undefined) sessions.delete(sid);
      const location = new URL(provider.end_session_endpoint);
      if (session !== undefined) location.searchParams.set('id_token_hint', session.idToken);
      location.searchParams.set('client_id', DEMO_WEB_UI_CLIENT);
      location.searchParams.set('post_logout_redirect_uri', `${base(req)}/`);
      res.writeHead(303, { location: location.href, 'set-cookie': `${SESSION}=; Path=/; Max-Age=0` }).end();
      return;
    }
    res.writeHead(404).end();
  };

  const server = createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
      res.end('the web UI could not complete the sign-in');
    });
  });
  return {
    server,
    async connect(options) {
      ordersUrl = options.ordersUrl;
      const metadata = await fetch(`${options.tokenServiceUrl}/.well-known/openid-configuration`);
      provider = (await metadata.json()) as ProviderMetadata;
      jwks = createRemoteJwks(provider.jwks_uri);
      idTokens = createVerifier({ issuer: provider.issuer, keys: jwks, audience: DEMO_WEB_UI_CLIENT });
    },
    close() {
      jwks?.close();
    },
  };
}
