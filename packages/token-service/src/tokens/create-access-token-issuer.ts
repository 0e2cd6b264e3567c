import { randomUUID } from 'node:crypto';
import type { Clock, JwtPayload } from '@tessera/core';
import type { KeyRing } from '../keys/create-key-ring.js';

/** What a grant decided; the issuer turns it into an RFC 9068 access token. */
export interface AccessTokenRequest {
  readonly subject: string;
  /** One audience per token by default (issue 3). */
  readonly audience: string;
  readonly scope: readonly string[];
  readonly clientId: string;
  readonly lifetimeSeconds: number;
  /** Upper bound for `exp` in seconds (token exchange: never later than the subject token's). */
  readonly notAfter?: number;
  /** RFC 8693 §4.1 actor chain. */
  readonly act?: JwtPayload;
  /** RFC 8693 §4.4 may_act to carry over. */
  readonly mayAct?: JwtPayload;
}

/** An issued access token and the facts the response and the audit log need. */
export interface IssuedAccessToken {
  readonly token: string;
  readonly jti: string;
  readonly kid: string;
  readonly iat: number;
  readonly exp: number;
  readonly expiresIn: number;
}

/** Signs RFC 9068 access tokens with the key ring's active key. */
export interface AccessTokenIssuer {
  issue(request: AccessTokenRequest): Promise<IssuedAccessToken>;
}

/**
 * Creates the access token issuer: RFC 9068 §2 JWTs with header `typ: at+jwt` and `kid`, claims
 * `iss`, `sub`, `aud` (one string), `exp`, `iat`, `jti`, `client_id` and `scope` (omitted when
 * empty), plus `act` for delegation. One `JSON.stringify` and one `crypto.sign` on the thread pool.
 *
 * @example
 * ```ts
 * const issuer = createAccessTokenIssuer({ issuer: () => 'https://ts.example', keyRing, clock: Date.now });
 * const { token, expiresIn } = await issuer.issue({ subject: 'svc-a', audience: 'svc-b', scope: ['read'], clientId: 'svc-a', lifetimeSeconds: 300 });
 * ```
 */
export function createAccessTokenIssuer(options: {
  issuer: () => string;
  keyRing: KeyRing;
  clock: Clock;
}): AccessTokenIssuer {
  const { keyRing, clock } = options;
  return {
    async issue(request) {
      const signer = keyRing.signer();
      const iat = Math.floor(clock() / 1000);
      let exp = iat + request.lifetimeSeconds;
      if (request.notAfter !== undefined && request.notAfter < exp) exp = Math.floor(request.notAfter);
      const jti = randomUUID();
      const payload: JwtPayload = {
        iss: options.issuer(),
        sub: request.subject,
        aud: request.audience,
        exp,
        iat,
        jti,
        client_id: request.clientId,
      };
      if (request.scope.length > 0) payload.scope = request.scope.join(' ');
      if (request.act !== undefined) payload.act = request.act;
      if (request.mayAct !== undefined) payload['may_act'] = request.mayAct;
      return { token: await signer.signAsync(payload), jti, kid: signer.kid, iat, exp, expiresIn: exp - iat };
    },
  };
}
