// Scenario 002's end, with Tessera alone: the ingress gateway logs people in (Gloo's ExtAuthPolicy,
// unchanged, with the Tessera token service as the identity provider), and the web UI behind it
// implements no auth: it shows the `x-name` header it gets and calls backend-api with the access
// token the gateway hands it (`my_access_token`). Both workloads sit behind sidecars (the Tessera
// gateway over mutual TLS) that enforce the brief's policy steps:
//   step 1: allow-nothing;
//   step 2: + allow-ingress-gateway (the ingress gateway's SPIFFE identity may call the web UI);
//   step 3: + allow-webui-to-backend (the web UI's identity AND a user's token for backend-api).
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createExampleCa } from '../internal/certificates.js';
import { freePort } from '../internal/free-port.js';
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
const INGRESS = 'spiffe://cluster.local/ns/gloo-mesh-gateways/sa/istio-ingressgateway-1-18-3-service-account';
const WEBUI = 'spiffe://cluster.local/ns/default/sa/webui';
const ALICE = { username: 'alice', password: 'alice-example-password' };
const CLIENT_SECRET = 'webui-gateway-example-secret-0123456789';

/** The sidecars' policy files at each step. */
const steps: Readonly<Record<number, readonly string[]>> = {
  1: ['1-allow-nothing.yaml'],
  2: ['1-allow-nothing.yaml', '2-allow-ingress-gateway.yaml'],
  3: ['1-allow-nothing.yaml', '2-allow-ingress-gateway.yaml', '3-allow-webui-to-backend.yaml'],
};

/** What the web UI's page says: who the gateway says is signed in, and backend-api's answer. */
function describe(page: HeadlessPage): string {
  const who = /id="who">([^<]*)</.exec(page.html)?.[1];
  if (who === undefined) return `${page.status} ${page.html.trim().slice(0, 60)}`;
  const backend = /id="backend">backend-api: <code>([^<]*)</.exec(page.html)?.[1] ?? '?';
  return `${who} · backend-api: ${backend}`;
}

/**
 * Starts the token service, backend-api and the web UI with their sidecars, and the ingress
 * gateway that logs people in; the checks sign alice in headlessly through the policy steps.
 *
 * @example
 * ```ts
 * const example = await start();
 * await example.close();
 * ```
 */
export async function start(options: ExampleOptions = {}): Promise<RunningExample> {
  const ca = await createExampleCa();
  const dir = await mkdtemp(join(tmpdir(), 'tessera-example-gw-login-'));
  const cleanups: (() => Promise<void>)[] = [async () => ca.dispose(), () => rm(dir, { recursive: true, force: true })];
  const closeAll = async () => {
    for (const c of cleanups.reverse()) await c().catch(() => undefined);
  };
  try {
    const [ingressCert, webuiCert, webuiSidecarCert, backendSidecarCert] = await Promise.all([
      ca.issue('ingress', { uris: [INGRESS] }),
      ca.issue('webui', { uris: [WEBUI] }),
      ca.issue('webui-sidecar'),
      ca.issue('backend-sidecar'),
    ]);
    await writeFile(join(dir, 'ca.crt'), ca.caCert);
    const port = options.port ?? (await freePort());
    const appUrl = `http://127.0.0.1:${port}`;
    const ts = await startTokenService({
      users: [{ id: 'u-alice', ...ALICE, name: 'Alice Liddell', profile: { nickname: 'alice' } }],
      clients: [
        {
          id: 'webui',
          secret: CLIENT_SECRET,
          firstParty: true,
          grantTypes: ['authorization_code', 'refresh_token'],
          redirectUris: [`${appUrl}/callback`],
          postLogoutRedirectUris: [`${appUrl}/`],
          backchannelLogoutUri: `${appUrl}/callback/backchannel-logout`,
          audiences: ['backend-api'],
          ...(options.accessTokenSeconds === undefined ? {} : { tokenLifetimeSeconds: options.accessTokenSeconds }),
        },
      ],
    });
    cleanups.push(() => ts.close());
    const substitute = (text: string) =>
      text
        .replaceAll('http://token-service.example/.well-known/jwks.json', ts.jwksUri)
        .replaceAll('http://token-service.example', ts.issuer)
        .replaceAll('http://webui.example', appUrl);
    const policyFiles = async (names: readonly string[]) => {
      const files: Record<string, string> = {};
      for (const name of names) files[name] = substitute(await readFile(new URL(name, policyDir), 'utf8'));
      return files;
    };
    const sidecar = async (name: string, cert: { certFile: string; keyFile: string }, upstream: string, app: string) =>
      startGateway(
        {
          listeners: [
            {
              name: 'main',
              host: '127.0.0.1',
              port: 0,
              tls: { cert: cert.certFile, key: cert.keyFile, clientCa: join(dir, 'ca.crt'), requestCert: true },
            },
          ],
          routes: [{ name, pathPrefix: '/', upstream, labels: { app } }],
        },
        await policyFiles(steps[1]!),
      );

    const backend = createBackendApi();
    const backendUrl = await listen(backend);
    cleanups.push(() => closeServer(backend));
    const backendSidecar = await sidecar('backend-api', backendSidecarCert, backendUrl, 'backend-api');
    cleanups.push(() => backendSidecar.close());
    const webui = createWebUi(() => ({
      url: `${backendSidecar.url}/data`,
      tls: { ca: ca.caCert, cert: webuiCert.cert, key: webuiCert.key },
    }));
    const webuiUrl = await listen(webui);
    cleanups.push(() => closeServer(webui));
    const webuiSidecar = await sidecar('webui', webuiSidecarCert, webuiUrl, 'webui');
    cleanups.push(() => webuiSidecar.close());

    // The ingress gateway: the login (ExtAuthPolicy) and mTLS towards the web UI's sidecar.
    const secrets = join(dir, 'secrets', 'default');
    for (const [name, key, value] of [
      ['webui-client-secret', 'client-secret', CLIENT_SECRET],
      ['webui-session-key', 'key', 'the example session sealing key'],
    ] as const) {
      await mkdir(join(secrets, name), { recursive: true });
      await writeFile(join(secrets, name, key), value, { mode: 0o600 });
    }
    const ingress = await startGateway(
      {
        listeners: [{ name: 'main', host: '127.0.0.1', port }],
        secretsDir: join(dir, 'secrets'),
        routes: [
          {
            name: 'webui',
            pathPrefix: '/',
            upstream: webuiSidecar.url,
            labels: { app: 'ingress-webui' },
            routeLabels: { oauth: 'true' },
            upstreamTls: { ca: join(dir, 'ca.crt'), cert: ingressCert.certFile, key: ingressCert.keyFile },
          },
        ],
      },
      await policyFiles(['ingress-ext-auth.yaml', 'ingress-signed-in.yaml']),
    );
    cleanups.push(() => ingress.close());

    const stepCheck = policySteps(async (step) => {
      const files = await policyFiles(steps[step]!);
      await Promise.all([webuiSidecar.setPolicies(files), backendSidecar.setPolicies(files)]);
    });
    const browser = headlessBrowser();
    const denied = '403 RBAC: access denied';
    return {
      id: '10',
      title: 'the gateway logs people in (ExtAuthPolicy) for a web UI with no auth',
      urls: {
        'ingress gateway (open in a browser)': appUrl,
        'token service': ts.url,
        'web UI sidecar': webuiSidecar.url,
        'backend-api sidecar': backendSidecar.url,
      },
      checks: [
        stepCheck(1, 'GET ingress / (page) → the provider\u2019s login page', 'Sign in · Tessera', async () => {
          const page = await browser.open(`${appUrl}/`);
          return /<title>([^<]*)<\/title>/.exec(page.html)?.[1]?.replace('&#183;', '·') ?? `${page.status}`;
        }),
        stepCheck(1, 'sign in as alice → back at the web UI', denied, async () => {
          const login = await browser.open(`${appUrl}/`);
          return describe(await browser.signIn(login, ALICE.username, ALICE.password));
        }),
        stepCheck(2, 'GET ingress / (signed in)', `Hello, Alice Liddell · backend-api: ${denied}`, async () =>
          describe(await browser.open(`${appUrl}/`)),
        ),
        stepCheck(3, 'GET ingress / (signed in)', 'Hello, Alice Liddell · backend-api: 200 user=u-alice', async () =>
          describe(await browser.open(`${appUrl}/`)),
        ),
        stepCheck(3, 'GET ingress /api without a session (not a page)', '401 login required', async () => {
          const res = await httpCall(`${appUrl}/api`);
          return `${res.status} ${res.text.trim()}`;
        }),
        stepCheck(
          3,
          'GET ingress / with a forged x-name header',
          'Hello, Alice Liddell · backend-api: 200 user=u-alice',
          async () => {
            const cookie = [...browser.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
            const res = await httpCall(`${appUrl}/`, { headers: { cookie, 'x-name': 'Mallory' } });
            return describe({ url: appUrl, status: res.status, html: res.text });
          },
        ),
        stepCheck(3, 'GET ingress /logout → signed out at the provider too', 'Sign in · Tessera', async () => {
          const page = await browser.open(`${appUrl}/logout`);
          return /<title>([^<]*)<\/title>/.exec(page.html)?.[1]?.replace('&#183;', '·') ?? `${page.status}`;
        }),
      ],
      hints: [
        `open ${appUrl}/ in a browser and sign in as ${ALICE.username} / ${ALICE.password}`,
        'the ExtAuthPolicy and the policy steps are the YAML files in examples/10-gateway-login/policies/',
      ],
      close: closeAll,
    };
  } catch (error) {
    await closeAll();
    throw error;
  }
}

runAsMain(import.meta.url, start);
