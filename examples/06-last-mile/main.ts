// Scenario 6 of the brief: last-mile security. A client authenticates at the token service with
// OAuth client credentials and calls the Sports API through the gateway; the gateway checks that
// token, then mints its own short-lived JWT for the `fancave-teams` backend, which accepts only
// tokens from the gateway's issuer (its JWKS). Calling the backend without such a token: 401.
import { randomBytes } from 'node:crypto';
// The teams backend and the policy are the ones `tessera up` runs (packages/cli/src/up/).
import { createTeamsBackend, lastMilePolicies } from '@tessera/cli/up';
import { check } from '../internal/check.js';
import { httpCall } from '../internal/http-client.js';
import { closeServer, listen } from '../internal/listen.js';
import { clientCredentialsToken } from '../internal/oauth-client.js';
import { runAsMain } from '../internal/run-as-main.js';
import { startGateway } from '../internal/start-gateway.js';
import { startTokenService } from '../internal/start-token-service.js';
import type { ExampleOptions, RunningExample } from '../types.js';

/** The gateway's `iss` for the tokens it mints (the brief used an e-mail-like issuer). */
export const GATEWAY_ISSUER = 'https://gateway.tessera.example';

/**
 * What the gateway puts before the `sub` of the token service's callers in the tokens it mints
 * (`minting.subjectPrefixes`): the backend sees `tessera:sports-app`, and `sub_id` names the
 * token service as the issuer that authenticated it.
 */
export const TOKEN_SERVICE_SUBJECT_PREFIX = 'tessera:';

/**
 * Starts the token service (client `sports-app`), the teams backend and the gateway (route
 * `/api/team` → backend, minting a token for audience `fancave-teams`).
 *
 * @example
 * ```ts
 * const example = await start();
 * await example.close();
 * ```
 */
export async function start(options: ExampleOptions = {}): Promise<RunningExample> {
  const secret = randomBytes(24).toString('base64url');
  const ts = await startTokenService({
    clients: [{ id: 'sports-app', secret, audiences: ['sports-api'], scopes: ['sports'] }],
  });
  const backend = createTeamsBackend();
  const backendUrl = await listen(backend.server);
  const gw = await startGateway(
    {
      listeners: [{ name: 'main', host: '127.0.0.1', port: options.port ?? 0 }],
      routes: [
        {
          name: 'teams',
          pathPrefix: '/api/team',
          upstream: backendUrl,
          labels: { app: 'fancave-teams' },
          mutations: { mint: { mode: 'self', audience: 'fancave-teams', lifetimeSeconds: 60 } },
        },
      ],
      minting: { issuer: GATEWAY_ISSUER, subjectPrefixes: { [ts.issuer]: TOKEN_SERVICE_SUBJECT_PREFIX } },
    },
    lastMilePolicies(ts.issuer, ts.jwksUri),
  );
  backend.trust({ issuer: GATEWAY_ISSUER, jwksUri: `${gw.url}/.well-known/jwks.json` });
  const list = '/api/team/list?league=nba';
  const clientToken = () =>
    clientCredentialsToken(ts.url, 'sports-app', secret, { audience: 'sports-api', scope: 'sports' });
  return {
    id: '6',
    title: 'last-mile security (gateway mints a token for the backend)',
    urls: { 'token service': ts.url, gateway: gw.url, 'fancave-teams': backendUrl },
    checks: [
      check(
        `GET fancave-teams ${list} (no token)`,
        '401',
        async () => `${(await httpCall(`${backendUrl}${list}`)).status}`,
      ),
      check(`GET gateway ${list} (no token)`, '403 RBAC: access denied', async () => {
        const res = await httpCall(`${gw.url}${list}`);
        return `${res.status} ${res.text.trim()}`;
      }),
      check(
        `GET gateway ${list} with the client's token`,
        `200 teams=3 caller iss=${GATEWAY_ISSUER} sub=${TOKEN_SERVICE_SUBJECT_PREFIX}sports-app aud=fancave-teams`,
        async () => {
          const res = await httpCall(`${gw.url}${list}`, {
            headers: { authorization: `Bearer ${await clientToken()}` },
          });
          const body = res.json as
            { teams?: string[]; caller?: { iss?: string; sub?: string; aud?: string } } | undefined;
          return res.status === 200
            ? `200 teams=${body?.teams?.length} caller iss=${body?.caller?.iss} sub=${body?.caller?.sub} aud=${body?.caller?.aud}`
            : `${res.status} ${res.text.trim()}`;
        },
      ),
      check(`GET fancave-teams ${list} with the client's token (not the gateway's)`, '401 invalid_token', async () => {
        const res = await httpCall(`${backendUrl}${list}`, {
          headers: { authorization: `Bearer ${await clientToken()}` },
        });
        return `${res.status} ${/error="([^"]+)"/.exec(String(res.headers['www-authenticate']))?.[1] ?? ''}`;
      }),
      check(`GET gateway ${list} with a forged token`, '401 Jwt verification fails', async () => {
        const token = await clientToken();
        const forged = `${token.slice(0, token.lastIndexOf('.'))}.${Buffer.from(randomBytes(256)).toString('base64url')}`;
        const res = await httpCall(`${gw.url}${list}`, { headers: { authorization: `Bearer ${forged}` } });
        return `${res.status} ${res.text.trim()}`;
      }),
    ],
    hints: [
      `curl ${backendUrl}${list}    # 401: the backend only accepts the gateway's tokens`,
      `TOKEN=$(node packages/cli/bin/tessera.js token get --url ${ts.url} --client-id sports-app --client-secret ${secret} --audience sports-api)`,
      `curl -H "Authorization: Bearer $TOKEN" '${gw.url}${list}'`,
    ],
    async close() {
      await gw.close();
      await closeServer(backend.server);
      backend.close();
      await ts.close();
    },
  };
}

runAsMain(import.meta.url, start);
