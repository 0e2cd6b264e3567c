// What the gateway + token service tests share: an upstream that echoes the request, the policy
// files that trust the token service for the `orders` audience, and a client_credentials token.
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { request } from 'undici';

/** HTTP Basic credentials (the ids and secrets of these tests need no form encoding). */
export const basic = (id: string, secret: string): string =>
  `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;

/**
 * An upstream on 127.0.0.1 answering `{ url, headers }` of each request it gets.
 *
 * @example
 * ```ts
 * const upstream = await echoUpstream();
 * await upstream.close();
 * ```
 */
export async function echoUpstream(): Promise<{ url: string; close(): Promise<void> }> {
  const server = createServer((req, res) => {
    const body = JSON.stringify({ url: req.url, headers: req.headers });
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(body);
  });
  // A WebSocket handshake is answered with 101 and, as the first bytes of the tunnel, one line: the
  // same JSON as above (what the upstream was sent).
  server.on('upgrade', (req, socket) => {
    socket.on('error', () => socket.destroy());
    socket.end(
      `HTTP/1.1 101 Switching Protocols\r\nupgrade: websocket\r\nconnection: Upgrade\r\n\r\n${JSON.stringify({ url: req.url, headers: req.headers })}\n`,
    );
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

/**
 * Writes `<dir>/policies/policies.yaml`: a RequestAuthentication trusting the token service's JWKS
 * for audience `orders` and, when `principal` is given, an AuthorizationPolicy allowing only that
 * request principal. Answers the policies folder.
 *
 * @example
 * ```ts
 * const policies = writeOrdersPolicies(dir, ts.issuer, tsUrl, `${ts.issuer}/webui`);
 * ```
 */
export function writeOrdersPolicies(dir: string, issuer: string, tsUrl: string, principal?: string): string {
  const policies = join(dir, 'policies');
  mkdirSync(policies);
  const authentication = `apiVersion: security.istio.io/v1
kind: RequestAuthentication
metadata: { name: ts, namespace: default }
spec:
  jwtRules:
    - issuer: ${issuer}
      jwksUri: ${tsUrl}/.well-known/jwks.json
      audiences: [orders]
`;
  const authorization =
    principal === undefined
      ? ''
      : `---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: { name: orders-callers, namespace: default }
spec:
  rules:
    - from: [{ source: { requestPrincipals: ["${principal}"] } }]
`;
  writeFileSync(join(policies, 'policies.yaml'), authentication + authorization);
  return policies;
}

/**
 * A client_credentials access token for `audience` from the token service at `tsUrl`.
 *
 * @example
 * ```ts
 * const token = await clientCredentialsToken(tsUrl, 'webui', 'webui-secret-0123456789', 'orders');
 * ```
 */
export async function clientCredentialsToken(
  tsUrl: string,
  id: string,
  secret: string,
  audience: string,
): Promise<string> {
  const res = await request(`${tsUrl}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basic(id, secret) },
    body: `grant_type=client_credentials&audience=${encodeURIComponent(audience)}`,
  });
  const body = (await res.body.json()) as { access_token?: string };
  if (res.statusCode !== 200 || typeof body.access_token !== 'string')
    throw new Error(`the token service answered ${res.statusCode}`);
  return body.access_token;
}
