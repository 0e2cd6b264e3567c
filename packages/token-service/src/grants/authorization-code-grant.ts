import { createHash, randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { tokenServiceErrors } from '../errors.js';
import type { KeyRing } from '../keys/create-key-ring.js';
import type { EventBus, RevocationStore, StateStore, UserStore } from '../storage/index.js';
import { revokeAndPublish } from '../tokens/revoke-and-publish.js';
import { createIdToken } from '../tokens/create-id-token.js';
import { codeKey, type IssuedCode } from '../login/issued-code.js';
import { issueRefreshToken } from '../login/issue-refresh-token.js';
import { trackAccessToken } from '../login/track-access-token.js';
import type { GrantModule } from './grant-module.js';

/** RFC 7636 §4.1: 43 to 128 unreserved characters. */
const VERIFIER = /^[A-Za-z0-9._~-]{43,128}$/;

function invalidGrant(message: string): Error {
  return tokenServiceErrors.create('ERR_OAUTH_INVALID_GRANT', message);
}

/**
 * The authorization code grant (RFC 6749 §4.1.3, RFC 7636): a code is used once, by the client it
 * was issued to, with the same `redirect_uri` and the PKCE verifier of its challenge (S256). A code
 * presented a second time is a replay (RFC 6749 §4.1.2: "SHOULD revoke … all tokens previously
 * issued based on that authorization code"): the access token it gave is revoked, and the answer is
 * `invalid_grant`. The access token is the user's (`sub` = user id, `groups`, `roles`); with the
 * `openid` scope an ID token comes beside it.
 *
 * @example
 * ```ts
 * const grant = createAuthorizationCodeGrant({ state: storage.state, users: storage.users, revocations: storage.revocations, keyRing, issuer, ... });
 * ```
 */
export function createAuthorizationCodeGrant(options: {
  state: StateStore;
  users: UserStore;
  revocations: RevocationStore;
  events: EventBus;
  keyRing: KeyRing;
  issuer: () => string;
  defaultLifetimeSeconds: number;
  idTokenLifetimeSeconds: number;
  /** Refresh tokens for clients with the `refresh_token` grant. */
  refresh: { readonly idleSeconds: number; readonly absoluteSeconds: number };
  logger?: Logger;
}): GrantModule {
  return {
    grantType: 'authorization_code',
    parameters: { required: ['code', 'redirect_uri', 'code_verifier'] },
    async handle({ client: { client }, form, now }) {
      const key = codeKey(form.get('code')!);
      const used = await options.state.use('code', key);
      if (used === undefined) throw invalidGrant('the authorization code is unknown or expired');
      const code = used.record.data as unknown as IssuedCode;
      if (!used.first) {
        const { issuedJti, issuedExp } = used.record.data;
        if (typeof issuedJti === 'string' && typeof issuedExp === 'number') {
          // The token the code gave, and what was exchanged from it, on the revocation feed at once.
          await revokeAndPublish(options, { root: { jti: issuedJti, exp: issuedExp * 1000 }, clientId: code.clientId });
        }
        throw invalidGrant('the authorization code was already used');
      }
      if (code.clientId !== client.id) throw invalidGrant('the authorization code was issued to another client');
      if (form.get('redirect_uri') !== code.redirectUri)
        throw invalidGrant('redirect_uri differs from the authorization request');
      const verifier = form.get('code_verifier')!;
      if (!VERIFIER.test(verifier)) throw invalidGrant('code_verifier is malformed');
      if (createHash('sha256').update(verifier).digest('base64url') !== code.codeChallenge)
        throw invalidGrant('code_verifier does not match the code_challenge');
      const user = await options.users.get(code.userId);
      if (user === undefined || user.disabled) throw invalidGrant('the user no longer exists or is disabled');
      const lifetimeSeconds = client.tokenLifetimeSeconds ?? options.defaultLifetimeSeconds;
      return {
        subject: user.userId,
        audience: code.audience,
        scope: code.scope,
        clientId: client.id,
        groups: user.groups,
        roles: user.roles,
        lifetimeSeconds,
        auditDetails: { sid: code.sid },
        complete: async (issued) => {
          // Everything below is written or signed at once: the writes share one group commit, and
          // the ID token is signed on the thread pool meanwhile.
          const [, , refreshToken, idToken] = await Promise.all([
            // Remembered for a replay of this code (until the code would have expired anyway).
            options.state.put({
              ...used.record,
              data: { ...used.record.data, issuedJti: issued.jti, issuedExp: issued.exp },
            }),
            // For the session's end, which revokes it.
            trackAccessToken(options.state, { ...issued, userId: user.userId, sid: code.sid, clientId: client.id }),
            client.grantTypes.includes('refresh_token')
              ? issueRefreshToken(
                  options.state,
                  {
                    clientId: client.id,
                    userId: user.userId,
                    sid: code.sid,
                    scope: code.scope,
                    audience: code.audience,
                    authTime: code.authTime,
                    amr: code.amr,
                    offline: code.scope.includes('offline_access'),
                    absoluteExpiresAt: now + options.refresh.absoluteSeconds * 1000,
                  },
                  randomBytes(16).toString('base64url'),
                  { now, idleSeconds: options.refresh.idleSeconds },
                )
              : undefined,
            code.scope.includes('openid')
              ? createIdToken(options.keyRing.signer(), {
                  issuer: options.issuer(),
                  user,
                  clientId: client.id,
                  scope: code.scope,
                  authTime: code.authTime,
                  sid: code.sid,
                  amr: code.amr,
                  ...(code.nonce === undefined ? {} : { nonce: code.nonce }),
                  accessToken: issued.token,
                  lifetimeSeconds: options.idTokenLifetimeSeconds,
                  now: Math.floor(now / 1000),
                })
              : undefined,
          ]);
          return {
            ...(refreshToken === undefined ? {} : { refresh_token: refreshToken }),
            ...(idToken === undefined ? {} : { id_token: idToken }),
          };
        },
      };
    },
  };
}
