// The stack the gateway-login tests run: the token service as the provider, a gateway with Gloo's
// ExtAuthPolicy (as the brief writes it) on the web UI's route and a second policy on /admin, and
// an echo upstream that shows what it was sent.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { createTokenService, loadConfig } from '@tessera/token-service';
import { createGateway, loadGatewayConfig } from '@tessera/gateway';
import { freePort } from '../../../examples/index.js';
import { echoUpstream } from './orders-stack.js';

const silent = pino({ level: 'silent' });
/** The person who logs in. */
export const alice = { username: 'alice', password: 'alice-password-123' };

/** Where the gateway keeps sessions. */
export type SessionMode = 'cookie' | 'redis';

/** The test Redis, when set. */
export const redisUrl = process.env['TESSERA_TEST_REDIS_URL'];

function sessionYaml(mode: SessionMode): string {
  if (mode === 'cookie')
    return `            session:
              cipherConfig:
                keyRef:
                  name: webui-cookie-key
                  namespace: default`;
  // (maxAge bounds what the test leaves in the shared Redis.)
  return `            session:
              cookieOptions:
                maxAge: 600
              redis:
                keyPrefix: "tessera-test-${Date.now()}-${process.pid}:"
                options:
                  host: "${new URL(redisUrl!).host}"
              cipherConfig:
                keyRef:
                  name: webui-cookie-key
                  namespace: default`;
}

function extAuthPolicy(appUrl: string, issuer: string, mode: SessionMode): string {
  return `apiVersion: security.policy.gloo.solo.io/v2
kind: ExtAuthPolicy
metadata:
  name: webui-login
  namespace: default
spec:
  applyToRoutes:
    - route:
        labels:
          oauth: "true"
  config:
    glooAuth:
      configs:
      - oauth2:
          oidcAuthorizationCode:
            appUrl: ${appUrl}
            callbackPath: /callback
            clientId: webui-gateway
            clientSecretRef:
              name: webui-client-secret
              namespace: default
            issuerUrl: ${issuer}
            scopes:
            - openid
            - profile
            logoutPath: /logout
            headers:
              idTokenHeader: "jwt"
              accessTokenHeader: "my_access_token"
            identityToken:
              claimsToHeaders:
                - claim: name
                  header: x-name
${sessionYaml(mode)}
    server:
      name: webui
---
apiVersion: security.policy.gloo.solo.io/v2
kind: ExtAuthPolicy
metadata:
  name: admin-login
  namespace: default
spec:
  applyToRoutes:
    - route:
        labels:
          oauth: admin
  config:
    glooAuth:
      configs:
      - oauth2:
          oidcAuthorizationCode:
            appUrl: ${appUrl}
            callbackPath: /admin/callback
            clientId: webui-gateway
            clientSecretRef:
              name: webui-client-secret
              namespace: default
            issuerUrl: ${issuer}
            scopes: [openid]
            headers:
              idTokenHeader: "jwt"
${sessionYaml(mode)}
---
apiVersion: security.istio.io/v1
kind: RequestAuthentication
metadata:
  name: webui
  namespace: default
spec:
  selector:
    matchLabels:
      app: webui
  jwtRules:
    - issuer: "${issuer}"
      jwksUri: "${issuer}/.well-known/jwks.json"
      audiences: ["backend-api"]
---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata:
  name: signed-in-only
  namespace: default
spec:
  selector:
    matchLabels:
      app: webui
  action: ALLOW
  rules:
    - from:
        - source:
            requestPrincipals: ["*"]
`;
}

/** Runs `fn` against a fresh stack, closed after. */
export async function withStack(
  mode: SessionMode,
  fn: (s: { appUrl: string; ts: ReturnType<typeof createTokenService>; adminToken: string }) => Promise<void>,
  options: { readonly backchannel?: boolean } = {},
): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-gw-login-'));
  const upstream = await echoUpstream();
  const port = await freePort();
  const appUrl = `http://127.0.0.1:${port}`;
  const ts = createTokenService(
    loadConfig({
      object: {
        server: { host: '127.0.0.1', port: 0 },
        storage: { type: 'file', dataDir: join(dir, 'ts') },
        rateLimit: { enabled: false },
        users: [{ id: 'u-alice', ...alice, name: 'Alice Liddell' }],
        clients: [
          {
            id: 'webui-gateway',
            secret: 'webui-gateway-secret-0123456789',
            firstParty: true,
            grantTypes: ['authorization_code', 'refresh_token'],
            redirectUris: [`${appUrl}/callback`, `${appUrl}/admin/callback`],
            postLogoutRedirectUris: [`${appUrl}/`],
            ...(options.backchannel === false ? {} : { backchannelLogoutUri: `${appUrl}/callback/backchannel-logout` }),
            audiences: ['backend-api'],
            tokenLifetimeSeconds: 4,
          },
        ],
      },
    }),
    { logger: silent },
  );
  await ts.listen();
  const secrets = join(dir, 'secrets');
  mkdirSync(join(secrets, 'default', 'webui-client-secret'), { recursive: true });
  writeFileSync(join(secrets, 'default', 'webui-client-secret', 'client-secret'), 'webui-gateway-secret-0123456789\n');
  mkdirSync(join(secrets, 'default', 'webui-cookie-key'), { recursive: true });
  writeFileSync(join(secrets, 'default', 'webui-cookie-key', 'key'), 'a sealing key for the tests\n');
  mkdirSync(join(dir, 'policies'));
  writeFileSync(join(dir, 'policies', 'webui.yaml'), extAuthPolicy(appUrl, ts.issuer, mode));
  const gateway = createGateway(
    loadGatewayConfig({
      object: {
        listeners: [{ name: 'main', host: '127.0.0.1', port }],
        admin: { enabled: false },
        secretsDir: secrets,
        routes: [
          // Another login (another ExtAuthPolicy) on /admin: a web UI session is no session there.
          {
            name: 'admin',
            pathPrefix: '/admin',
            upstream: upstream.url,
            labels: { app: 'webui' },
            routeLabels: { oauth: 'admin' },
          },
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
    { logger: silent },
  );
  await gateway.listen();
  try {
    await fn({ appUrl, ts, adminToken: ts.adminToken });
  } finally {
    await gateway.close();
    await ts.close();
    await upstream.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** What the echo upstream saw. */
export function seen(html: string): { url: string; headers: Record<string, string> } {
  return JSON.parse(html) as { url: string; headers: Record<string, string> };
}
