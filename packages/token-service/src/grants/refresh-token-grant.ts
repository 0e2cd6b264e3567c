import type { Logger } from 'pino';
import { tokenServiceErrors } from '../errors.js';
import { trackAccessToken } from '../login/track-access-token.js';
import { issueRefreshToken, type RefreshGrant } from '../login/issue-refresh-token.js';
import { codeKey } from '../login/issued-code.js';
import type { StateStore, UserStore } from '../storage/index.js';
import type { GrantModule } from './grant-module.js';
import { parseScope } from './internal/scope.js';

function invalidGrant(message: string): Error {
  return tokenServiceErrors.create('ERR_OAUTH_INVALID_GRANT', message);
}

/**
 * The refresh token grant (RFC 6749 §6) for people's applications: a refresh token is used once
 * and answered with a new one of the same family (rotation, RFC 9700 §4.14.2); a token used a second
 * time is a replay, and its whole family ends (the thief's copy and the owner's alike). It ends
 * with its login session unless `offline_access` was granted (OpenID Connect Core §11), after
 * `login.refreshTokenIdleSeconds` unused, and at the family's absolute end. A `scope` asked for
 * must be within the one granted.
 *
 * @example
 * ```ts
 * const grant = createRefreshTokenGrant({ state: storage.state, users: storage.users, defaultLifetimeSeconds: 300, idleSeconds: 86400 });
 * ```
 */
export function createRefreshTokenGrant(options: {
  state: StateStore;
  users: UserStore;
  defaultLifetimeSeconds: number;
  idleSeconds: number;
  logger?: Logger;
}): GrantModule {
  return {
    grantType: 'refresh_token',
    parameters: { required: ['refresh_token'] },
    async handle({ client: { client }, form, now }) {
      const used = await options.state.use('refresh', codeKey(form.get('refresh_token')!));
      if (used === undefined) throw invalidGrant('the refresh token is unknown or expired');
      const grant = used.record.data as unknown as RefreshGrant;
      const familyId = used.record.familyId!;
      if (!used.first) {
        const ended = await options.state.deleteLinked('refresh', { familyId });
        options.logger?.warn(
          { client: grant.clientId, userId: grant.userId, ended },
          'a refresh token was used twice: its family is revoked',
        );
        throw invalidGrant('the refresh token was already used');
      }
      if (grant.clientId !== client.id) throw invalidGrant('the refresh token was issued to another client');
      if (!grant.offline && (await options.state.get('session', grant.sid)) === undefined)
        throw invalidGrant('the login session has ended');
      const user = await options.users.get(grant.userId);
      if (user === undefined || user.disabled) throw invalidGrant('the user no longer exists or is disabled');
      const asked = parseScope(form.get('scope'));
      const wider = asked?.find((s) => !grant.scope.includes(s));
      if (wider !== undefined)
        throw tokenServiceErrors.create('ERR_OAUTH_INVALID_SCOPE', `scope ${wider} was not granted`);
      const scope = asked ?? grant.scope;
      return {
        subject: user.userId,
        audience: grant.audience,
        scope,
        clientId: client.id,
        groups: user.groups,
        roles: user.roles,
        lifetimeSeconds: client.tokenLifetimeSeconds ?? options.defaultLifetimeSeconds,
        auditDetails: { sid: grant.sid, family: familyId.slice(0, 8) },
        complete: async (issued) => {
          // Written together (one group commit): the new refresh token, and the access token for
          // the session's end (a token of an offline grant outlives the session: not tracked).
          const [refreshToken] = await Promise.all([
            issueRefreshToken(options.state, grant, familyId, { now, idleSeconds: options.idleSeconds }),
            grant.offline
              ? undefined
              : trackAccessToken(options.state, {
                  ...issued,
                  userId: user.userId,
                  sid: grant.sid,
                  clientId: client.id,
                }),
          ]);
          return { refresh_token: refreshToken };
        },
      };
    },
  };
}
