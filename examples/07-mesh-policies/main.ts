// Scenario 7 of the brief: Istio mesh policies in steps, enforced by the Tessera gateway acting as
// the workloads' sidecar over mutual TLS. Callers are told apart by the SPIFFE identity in their
// client certificate (ingress gateway, web UI); users by a JWT from a trusted issuer.
//   step 1: allow-nothing → everything is refused;
//   step 2: + allow the ingress gateway to call the web UI;
//   step 3: + allow the web UI to call the backend;
//   step 4: the backend also needs a valid user token (RequestAuthentication + requestPrincipals).
import { readFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateKey, signJwt, toPublicJwk } from '@tessera/core';
import { startJwksServer } from '@tessera/cli';
import { createExampleCa, type IssuedCertificate } from '../internal/certificates.js';
import { httpCall } from '../internal/http-client.js';
import { closeServer, listen } from '../internal/listen.js';
import { policySteps } from '../internal/policy-steps.js';
import { runAsMain } from '../internal/run-as-main.js';
import { startGateway } from '../internal/start-gateway.js';
import type { ExampleOptions, RunningExample } from '../types.js';
import { createEchoService } from './echo-service.js';

const policyDir = new URL('./policies/', import.meta.url);
const INGRESS = 'spiffe://cluster.local/ns/istio-system/sa/istio-ingressgateway-service-account';
const WEBUI = 'spiffe://cluster.local/ns/default/sa/webui';

/** The policy files in force at each step (step 4's allow-webui-to-backend replaces step 3's). */
const steps: Readonly<Record<number, readonly string[]>> = {
  1: ['1-allow-nothing.yaml'],
  2: ['1-allow-nothing.yaml', '2-allow-ingress-gateway.yaml'],
  3: ['1-allow-nothing.yaml', '2-allow-ingress-gateway.yaml', '3-allow-webui-to-backend.yaml'],
  4: ['1-allow-nothing.yaml', '2-allow-ingress-gateway.yaml', '4-require-user-token.yaml'],
};

/**
 * Starts the web UI and backend workloads, a user-token issuer (a JWKS server), and the gateway
 * with an mTLS listener; the checks walk through the four steps, reloading the policies as they go.
 *
 * @example
 * ```ts
 * const example = await start();
 * await example.close();
 * ```
 */
export async function start(options: ExampleOptions = {}): Promise<RunningExample> {
  const ca = await createExampleCa();
  const dir = await mkdtemp(join(tmpdir(), 'tessera-example-mesh-'));
  const cleanups: (() => Promise<void>)[] = [async () => ca.dispose(), () => rm(dir, { recursive: true, force: true })];
  const closeAll = async () => {
    for (const c of cleanups.reverse()) await c().catch(() => undefined);
  };
  try {
    const [gatewayCert, ingress, webui] = await Promise.all([
      ca.issue('gateway'),
      ca.issue('ingress', { uris: [INGRESS] }),
      ca.issue('webui', { uris: [WEBUI] }),
    ]);
    await writeFile(join(dir, 'gateway.crt'), gatewayCert.cert);
    await writeFile(join(dir, 'gateway.key'), gatewayCert.key, { mode: 0o600 });
    await writeFile(join(dir, 'ca.crt'), ca.caCert);

    // The users' identity provider (Auth0 in the brief): a signing key and its JWKS server.
    const userKey = generateKey('RS256', { kid: 'users-1' });
    const jwks = await startJwksServer({ jwks: { keys: [toPublicJwk(userKey.signingKey)] } });
    cleanups.push(() => jwks.close());
    const userIssuer = `${jwks.origin}/`;
    const userToken = (issuerKey = userKey.signingKey, iss = userIssuer) =>
      signJwt({}, issuerKey, { issuer: iss, subject: 'alice', audience: 'https://webui', expiresIn: 300 });
    const otherIssuer = generateKey('RS256', { kid: 'elsewhere' });
    // Same kid as the real key, different key: only the signature can tell.
    const impostor = generateKey('RS256', { kid: 'users-1' });

    const webuiService = createEchoService('webui');
    const backendService = createEchoService('backend-api');
    const webuiUrl = await listen(webuiService);
    cleanups.push(() => closeServer(webuiService));
    const backendUrl = await listen(backendService);
    cleanups.push(() => closeServer(backendService));

    const policyFiles = async (step: number): Promise<Record<string, string>> => {
      const files: Record<string, string> = {};
      for (const name of steps[step]!) {
        const text = await readFile(new URL(name, policyDir), 'utf8');
        files[name] = text
          .replaceAll('https://auth.example/.well-known/jwks.json', jwks.url)
          .replaceAll('https://auth.example/', userIssuer);
      }
      return files;
    };
    const gw = await startGateway(
      {
        listeners: [
          {
            name: 'main',
            host: '127.0.0.1',
            port: options.port ?? 0,
            tls: {
              cert: join(dir, 'gateway.crt'),
              key: join(dir, 'gateway.key'),
              clientCa: join(dir, 'ca.crt'),
              requestCert: true,
            },
          },
        ],
        routes: [
          { name: 'webui', pathPrefix: '/webui', upstream: webuiUrl, labels: { app: 'webui' } },
          { name: 'backend-api', pathPrefix: '/backend', upstream: backendUrl, labels: { app: 'backend-api' } },
        ],
      },
      await policyFiles(1),
    );
    cleanups.push(() => gw.close());

    const stepCheck = policySteps(async (step) => gw.setPolicies(await policyFiles(step)));
    const call = async (client: IssuedCertificate | undefined, path: string, token?: string) => {
      const res = await httpCall(`${gw.url}${path}`, {
        ca: ca.caCert,
        ...(client === undefined ? {} : { cert: client.cert, key: client.key }),
        ...(token === undefined ? {} : { headers: { authorization: `Bearer ${token}` } }),
      });
      return res.status === 200
        ? `200 ${(res.json as { service?: string }).service}`
        : `${res.status} ${res.text.trim()}`;
    };
    const denied = '403 RBAC: access denied';
    return {
      id: '7',
      title: 'mesh policies in steps (mTLS and request principals)',
      urls: { gateway: gw.url, webui: webuiUrl, 'backend-api': backendUrl, 'user JWKS': jwks.url },
      checks: [
        stepCheck(1, 'ingress → webui', denied, () => call(ingress, '/webui/')),
        stepCheck(1, 'webui → backend-api', denied, () => call(webui, '/backend/data')),
        stepCheck(2, 'ingress → webui', '200 webui', () => call(ingress, '/webui/')),
        stepCheck(2, 'webui → backend-api', denied, () => call(webui, '/backend/data')),
        stepCheck(3, 'webui → backend-api', '200 backend-api', () => call(webui, '/backend/data')),
        stepCheck(3, 'ingress → backend-api', denied, () => call(ingress, '/backend/data')),
        stepCheck(3, 'no client certificate → webui', denied, () => call(undefined, '/webui/')),
        stepCheck(4, 'webui → backend-api, no user token', denied, () => call(webui, '/backend/data')),
        stepCheck(4, "webui → backend-api, alice's token", '200 backend-api', () =>
          call(webui, '/backend/data', userToken()),
        ),
        stepCheck(4, 'webui → backend-api, token of an untrusted issuer', '401 Jwt issuer is not configured', () =>
          call(webui, '/backend/data', userToken(otherIssuer.signingKey, 'https://elsewhere.example/')),
        ),
        stepCheck(
          4,
          'webui → backend-api, token signed by an impostor key (same kid)',
          '401 Jwt verification fails',
          () => call(webui, '/backend/data', userToken(impostor.signingKey)),
        ),
        stepCheck(
          4,
          'webui → backend-api, token with an unknown kid',
          "401 Jwks doesn't have key to match kid or alg from Jwt",
          () => call(webui, '/backend/data', userToken(otherIssuer.signingKey)),
        ),
        stepCheck(4, "ingress → backend-api, alice's token", denied, () => call(ingress, '/backend/data', userToken())),
      ],
      hints: [
        'the steps are the YAML files in examples/07-mesh-policies/policies/; try them offline:',
        'node packages/cli/bin/tessera.js policy check --policies examples/07-mesh-policies/policies/1-allow-nothing.yaml --policies examples/07-mesh-policies/policies/2-allow-ingress-gateway.yaml --label app=webui --path / --peer-principal cluster.local/ns/istio-system/sa/istio-ingressgateway-service-account',
      ],
      close: closeAll,
    };
  } catch (error) {
    await closeAll();
    throw error;
  }
}

runAsMain(import.meta.url, start);
