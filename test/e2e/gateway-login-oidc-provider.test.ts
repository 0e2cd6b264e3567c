// The gateway's login is not tied to Tessera's provider (issue #15): the same ExtAuthPolicy against
// node-oidc-provider, an independent OpenID Connect provider. Its access tokens are opaque here, so
// the session's ID token is the request's identity for the route's policies.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as jose from 'jose';
import Provider from 'oidc-provider';
import pino from 'pino';
import { createGateway, loadGatewayConfig } from '@tessera/gateway';
import { freePort, headlessBrowser } from '../../examples/index.js';
import { echoUpstream } from './internal/orders-stack.js';

const CLIENT_SECRET = 'webui-gateway-secret-at-oidc-provider';

/** node-oidc-provider on 127.0.0.1: one confidential client; the login page is the application's, here finished at once for alice. */
async function startOidcProvider(appUrl: string): Promise<{ issuer: string; close: () => Promise<void> }> {
  const { privateKey } = await jose.generateKeyPair('RS256', { extractable: true });
  const jwk = { ...(await jose.exportJWK(privateKey)), kid: 'op-1', alg: 'RS256', use: 'sig' };
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: 'webui-gateway',
        client_secret: CLIENT_SECRET,
        redirect_uris: [`${appUrl}/callback`],
        post_logout_redirect_uris: [`${appUrl}/`],
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
      },
    ],
    jwks: { keys: [jwk] },
    cookies: { keys: ['test-cookie-key-0123456789abcdef'] },
    claims: { openid: ['sub'], profile: ['name'] },
    // The profile claims in the ID token too (its default keeps them for userinfo), as Auth0 does.
    conformIdTokenClaims: false,
    findAccount: (_ctx: unknown, sub: string) => ({
      accountId: sub,
      claims: () => ({ sub, name: 'Alice Liddell' }),
    }),
    features: { devInteractions: { enabled: false } },
  });
  const callback = provider.callback();
  server.on('request', (req, res) => {
    if (!req.url?.startsWith('/interaction/')) return void callback(req, res);
    void (async () => {
      const details = await provider.interactionDetails(req, res);
      if (details.prompt.name === 'login') {
        await provider.interactionFinished(
          req,
          res,
          { login: { accountId: 'alice' } },
          { mergeWithLastSubmission: false },
        );
        return;
      }
      const grant = new provider.Grant({ accountId: 'alice', clientId: 'webui-gateway' });
      grant.addOIDCScope('openid profile');
      await provider.interactionFinished(
        req,
        res,
        { consent: { grantId: await grant.save() } },
        { mergeWithLastSubmission: true },
      );
    })().catch(() => res.writeHead(500).end());
  });
  return { issuer, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

test('the same ExtAuthPolicy against node-oidc-provider: login, the ID token as identity when the access token is opaque, headers, logout', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-gw-op-'));
  const upstream = await echoUpstream();
  const port = await freePort();
  const appUrl = `http://127.0.0.1:${port}`;
  const op = await startOidcProvider(appUrl);
  mkdirSync(join(dir, 'secrets', 'default', 'op-client'), { recursive: true });
  writeFileSync(join(dir, 'secrets', 'default', 'op-client', 'client-secret'), CLIENT_SECRET);
  mkdirSync(join(dir, 'policies'));
  writeFileSync(
    join(dir, 'policies', 'webui.yaml'),
    `apiVersion: security.policy.gloo.solo.io/v2
kind: ExtAuthPolicy
metadata: { name: webui-op, namespace: default }
spec:
  applyToRoutes: [{ route: { labels: { oauth: "true" } } }]
  config:
    glooAuth:
      configs:
      - oauth2:
          oidcAuthorizationCode:
            appUrl: ${appUrl}
            callbackPath: /callback
            clientId: webui-gateway
            clientSecretRef: { name: op-client, namespace: default }
            issuerUrl: ${op.issuer}
            scopes: [openid, profile]
            logoutPath: /logout
            headers: { idTokenHeader: jwt, accessTokenHeader: my_access_token }
            identityToken:
              claimsToHeaders: [{ claim: name, header: x-name }]
---
apiVersion: security.istio.io/v1
kind: RequestAuthentication
metadata: { name: webui, namespace: default }
spec:
  selector: { matchLabels: { app: webui } }
  jwtRules:
    - issuer: "${op.issuer}"
      jwksUri: "${op.issuer}/jwks"
      audiences: ["webui-gateway"]
---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: { name: alice-only, namespace: default }
spec:
  selector: { matchLabels: { app: webui } }
  action: ALLOW
  rules:
    - from: [{ source: { requestPrincipals: ["${op.issuer}/alice"] } }]
`,
  );
  const gateway = createGateway(
    loadGatewayConfig({
      object: {
        listeners: [{ name: 'main', host: '127.0.0.1', port }],
        admin: { enabled: false },
        secretsDir: join(dir, 'secrets'),
        routes: [
          {
            name: 'webui',
            pathPrefix: '/',
            upstream: upstream.url,
            labels: { app: 'webui' },
            routeLabels: { oauth: 'true' },
          },
        ],
        policies: { sources: [join(dir, 'policies')], watch: false },
        logging: { level: 'silent', accessLog: false },
      },
    }),
    { logger: pino({ level: 'silent' }) },
  );
  await gateway.listen();
  try {
    const b = headlessBrowser();
    const page = await b.open(`${appUrl}/dashboard`);
    assert.equal(page.status, 200, page.html.slice(0, 200));
    assert.equal(page.url, `${appUrl}/dashboard`);
    const seen = JSON.parse(page.html) as { headers: Record<string, string> };
    assert.equal(seen.headers['x-name'], 'Alice Liddell');
    const idToken = jose.decodeJwt(seen.headers['jwt']!);
    assert.equal(idToken.iss, op.issuer);
    assert.equal(idToken.aud, 'webui-gateway');
    assert.notEqual(
      seen.headers['my_access_token']!.split('.').length,
      3,
      'oidc-provider issues an opaque access token here',
    );

    const cookie = [...b.cookies]
      .filter(([k]) => k.startsWith('tessera-gw'))
      .map(([k, v]) => `${k}=${v}`)
      .join('; ');
    const out = await fetch(`${appUrl}/logout`, { headers: { cookie }, redirect: 'manual' });
    assert.equal(out.status, 302);
    const location = new URL(out.headers.get('location')!);
    assert.equal(`${location.origin}${location.pathname}`, `${op.issuer}/session/end`);
    assert.equal(location.searchParams.get('post_logout_redirect_uri'), `${appUrl}/`);
    assert.equal(
      (await fetch(`${appUrl}/api`, { headers: { cookie } })).status,
      401,
      'the session ended at the gateway',
    );
  } finally {
    await gateway.close();
    await op.close();
    await upstream.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
