import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import QRCode from 'qrcode';
import { isTesseraError } from '@tessera/core';
import {
  finishPasskeyRegistration,
  MAX_PASSKEYS,
  relyingPartyOf,
  removePasskey,
  startPasskeyRegistration,
  type PasskeyRegistrationRefusal,
} from '../factors/passkeys.js';
import {
  confirmTotp,
  factorsOf,
  hasSecondFactor,
  passkeysOf,
  pendingTotpSecret,
  recoveryCodesLeft,
  regenerateRecoveryCodes,
  removeTotp,
  startTotpEnrolment,
  type FactorDeps,
} from '../factors/user-factors.js';
import { totpUri } from '../factors/totp.js';
import type { Routes } from '../http/routes.js';
import type { ServiceContext } from '../http/service-context.js';
import type { StateRecord } from '../storage/index.js';
import { hashPassword } from '../users/password-hash.js';
import { ACCOUNT_CLIENT_ID, builtInLoginUrl } from './built-in-client.js';
import { accountPage, type AccountPageInput } from './account-page.js';
import { listConsents } from './consent.js';
import { SESSION_COOKIE, sessionCookie } from './cookies.js';
import { csrfMatches } from './csrf-matches.js';
import { endSession } from './end-session.js';
import { liveSession } from './live-session.js';
import { pageHeaders } from './provider-pages.js';
import { readPageForm } from './read-page-form.js';
import { revokeConsent } from './revoke-consent.js';

/** A signed-in user's session, for the account page. */
interface Signed {
  readonly session: StateRecord & { readonly userId: string };
  readonly csrf: string;
}

/** What the page says when a passkey is not added. */
const REFUSALS: Record<PasskeyRegistrationRefusal, string> = {
  expired: 'Making the passkey took too long, or was answered already: start again.',
  invalid: 'The browser’s answer was not a passkey for this site: start again.',
  duplicate: 'That passkey is added already.',
  'too-many': `This account cannot have more passkeys (at most ${MAX_PASSKEYS}).`,
};

/** The account page's CSRF token: bound to the session (derived from its key; nothing to store). */
function csrfOf(sessionKey: string): string {
  return createHash('sha256').update(`tessera-account-csrf:${sessionKey}`).digest('base64url');
}

/** What the page calls a session (never its key): a hash of the key. */
function sessionId(sessionKey: string): string {
  return createHash('sha256').update(`tessera-account-session:${sessionKey}`).digest('base64url').slice(0, 22);
}

/**
 * The account page's routes (issue "Second factors"), behind the provider's own login and session:
 * - `GET /account`: the page; without a session, the login (an authorization request of the
 *   built-in account client, which comes back here instead of to an application);
 * - `POST /account/totp/start`, `/account/totp/confirm`, `/account/totp/remove`: the authenticator
 *   app (a QR code of the `otpauth://` link, confirmed by its first code; recovery codes shown once);
 * - `POST /account/passkeys/start`, `/account/passkeys/add`, `/account/passkeys/remove`: passkeys
 *   (the page asks the browser to make one, named by the user; recovery codes with the first factor);
 * - `POST /account/recovery-codes`: new codes, shown once;
 * - `POST /account/password`: the current password, then the new one (the other sessions end);
 * - `POST /account/sessions/end`, `/account/consents/revoke`, `/account/sign-out`.
 * Every form is refused from another site and carries a CSRF token bound to the session; every
 * change is audited with the user as actor.
 *
 * @example
 * ```ts
 * const routes = { ...loginRoutes(ctx), ...accountRoutes(ctx) };
 * ```
 */
export function accountRoutes(ctx: ServiceContext): Routes {
  const secure = () => ctx.issuerUrl().startsWith('https:');
  const settings = ctx.config.login;
  const deps: FactorDeps = { users: ctx.storage.users, secrets: ctx.storage.secrets, clock: ctx.clock };
  const relyingParty = () => relyingPartyOf(settings.passkeys, ctx.issuerUrl(), settings.page.productName);

  const signedIn = async (req: IncomingMessage): Promise<Signed | undefined> => {
    const session = await liveSession(ctx, req);
    return session === undefined ? undefined : { session, csrf: csrfOf(session.key) };
  };

  /** To the login, and back here after it. */
  const toLogin = (res: ServerResponse) => {
    res
      .writeHead(303, { location: builtInLoginUrl(ACCOUNT_CLIENT_ID, ctx.issuerUrl()), 'cache-control': 'no-store' })
      .end();
  };

  const show = async (
    res: ServerResponse,
    signed: Signed,
    extra: Pick<AccountPageInput, 'notice' | 'error' | 'recoveryCodes' | 'enrolment' | 'passkeyRegistration'> = {},
    status = 200,
  ) => {
    const userId = signed.session.userId;
    const user = await ctx.storage.users.get(userId);
    if (user === undefined) return toLogin(res);
    const sessions = await ctx.storage.state.find('session', { userId });
    // A session was last active when an application last got a token from it (or at its login).
    const lastActive = new Map<string, number>();
    for (const token of await ctx.storage.state.find('access', { userId })) {
      const at = token.data['issuedAt'];
      if (token.sid !== undefined && typeof at === 'number' && at > (lastActive.get(token.sid) ?? 0))
        lastActive.set(token.sid, at);
    }
    const consents = await listConsents(ctx.storage.state, userId);
    res.writeHead(status, pageHeaders(undefined, extra.passkeyRegistration !== undefined)).end(
      accountPage({
        productName: settings.page.productName,
        username: user.username,
        csrf: signed.csrf,
        totp: factorsOf(user).totp !== undefined,
        ...(relyingParty() === undefined
          ? {}
          : {
              passkeys: passkeysOf(user).map((p) => ({
                id: p.id,
                name: p.name,
                synced: p.deviceType === 'multiDevice',
                createdAt: p.createdAt,
                ...(p.lastUsedAt === undefined ? {} : { lastUsedAt: p.lastUsedAt }),
              })),
            }),
        recoveryCodesLeft: recoveryCodesLeft(user),
        sessions: sessions.map((s) => ({
          id: sessionId(s.key),
          device: typeof s.data['device'] === 'string' ? s.data['device'] : 'a browser',
          address: typeof s.data['address'] === 'string' ? s.data['address'] : 'unknown address',
          since: typeof s.data['authTime'] === 'number' ? s.data['authTime'] : 0,
          ...(lastActive.has(s.key) ? { lastActive: lastActive.get(s.key)! } : {}),
          current: s.key === signed.session.key,
        })),
        consents: consents.map((c) => ({ clientId: c.clientId, scopes: c.scopes })),
        ...extra,
      }),
    );
  };

  /**
   * A form of the account page: posted from this site, by a signed-in browser, with the session's
   * CSRF token; then `act` runs. Otherwise the answer is given here.
   */
  const action =
    (act: (req: IncomingMessage, res: ServerResponse, signed: Signed, form: Map<string, string>) => Promise<void>) =>
    async (req: IncomingMessage, res: ServerResponse) => {
      const form = await readPageForm(req, res, {
        page: 'account',
        issuer: ctx.issuerUrl(),
        bodyLimitBytes: ctx.config.server.bodyLimitBytes,
      });
      if (form === undefined) return;
      const signed = await signedIn(req);
      if (signed === undefined) return toLogin(res);
      if (!csrfMatches(form.get('csrf'), signed.csrf))
        return show(res, signed, { error: 'The page had expired: try again.' }, 400);
      await act(req, res, signed, form);
    };

  const audit = (signed: Signed, action: string, details: Record<string, unknown> = {}) =>
    ctx.audit({ actor: signed.session.userId, action, target: signed.session.userId, details });

  /** Says what was removed, and that the recovery codes went with it when no second factor is left. */
  const removedNotice = async (what: string, signed: Signed) => {
    const user = await ctx.storage.users.get(signed.session.userId);
    return user !== undefined && hasSecondFactor(user)
      ? `${what}.`
      : `${what}, and the recovery codes with it (no second factor is left).`;
  };

  const enrolmentOf = async (secret: string, username: string) => ({
    secret,
    qrSvg: await QRCode.toString(totpUri(secret, settings.page.productName, username), {
      type: 'svg',
      errorCorrectionLevel: 'M',
      margin: 2,
    }),
  });

  return {
    'GET /account': async (req, res) => {
      const signed = await signedIn(req);
      if (signed === undefined) return toLogin(res);
      await show(res, signed);
    },

    'POST /account/totp/start': action(async (_req, res, signed) => {
      const user = await ctx.storage.users.get(signed.session.userId);
      const secret = await startTotpEnrolment(deps, signed.session.userId);
      if (user === undefined || secret === undefined) return show(res, signed, { error: 'Try again.' }, 409);
      await show(res, signed, { enrolment: await enrolmentOf(secret, user.username) });
    }),

    'POST /account/totp/confirm': action(async (req, res, signed, form) => {
      const userId = signed.session.userId;
      const done = await ctx.people.checkSecondFactor(userId, ctx.remoteAddress(req), () =>
        confirmTotp(deps, userId, form.get('code') ?? ''),
      );
      if (done === undefined) {
        const user = await ctx.storage.users.get(userId);
        const secret = user === undefined ? undefined : pendingTotpSecret(deps, user);
        if (user === undefined || secret === undefined)
          return show(res, signed, { error: 'The setup expired: start again.' }, 400);
        return show(
          res,
          signed,
          {
            error: 'That code is not right: check the app and try again.',
            enrolment: await enrolmentOf(secret, user.username),
          },
          400,
        );
      }
      await audit(signed, 'factor.totp.added');
      await show(res, signed, {
        notice: 'The authenticator app is on.',
        ...(done.recoveryCodes === undefined ? {} : { recoveryCodes: done.recoveryCodes }),
      });
    }),

    'POST /account/totp/remove': action(async (_req, res, signed) => {
      await removeTotp(deps, signed.session.userId);
      await audit(signed, 'factor.totp.removed');
      await show(res, signed, { notice: await removedNotice('The authenticator app is removed', signed) });
    }),

    'POST /account/passkeys/start': action(async (_req, res, signed) => {
      const rp = relyingParty();
      const user = await ctx.storage.users.get(signed.session.userId);
      if (rp === undefined || user === undefined) return show(res, signed, { error: 'Passkeys are off here.' }, 400);
      const options = await startPasskeyRegistration(deps, rp, user);
      if (options === undefined)
        return show(res, signed, { error: `This account cannot have more passkeys (at most ${MAX_PASSKEYS}).` }, 400);
      await show(res, signed, { passkeyRegistration: options });
    }),

    'POST /account/passkeys/add': action(async (_req, res, signed, form) => {
      const rp = relyingParty();
      if (rp === undefined) return show(res, signed, { error: 'Passkeys are off here.' }, 400);
      const added = await finishPasskeyRegistration(
        deps,
        rp,
        signed.session.userId,
        form.get('response') ?? '',
        form.get('name') ?? '',
      );
      if ('refused' in added) return show(res, signed, { error: REFUSALS[added.refused] }, 400);
      await audit(signed, 'factor.passkey.added', { passkey: added.passkey.name, synced: added.passkey.backedUp });
      await show(res, signed, {
        notice: `The passkey “${added.passkey.name}” is added.`,
        ...(added.recoveryCodes === undefined ? {} : { recoveryCodes: added.recoveryCodes }),
      });
    }),

    'POST /account/passkeys/remove': action(async (_req, res, signed, form) => {
      const removed = await removePasskey(deps, signed.session.userId, form.get('passkey') ?? '');
      if (removed === undefined) return show(res, signed, { error: 'That passkey is gone already.' }, 404);
      await audit(signed, 'factor.passkey.removed', { passkey: removed.name });
      await show(res, signed, { notice: await removedNotice(`The passkey “${removed.name}” is removed`, signed) });
    }),

    'POST /account/recovery-codes': action(async (_req, res, signed) => {
      const user = await ctx.storage.users.get(signed.session.userId);
      if (user === undefined || !hasSecondFactor(user))
        return show(res, signed, { error: 'Set up a passkey or an authenticator app first.' }, 400);
      const codes = await regenerateRecoveryCodes(deps, signed.session.userId);
      await audit(signed, 'factor.recovery-codes.renewed');
      await show(res, signed, {
        notice: 'New recovery codes: the old ones no longer work.',
        ...(codes === undefined ? {} : { recoveryCodes: codes }),
      });
    }),

    'POST /account/password': action(async (req, res, signed, form) => {
      const user = await ctx.storage.users.get(signed.session.userId);
      const next = form.get('new') ?? '';
      if (user === undefined) return toLogin(res);
      let checked;
      try {
        checked = await ctx.people.authenticate(user.username, form.get('current') ?? '', ctx.remoteAddress(req));
      } catch (error) {
        if (!isTesseraError(error, 'ERR_TOKEN_SERVICE_RATE_LIMITED')) throw error;
        return show(res, signed, { error: 'Too many attempts: try again later.' }, 429);
      }
      if (checked?.userId !== user.userId)
        return show(res, signed, { error: 'The current password is not right.' }, 400);
      if (next.length < 12 || next.length > 1024)
        return show(res, signed, { error: 'The new password needs 12 characters or more.' }, 400);
      await ctx.storage.users.update(user.userId, { passwordHash: await hashPassword(next, ctx.hashWorkers) });
      // Whoever knew the old password is signed out everywhere else.
      for (const other of await ctx.storage.state.find('session', { userId: user.userId }))
        if (other.key !== signed.session.key) await endSession(ctx, other.key, 'logout');
      await audit(signed, 'user.password.changed');
      await show(res, signed, { notice: 'Password changed; your other sessions are signed out.' });
    }),

    'POST /account/sessions/end': action(async (_req, res, signed, form) => {
      const wanted = form.get('session') ?? '';
      const target = (await ctx.storage.state.find('session', { userId: signed.session.userId })).find(
        (s) => sessionId(s.key) === wanted && s.key !== signed.session.key,
      );
      if (target === undefined) return show(res, signed, { error: 'That session has ended already.' }, 404);
      await endSession(ctx, target.key, 'logout');
      await audit(signed, 'user.session.ended', { session: wanted });
      await show(res, signed, { notice: 'That session is signed out.' });
    }),

    'POST /account/consents/revoke': action(async (_req, res, signed, form) => {
      const clientId = form.get('client') ?? '';
      if (!(await revokeConsent(ctx, signed.session.userId, clientId, signed.session.userId)))
        return show(res, signed, { error: 'That application holds no consent.' }, 404);
      await show(res, signed, { notice: `${clientId} may no longer act for you.` });
    }),

    'POST /account/sign-out': action(async (_req, res, signed) => {
      await endSession(ctx, signed.session.key, 'logout');
      res
        .writeHead(303, {
          location: '/account',
          'cache-control': 'no-store',
          'set-cookie': sessionCookie(SESSION_COOKIE, '', { secure: secure(), maxAge: 0 }),
        })
        .end();
    }),
  };
}
