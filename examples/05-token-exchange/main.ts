// Scenario 5 of the brief: token exchange over HTTPS. A user logs in at the token service (the
// authorization code flow with PKCE; the script fills in the login form over HTTP, as a browser
// would; the brief's password grant stays as a legacy variant) and calls order-processing over HTTPS; order-processing
// exchanges the user's token for an inventory token (RFC 8693; `act` records that it acts for the
// user) and calls inventory over HTTPS. The scope `place-order` is required all the way.
// A second identity provider (a partner's) is trusted for token exchange with a `subjectPrefix`:
// its `alice` reaches inventory as `partner-idp:alice` with a `sub_id` naming the partner, never
// as the token service's own `alice`.
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { createServer } from 'node:https';
import { generateKey, signJwt } from '@tessera/core';
import { startJwksServer } from '@tessera/cli';
import { createExampleCa } from '../internal/certificates.js';
import { check } from '../internal/check.js';
import { headlessBrowser } from '../internal/headless-browser.js';
import { httpCall } from '../internal/http-client.js';
import { closeServer, listen } from '../internal/listen.js';
import { tokenRequest } from '../internal/oauth-client.js';
import { runAsMain } from '../internal/run-as-main.js';
import { startTokenService } from '../internal/start-token-service.js';
import type { ExampleOptions, RunningExample } from '../types.js';
import { createInventory } from './inventory.js';
import { createOrderProcessing } from './order-processing.js';

/** The partner identity provider: its `iss`, and the prefix its subjects get in exchanged tokens. */
export const PARTNER_ISSUER = 'https://partner-idp.example';
export const PARTNER_SUBJECT_PREFIX = 'partner-idp:';

/** The web app's callback: registered, never served here (the script reads the code from the redirect). */
const CALLBACK = 'https://webapp.example/callback';

/**
 * Starts the token service over HTTPS (users alice and bob; the legacy password grant on; clients `webapp` and
 * `order-processing`, the partner identity provider trusted with `subjectPrefix: partner-idp:`),
 * inventory and order-processing over HTTPS, and the partner's JWKS.
 *
 * @example
 * ```ts
 * const example = await start();
 * await example.close();
 * ```
 */
export async function start(options: ExampleOptions = {}): Promise<RunningExample> {
  const webappSecret = randomBytes(24).toString('base64url');
  const opSecret = randomBytes(24).toString('base64url');
  const ca = await createExampleCa();
  const tsTls = await ca.issue('token-service');
  // The partner's identity provider is only its key and its JWKS here; its tokens are made below.
  const partnerKey = generateKey('ES256', { kid: 'partner-1' });
  const partnerJwks = await startJwksServer({
    jwks: { keys: [{ ...partnerKey.publicJwk, alg: 'ES256', use: 'sig' }] },
  });
  const ts = await startTokenService({
    server: { tls: { cert: tsTls.certFile, key: tsTls.keyFile } },
    grants: {
      tokenExchange: {
        // A subject of this issuer becomes `partner-idp:<sub>` (RFC 9493 `sub_id` keeps the original).
        trustedIssuers: [{ issuer: PARTNER_ISSUER, jwksUri: partnerJwks.url, subjectPrefix: PARTNER_SUBJECT_PREFIX }],
      },
      // The legacy variant of the brief: users' passwords sent by the app (RFC 9700 §2.4 says never).
      password: { enabled: true },
    },
    users: [
      {
        id: 'alice',
        username: 'alice',
        password: 'alice-demo-password',
        scopes: ['place-order', 'view-orders'],
        audiences: ['order-processing'],
      },
      {
        id: 'bob',
        username: 'bob',
        password: 'bob-demo-password',
        scopes: ['view-orders'],
        audiences: ['order-processing'],
      },
    ],
    clients: [
      {
        id: 'webapp',
        secret: webappSecret,
        firstParty: true,
        grantTypes: ['authorization_code', 'password'],
        redirectUris: [CALLBACK],
        audiences: ['order-processing'],
        scopes: ['place-order', 'view-orders'],
      },
      {
        id: 'order-processing',
        secret: opSecret,
        grantTypes: ['client_credentials', 'urn:ietf:params:oauth:grant-type:token-exchange'],
        audiences: ['inventory'],
        scopes: ['place-order'],
        exchange: {
          subjectAudiences: ['order-processing'],
          subjectIssuers: [PARTNER_ISSUER],
          targetAudiences: ['inventory'],
          delegation: true,
        },
      },
    ],
  });
  const tls = await ca.issue('localhost');
  const inventory = await createInventory({ issuer: ts.issuer, jwksUri: ts.jwksUri, tls, ca: ca.caCert });
  await inventory.app.listen({ host: '127.0.0.1', port: 0 });
  const inventoryUrl = `https://127.0.0.1:${(inventory.app.server.address() as { port: number }).port}`;
  const op = createOrderProcessing({
    tokenServiceUrl: ts.url,
    issuer: ts.issuer,
    jwksUri: ts.jwksUri,
    clientSecret: opSecret,
    inventoryUrl,
    ca: ca.caCert,
    partner: { issuer: PARTNER_ISSUER, jwksUri: partnerJwks.url },
  });
  const opServer = createServer(tls, op.app);
  const opUrl = await listen(opServer, options.port ?? 0, 'https');
  // The user logs in: authorization request with PKCE, the login form, the code for a token.
  const userToken = async (username: string, password: string, scope: string) => {
    const verifier = randomBytes(32).toString('base64url');
    const authorize = new URL('/authorize', ts.url);
    authorize.search = new URLSearchParams({
      response_type: 'code',
      client_id: 'webapp',
      redirect_uri: CALLBACK,
      scope,
      resource: 'order-processing',
      state: randomBytes(16).toString('base64url'),
      code_challenge: createHash('sha256').update(verifier).digest('base64url'),
      code_challenge_method: 'S256',
    }).toString();
    const browser = headlessBrowser({ ca: ca.caCert });
    const back = await browser.signIn(await browser.open(authorize.href), username, password, CALLBACK);
    const code = new URL(back.url).searchParams.get('code');
    if (code === null) throw new Error(`not signed in: ${back.status} ${back.url}`);
    return tokenRequest(
      ts.url,
      'webapp',
      webappSecret,
      { grant_type: 'authorization_code', code, redirect_uri: CALLBACK, code_verifier: verifier },
      ca.caCert,
    );
  };
  const legacyPasswordToken = (username: string, password: string, scope: string) =>
    tokenRequest(
      ts.url,
      'webapp',
      webappSecret,
      { grant_type: 'password', username, password, scope, audience: 'order-processing' },
      ca.caCert,
    );
  // A user token of the partner identity provider, for order-processing, with the scope it needs.
  const partnerToken = (sub: string) =>
    signJwt({ sub, aud: 'order-processing', scope: 'place-order', jti: randomUUID() }, partnerKey.signingKey, {
      issuer: PARTNER_ISSUER,
      expiresIn: 300,
    });
  const placeOrder = async (token?: string) => {
    const res = await httpCall(`${opUrl}/orders`, {
      method: 'POST',
      ca: ca.caCert,
      ...(token === undefined ? {} : { headers: { authorization: `Bearer ${token}` } }),
    });
    const body = res.json as
      | {
          status?: string;
          inventory?: { sub?: string; sub_id?: { iss?: string; sub?: string }; aud?: string; act?: { sub?: string } };
        }
      | undefined;
    const subId = body?.inventory?.sub_id;
    if (res.status === 201)
      return `201 ${body?.status}; inventory saw sub=${body?.inventory?.sub}${subId ? ` (sub_id: ${subId.sub} of ${subId.iss})` : ''} aud=${body?.inventory?.aud} act=${body?.inventory?.act?.sub}`;
    const error = /error="([^"]+)"/.exec(String(res.headers['www-authenticate']))?.[1];
    return `${res.status}${error ? ` ${error}` : ''}`;
  };
  return {
    id: '5',
    title: 'token exchange over HTTPS (order-processing → inventory)',
    urls: {
      'token service': ts.url,
      'order-processing': opUrl,
      inventory: inventoryUrl,
      'partner IdP JWKS': partnerJwks.url,
    },
    checks: [
      check(
        "POST order-processing /orders with alice's token (she logs in: code + PKCE, scope place-order)",
        '201 order created successfully; inventory saw sub=alice aud=inventory act=order-processing',
        async () => placeOrder(await userToken('alice', 'alice-demo-password', 'place-order')),
      ),
      check(
        "POST order-processing /orders with the partner IdP's token for its user alice",
        `201 order created successfully; inventory saw sub=${PARTNER_SUBJECT_PREFIX}alice (sub_id: alice of ${PARTNER_ISSUER}) aud=inventory act=order-processing`,
        () => placeOrder(partnerToken('alice')),
      ),
      check('POST order-processing /orders without a token', '401', () => placeOrder()),
      check("POST order-processing /orders with bob's token (no place-order)", '403 insufficient_scope', async () =>
        placeOrder(await userToken('bob', 'bob-demo-password', 'view-orders')),
      ),
      check("POST inventory /inventory/reserve directly with alice's token", '401 invalid_token', async () => {
        const res = await httpCall(`${inventoryUrl}/inventory/reserve`, {
          method: 'POST',
          ca: ca.caCert,
          headers: { authorization: `Bearer ${await userToken('alice', 'alice-demo-password', 'place-order')}` },
        });
        return `${res.status} ${/error="([^"]+)"/.exec(String(res.headers['www-authenticate']))?.[1] ?? ''}`;
      }),
      check(
        "POST order-processing /orders with alice's token from the legacy password grant",
        '201 order created successfully; inventory saw sub=alice aud=inventory act=order-processing',
        async () => placeOrder(await legacyPasswordToken('alice', 'alice-demo-password', 'place-order')),
      ),
      check('POST token service /token (password grant, wrong password)', 'refused: 400 invalid_grant', async () => {
        try {
          await legacyPasswordToken('alice', 'wrong', 'place-order');
          return 'issued';
        } catch (error) {
          return `refused: ${/refused: (\d+ \S+)/.exec((error as Error).message)?.[1] ?? (error as Error).message}`;
        }
      }),
    ],
    hints: [
      '# alice logs in with the authorization code flow: the same steps with curl are in docs/login.md;',
      '# the legacy password grant, in one line:',
      `TOKEN=$(curl -sk -u webapp:${webappSecret} -d grant_type=password -d username=alice -d password=alice-demo-password -d scope=place-order ${ts.url}/token | node -pe 'JSON.parse(require("fs").readFileSync(0)).access_token')`,
      `curl -k -X POST -H "Authorization: Bearer $TOKEN" ${opUrl}/orders`,
    ],
    async close() {
      await closeServer(opServer);
      await inventory.app.close();
      op.close();
      inventory.close();
      await ca.dispose();
      await ts.close();
      await partnerJwks.close();
    },
  };
}

runAsMain(import.meta.url, start);
