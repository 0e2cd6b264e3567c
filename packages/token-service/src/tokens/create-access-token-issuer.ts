import { randomUUID } from 'node:crypto';
import type { Clock, JwtPayload } from '@tessera/core';
import { tokenServiceErrors } from '../errors.js';
import type { KeyRing } from '../keys/create-key-ring.js';
import type { RevocationStore } from '../storage/index.js';

/**
 * An RFC 9493 §3.2.1 `iss_sub` subject identifier: the issuer that authenticated the subject and
 * the subject as that issuer named it.
 *
 * @example
 * ```ts
 * const subId: IssSubIdentifier = { format: 'iss_sub', iss: 'https://idp.example', sub: 'alice' };
 * ```
 */
export interface IssSubIdentifier {
  readonly format: 'iss_sub';
  readonly iss: string;
  readonly sub: string;
}

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
  /** The `sub_id` claim (RFC 9493): where a subject from another issuer came from. */
  readonly subjectId?: IssSubIdentifier;
  /** A user's groups and roles (RFC 9068 §2.2.3.1), when the subject is a person. */
  readonly groups?: readonly string[];
  readonly roles?: readonly string[];
  /**
   * The `jti` of the token this one was exchanged from, when this service issued it: the link is
   * recorded before the token is handed out, so revoking the parent revokes this token too.
   */
  readonly parentJti?: string;
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
 * empty), plus `act` for delegation and `sub_id` (RFC 9493) for a subject of another issuer. One
 * `JSON.stringify` and one `crypto.sign` on the thread pool.
 *
 * A token exchanged from one of this service's tokens (`parentJti`) is linked to it in `families`
 * before it is returned. The parent is checked again after the link is written: a revocation
 * writes the parent's entry before it reads the links, so one of the two always sees the other,
 * and a token exchanged while its parent is being revoked is either revoked with the family or
 * never handed out (`invalid_request`).
 *
 * @example
 * ```ts
 * const issuer = createAccessTokenIssuer({ issuer: () => 'https://ts.example', keyRing, clock: Date.now, families: storage.revocations });
 * const { token, expiresIn } = await issuer.issue({ subject: 'svc-a', audience: 'svc-b', scope: ['read'], clientId: 'svc-a', lifetimeSeconds: 300 });
 * ```
 */
export function createAccessTokenIssuer(options: {
  issuer: () => string;
  keyRing: KeyRing;
  clock: Clock;
  /** Where token family links go (the revocation store); required to issue a token with `parentJti`. */
  families?: Pick<RevocationStore, 'linkChild' | 'isRevoked'>;
}): AccessTokenIssuer {
  const { keyRing, clock, families } = options;
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
      if (request.subjectId !== undefined) payload['sub_id'] = request.subjectId;
      if (request.groups !== undefined && request.groups.length > 0) payload['groups'] = [...request.groups];
      if (request.roles !== undefined && request.roles.length > 0) payload['roles'] = [...request.roles];
      const token = await signer.signAsync(payload);
      if (request.parentJti !== undefined) {
        // Fail closed: a token that could outlive its parent's revocation is never handed out.
        if (families === undefined)
          throw tokenServiceErrors.create('ERR_TOKEN_SERVICE_CONFIG_INVALID', 'no store for token family links', {
            expose: false,
          });
        await families.linkChild(request.parentJti, jti, exp * 1000);
        if (await families.isRevoked(request.parentJti))
          throw tokenServiceErrors.create('ERR_OAUTH_INVALID_REQUEST', 'subject_token is invalid: token is revoked');
      }
      return { token, jti, kid: signer.kid, iat, exp, expiresIn: exp - iat };
    },
  };
}
