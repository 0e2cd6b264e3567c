import { createServer, type Server } from 'node:http';
import {
  coreErrors,
  createRemoteJwks,
  createVerifier,
  withTessera,
  type RemoteJwks,
  type Verifier,
} from '@tessera/core';

/** What the teams backend trusts: the gateway's issuer and JWKS, known once the gateway listens. */
export interface TeamsTrust {
  issuer: string;
  jwksUri: string;
}

const teams: Readonly<Record<string, readonly string[]>> = {
  nba: ['Celtics', 'Lakers', 'Warriors'],
  nhl: ['Canadiens', 'Maple Leafs', 'Oilers'],
};

/**
 * The `fancave-teams` backend of scenario 6 (node:http with Tessera's `withTessera`): it accepts
 * only tokens minted by the gateway (issuer and JWKS of the gateway, audience `fancave-teams`);
 * anything else, including no token, gets 401. `GET /api/team/list?league=nba` lists teams and
 * says who called (the token's `sub`, `iss`, `act`).
 *
 * @example
 * ```ts
 * const backend = createTeamsBackend();
 * backend.trust({ issuer: 'tessera-gateway', jwksUri: `${gatewayUrl}/.well-known/jwks.json` });
 * ```
 */
export function createTeamsBackend(): { server: Server; trust(trust: TeamsTrust): void; close(): void } {
  // Bound once the gateway listens (its URL is not known before); until then every token fails.
  let bound: { remote: RemoteJwks; verifier: Verifier } | undefined;
  const verifier: Verifier = {
    verify: (token) =>
      bound === undefined
        ? Promise.reject(coreErrors.create('ERR_JWKS_NO_MATCHING_KEY', 'the teams backend trusts no issuer yet'))
        : bound.verifier.verify(token),
  };
  const server = createServer(
    withTessera(
      (req, res) => {
        const url = new URL(req.url ?? '/', 'http://teams');
        if (url.pathname !== '/api/team/list') {
          res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"not found"}');
          return;
        }
        const league = url.searchParams.get('league') ?? 'nba';
        const p = req.auth!.payload;
        res.writeHead(200, { 'content-type': 'application/json' }).end(
          JSON.stringify({
            league,
            teams: teams[league] ?? [],
            caller: { iss: p.iss, sub: p.sub, aud: p.aud, act: p.act },
          }),
        );
      },
      { verifier, realm: 'fancave-teams', exempt: ['GET /health'] },
    ),
  );
  return {
    server,
    trust(trust) {
      bound?.remote.close();
      const remote = createRemoteJwks(trust.jwksUri);
      bound = { remote, verifier: createVerifier({ issuer: trust.issuer, keys: remote, audience: 'fancave-teams' }) };
    },
    close: () => bound?.remote.close(),
  };
}
