// Scenario 002 of the brief, the web UI's login, with Tessera as the identity provider (Auth0 in
// the brief): a person signs in to the web UI (authorization code + PKCE, openid-client), and the
// web UI calls backend-api with the user's access token (aud: backend-api). backend-api's sidecar
// (the Tessera gateway, over mutual TLS) enforces the brief's policies in steps:
//   step 1: allow nothing;
//   step 2: the web UI's workload identity may call backend-api;
//   step 3: the web UI's identity AND a user's token from the token service (RequestAuthentication).
// Signing out ends the session at the provider, which tells the web UI over the back channel and
// puts the user's access token on the revocation feed that the sidecar follows.
import { readFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createExampleCa } from '../internal/certificates.js';
import { headlessBrowser, type HeadlessPage } from '../internal/headless-browser.js';
import { httpCall } from '../internal/http-client.js';
import { closeServer, listen } from '../internal/listen.js';
import { policySteps } from '../internal/policy-steps.js';
import { runAsMain } from '../internal/run-as-main.js';
import { startGateway } from '../internal/start-gateway.js';
import { startTokenService } from '../internal/start-token-service.js';
import type { ExampleOptions, RunningExample } from '../types.js';
import { createBackendApi } from './backend-api.js';
import { createWebUi } from './webui.js';

const policyDir = new URL('./policies/', import.meta.url);
const WEBUI = 'spiffe://cluster.local/ns/default/sa/webui';
/** The demo user; in a real deployment people and their passwords come from the admin API. */
const ALICE = { username: 'alice', password: 'alice-example-password' };
const WEBUI_SECRET = 'webui-example-secret-0123456789';
const SIDECAR_SECRET = 'sidecar-example-secret-0123456789';

/** The policy files in force at each step (step 3's allow-webui-to-backend replaces step 2's). */
const steps: Readonly<Record<number, readonly string[]>> = {
  1: ['1-allow-nothing.yaml'],
  2: ['1-allow-nothing.yaml', '2-allow-webui-to-backend.yaml'],
  3: ['1-allow-nothing.yaml', '3-require-user-token.yaml'],
};

/** What the web UI's page says: who is signed in, and backend-api's answer. */
function describe(page: HeadlessPage): string {
  const who = /id="who">([^<]*)</.exec(page.html)?.[1] ?? `(no page: ${page.status})`;
  const backend = /id="backend">backend-api: <code>([^<]*)</.exec(page.html)?.[1] ?? '?';
  return `${who} · backend-api: ${backend.replaceAll('&#58;', ':')}`;
}

/**
 * Starts the token service (user alice, client webui), backend-api behind its sidecar gateway
 * (mTLS listener, policies in steps, the revocation feed followed as a stream) and the web UI; the
 * checks sign alice in headlessly (the login form filled over HTTP), then out.
 *
 * @example
 * ```ts
 * const example = await start();
 * await example.close();
 * ```
 */
export async function start(options: ExampleOptions = {}): Promise<RunningExample> {
  const ca = await createExampleCa();
  const dir = await mkdtemp(join(tmpdir(), 'tessera-example-web-login-'));
  const cleanups: (() => Promise<void>)[] = [async () => ca.dispose(), () => rm(dir, { recursive: true, force: true })];
  const closeAll = async () => {
    for (const c of cleanups.reverse()) await c().catch(() => undefined);
  };
  try {
    const [sidecarCert, webuiCert] = await Promise.all([ca.issue('backend-api'), ca.issue('webui', { uris: [WEBUI] })]);
    await writeFile(join(dir, 'sidecar.crt'), sidecarCert.cert);
    await writeFile(join(dir, 'sidecar.key'), sidecarCert.key, { mode: 0o600 });
    await writeFile(join(dir, 'ca.crt'), ca.caCert);

    // The web UI listens first: its URL goes into the client's redirect URIs.
    const webui = createWebUi();
    const webuiUrl = await listen(webui.server, options.port ?? 0);
    cleanups.push(() => closeServer(webui.server));
    const backend = createBackendApi();
    const backendUrl = await listen(backend);
    cleanups.push(() => closeServer(backend));

    const ts = await startTokenService({
      users: [{ id: 'u-alice', ...ALICE, name: 'Alice Liddell', email: 'alice@example.test', groups: ['staff'] }],
      clients: [
        {
          id: 'webui',
          secret: WEBUI_SECRET,
          firstParty: true,
          grantTypes: ['authorization_code'],
          redirectUris: [`${webuiUrl}/callback`],
          postLogoutRedirectUris: [`${webuiUrl}/`],
          backchannelLogoutUri: `${webuiUrl}/backchannel-logout`,
          audiences: ['backend-api'],
        },
        // The sidecar reads the revocation feed with its own client.
        { id: 'backend-sidecar', secret: SIDECAR_SECRET, grantTypes: [], revocations: true },
        // A workload with a token for another audience (it must not open backend-api).
        { id: 'reports', secret: 'reports-example-secret-0123456789', audiences: ['reports'] },
      ],
    });
    cleanups.push(() => ts.close());

    const policyFiles = async (step: number): Promise<Record<string, string>> => {
      const files: Record<string, string> = {};
      for (const name of steps[step]!) {
        const text = await readFile(new URL(name, policyDir), 'utf8');
        files[name] = text
          .replaceAll('http://token-service.example/.well-known/jwks.json', ts.jwksUri)
          .replaceAll('http://token-service.example', ts.issuer);
      }
      return files;
    };
    const sidecar = await startGateway(
      {
        listeners: [
          {
            name: 'main',
            host: '127.0.0.1',
            port: 0,
            tls: {
              cert: join(dir, 'sidecar.crt'),
              key: join(dir, 'sidecar.key'),
              clientCa: join(dir, 'ca.crt'),
              requestCert: true,
            },
          },
        ],
        // Express matches routes without regard to case: so do the policies here.
        routes: [
          {
            name: 'backend-api',
            pathPrefix: '/',
            upstream: backendUrl,
            labels: { app: 'backend-api' },
            caseInsensitivePaths: true,
          },
        ],
        tokenService: {
          url: ts.url,
          clientId: 'backend-sidecar',
          clientSecret: SIDECAR_SECRET,
          revocationsMode: 'stream',
        },
      },
      await policyFiles(1),
    );
    cleanups.push(() => sidecar.close());
    await webui.connect({
      issuer: ts.issuer,
      clientId: 'webui',
      clientSecret: WEBUI_SECRET,
      backendUrl: `${sidecar.url}/data`,
      tls: { ca: ca.caCert, cert: webuiCert.cert, key: webuiCert.key },
    });

    const stepCheck = policySteps(async (step) => sidecar.setPolicies(await policyFiles(step)));
    const browser = headlessBrowser();
    /** backend-api through its sidecar, as the web UI (its certificate) with this token. */
    const asWebUi = async (path: string, token: string | undefined) => {
      const res = await httpCall(`${sidecar.url}${path}`, {
        ca: ca.caCert,
        cert: webuiCert.cert,
        key: webuiCert.key,
        ...(token === undefined ? {} : { headers: { authorization: `Bearer ${token}` } }),
      });
      return `${res.status} ${res.text.trim()}`;
    };
    let aliceToken: string | undefined;
    const denied = '403 RBAC: access denied';
    return {
      id: '9',
      title: 'web UI login (Tessera as the identity provider) and backend-api behind its sidecar',
      urls: { webui: webuiUrl, 'token service': ts.url, 'backend-api sidecar': sidecar.url, 'backend-api': backendUrl },
      checks: [
        stepCheck(1, 'GET webui / (signed out)', `You are not signed in. · backend-api: ${denied}`, async () =>
          describe(await browser.open(`${webuiUrl}/`)),
        ),
        stepCheck(2, 'GET webui / (signed out)', 'You are not signed in. · backend-api: 200 user=anonymous', async () =>
          describe(await browser.open(`${webuiUrl}/`)),
        ),
        stepCheck(3, 'GET webui / (signed out)', `You are not signed in. · backend-api: ${denied}`, async () =>
          describe(await browser.open(`${webuiUrl}/`)),
        ),
        stepCheck(
          3,
          'GET webui /login → sign in as alice at the token service',
          'Hello, Alice Liddell · backend-api: 200 user=u-alice',
          async () => {
            const login = await browser.open(`${webuiUrl}/login`);
            const home = await browser.signIn(login, ALICE.username, ALICE.password);
            aliceToken = webui.currentAccessToken();
            return describe(home);
          },
        ),
        stepCheck(3, "webui → backend-api /ADMIN with alice's token", denied, () => asWebUi('/ADMIN', aliceToken)),
        stepCheck(
          3,
          'webui → backend-api with a token for another audience',
          '401 Audiences in Jwt are not allowed',
          async () => {
            const res = await httpCall(`${ts.url}/token`, {
              method: 'POST',
              headers: {
                'content-type': 'application/x-www-form-urlencoded',
                authorization: `Basic ${Buffer.from('reports:reports-example-secret-0123456789').toString('base64')}`,
              },
              body: 'grant_type=client_credentials',
            });
            return asWebUi('/data', (res.json as { access_token: string }).access_token);
          },
        ),
        stepCheck(
          3,
          'GET webui /logout (signed out at the provider too)',
          'You are not signed in. · backend-api: ' + denied,
          async () => describe(await browser.open(`${webuiUrl}/logout`)),
        ),
        stepCheck(3, 'back-channel logouts the web UI received', '1', () =>
          Promise.resolve(String(webui.backchannelLogouts())),
        ),
        stepCheck(
          3,
          "webui → backend-api with alice's token from before the logout (revoked on the feed)",
          '401 Jwt verification fails',
          async () => {
            // The sidecar follows the feed as a stream: the revocation lands within a second.
            let answer = await asWebUi('/data', aliceToken);
            for (let waited = 0; answer.startsWith('200') && waited < 2000; waited += 50) {
              await new Promise((resolve) => setTimeout(resolve, 50));
              answer = await asWebUi('/data', aliceToken);
            }
            return answer;
          },
        ),
      ],
      hints: [
        `open ${webuiUrl}/ in a browser and sign in as ${ALICE.username} / ${ALICE.password}`,
        `the provider's metadata: curl ${ts.issuer}/.well-known/openid-configuration`,
        'the steps are the YAML files in examples/09-web-login/policies/',
      ],
      close: closeAll,
    };
  } catch (error) {
    await closeAll();
    throw error;
  }
}

runAsMain(import.meta.url, start);
