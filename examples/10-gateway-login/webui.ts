// The brief's web UI when the gateway does the login (scenario 002, Gloo Gateway part): it
// implements no auth at all. It shows the `x-name` header the gateway puts on each request and
// calls backend-api with the access token the gateway hands it in `my_access_token`, over mTLS
// with its own workload certificate.
import { createServer, type Server } from 'node:http';
import { httpCall } from '../internal/http-client.js';

/** Where the web UI finds backend-api and how it proves it is the web UI (its mesh certificate). */
export interface WebUiBackend {
  readonly url: string;
  readonly tls: { readonly ca: string; readonly cert: string; readonly key: string };
}

const escape = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/**
 * Which access token the gateway handed over, and until when: its `jti` and `exp`, read without
 * verifying (the gateway did; backend-api does again). The token itself is never shown.
 */
function describeToken(token: string | undefined): string {
  try {
    const claims = JSON.parse(Buffer.from(token!.split('.')[1]!, 'base64url').toString('utf8')) as {
      jti?: string;
      exp?: number;
    };
    return `${String(claims.jti)}, valid until ${new Date(claims.exp! * 1000).toISOString().slice(11, 19)} UTC`;
  } catch {
    return 'none';
  }
}

/**
 * Creates the web UI: `GET /` answers a page with the user's name (from `x-name`),
 * backend-api's answer to the user's access token, and which access token that was.
 *
 * @example
 * ```ts
 * const webui = createWebUi(() => backend);
 * ```
 */
export function createWebUi(backend: () => WebUiBackend): Server {
  return createServer((req, res) => {
    void (async () => {
      const name = req.headers['x-name'];
      const token = req.headers['my_access_token'];
      const b = backend();
      const answer = await httpCall(b.url, {
        ...b.tls,
        ...(typeof token === 'string' ? { headers: { authorization: `Bearer ${token}` } } : {}),
      });
      const backendText =
        answer.status === 200
          ? `200 user=${(answer.json as { user: string }).user}`
          : `${answer.status} ${answer.text.trim()}`;
      res
        .writeHead(200, {
          'content-type': 'text/html; charset=utf-8',
          'cache-control': 'no-store',
          'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'",
        })
        .end(
          `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Web UI</title><style>body{font-family:system-ui,sans-serif;margin:3rem auto;max-width:36rem}code{background:#8882;padding:.1rem .3rem}</style></head><body><h1 id="who">Hello, ${escape(typeof name === 'string' ? name : 'stranger')}</h1><p id="backend">backend-api: <code>${escape(backendText)}</code></p><p>access token: <code id="token">${escape(describeToken(typeof token === 'string' ? token : undefined))}</code></p><p><a id="sign-out" href="/logout">Sign out</a></p></body></html>`,
        );
    })().catch(() => res.writeHead(502).end('the web UI could not reach backend-api'));
  });
}
