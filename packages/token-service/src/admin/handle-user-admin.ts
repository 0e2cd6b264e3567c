import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import { userConfigSchema } from '../config/schema.js';
import { tokenServiceErrors } from '../errors.js';
import { factorsOf, passkeysOf, recoveryCodesLeft, resetFactors } from '../factors/user-factors.js';
import { sendJson } from '../http/send-json.js';
import { listPage } from './list-page.js';
import type { ServiceContext } from '../http/service-context.js';
import { listConsents } from '../login/consent.js';
import { endUserSessions } from '../login/end-session.js';
import { revokeConsent } from '../login/revoke-consent.js';
import type { StoredUser } from '../storage/index.js';
import { hashPassword } from '../users/password-hash.js';
import { parseJsonBody } from './internal/admin-io.js';

// A patch names only what changes: the create schema's defaults must not apply here.
const shape = userConfigSchema.shape;
const userPatchSchema = z.strictObject({
  username: shape.username.optional(),
  password: shape.password,
  passwordHash: shape.passwordHash,
  email: shape.email,
  emailVerified: shape.emailVerified,
  name: shape.name,
  profile: shape.profile.removeDefault().optional(),
  groups: shape.groups.removeDefault().optional(),
  roles: shape.roles.removeDefault().optional(),
  disabled: shape.disabled.removeDefault().optional(),
  scopes: shape.scopes.removeDefault().optional(),
  audiences: shape.audiences.removeDefault().optional(),
});
const passwordResetSchema = z.strictObject({ password: shape.password });

/** What the admin API shows of a user: everything but the password hash and the factors' secrets (which factors, only). */
export function userView(user: StoredUser): Record<string, unknown> {
  const { passwordHash, factors: _secrets, ...rest } = user;
  return {
    ...rest,
    hasPassword: passwordHash !== undefined,
    secondFactors: {
      totp: factorsOf(user).totp !== undefined,
      passkeys: passkeysOf(user).map((p) => ({
        name: p.name,
        synced: p.deviceType === 'multiDevice',
        createdAt: p.createdAt,
      })),
      recoveryCodesLeft: recoveryCodesLeft(user),
    },
  };
}

async function mustGetUser(ctx: ServiceContext, id: string): Promise<StoredUser> {
  const user = await ctx.storage.users.get(id);
  if (user === undefined) throw tokenServiceErrors.create('ERR_ADMIN_NOT_FOUND', 'no such user');
  return user;
}

/** A username another user holds is a 409, said as such (the store's conflict names no field). */
async function checkUsernameFree(ctx: ServiceContext, username: string, self?: string): Promise<void> {
  const holder = await ctx.storage.users.findByUsername(username);
  if (holder !== undefined && holder.userId !== self)
    throw tokenServiceErrors.create('ERR_ADMIN_CONFLICT', `username: "${username}" is taken`);
}

/** A generated password: 24 random bytes, shown once. */
function generatedPassword(): string {
  return randomBytes(24).toString('base64url');
}

/**
 * The admin API's users (issue "People"), audited like clients:
 * - `GET /admin/users`, `POST /admin/users` (the fields of a configuration user; without `id` one
 *   is generated, `u_` and 16 random bytes);
 * - `GET/PATCH/DELETE /admin/users/:id` (a patch names only what changes; `password` is hashed);
 * - `POST /admin/users/:id/password` (`{ password }`, or `{}` for a generated one shown once);
 * - `DELETE /admin/users/:id/sessions`: ends every session of the user (`{ sessions }`: how many),
 *   with their tokens and back-channel logouts (`endUserSessions`); disabling or deleting a user
 *   does the same;
 * - `GET /admin/users/:id/consents`, `DELETE /admin/users/:id/consents/:clientId`: what the user
 *   consented to, and withdrawing it with the client's tokens (`revokeConsent`);
 * - `DELETE /admin/users/:id/factors`: removes the user's second factors (a lost phone), audited.
 * The password hash and the factors' secrets are never shown.
 *
 * @example
 * ```ts
 * if (parts[0] === 'users') return handleUserAdmin(ctx, req, res, parts.slice(1), method, body);
 * ```
 */
export async function handleUserAdmin(
  ctx: ServiceContext,
  req: IncomingMessage,
  res: ServerResponse,
  parts: readonly string[],
  method: string,
  body: Buffer,
  actor: string,
  query: URLSearchParams = new URLSearchParams(),
): Promise<void> {
  const users = ctx.storage.users;
  if (parts.length === 0 && method === 'GET') {
    const page = listPage(
      await users.list(),
      query,
      (u) => u.userId,
      (u) => `${u.userId} ${u.username} ${u.email ?? ''}`,
    );
    return sendJson(res, 200, {
      users: page.items.map(userView),
      ...(page.next === undefined ? {} : { next: page.next }),
    });
  }
  if (parts.length === 0 && method === 'POST') {
    const input = parseJsonBody(req, body, userConfigSchema);
    const userId = input.id ?? `u_${randomBytes(16).toString('base64url')}`;
    await checkUsernameFree(ctx, input.username);
    const passwordHash =
      input.password !== undefined ? await hashPassword(input.password, ctx.hashWorkers) : input.passwordHash;
    const now = ctx.clock();
    const created = await users
      .create({
        userId,
        username: input.username,
        ...(input.email === undefined ? {} : { email: input.email }),
        ...(input.emailVerified === undefined ? {} : { emailVerified: input.emailVerified }),
        ...(passwordHash === undefined ? {} : { passwordHash }),
        profile: { ...input.profile, ...(input.name === undefined ? {} : { name: input.name }) },
        groups: input.groups,
        roles: input.roles,
        disabled: input.disabled,
        scopes: input.scopes,
        audiences: input.audiences,
        source: 'admin',
        createdAt: now,
        updatedAt: now,
      })
      .catch((err: unknown) => {
        throw (err as { code?: string }).code === 'ERR_STORE_CONFLICT'
          ? tokenServiceErrors.create(
              'ERR_ADMIN_CONFLICT',
              `a user with id "${userId}" or username "${input.username}" exists`,
            )
          : err;
      });
    await ctx.audit({ actor, action: 'user.created', target: userId });
    return sendJson(res, 201, userView(created));
  }
  const id = parts[0]!;
  if (parts.length === 1 && method === 'GET') return sendJson(res, 200, userView(await mustGetUser(ctx, id)));
  if (parts.length === 1 && method === 'PATCH') {
    const input = parseJsonBody(req, body, userPatchSchema);
    if (input.password !== undefined && input.passwordHash !== undefined)
      throw tokenServiceErrors.create('ERR_ADMIN_BAD_REQUEST', 'give password or passwordHash, not both');
    const current = await mustGetUser(ctx, id);
    if (input.username !== undefined) await checkUsernameFree(ctx, input.username, id);
    const { password, name, ...rest } = input;
    const patch: Record<string, unknown> = { ...rest };
    if (password !== undefined) patch['passwordHash'] = await hashPassword(password, ctx.hashWorkers);
    if (name !== undefined) patch['profile'] = { ...(input.profile ?? current.profile), name };
    const updated = await users.update(id, patch);
    if (updated.disabled && !current.disabled) await endUserSessions(ctx, id, 'user-disabled');
    await ctx.audit({
      actor,
      action: 'user.updated',
      target: id,
      details: { fields: Object.keys(input).map((k) => (k === 'password' ? 'passwordHash' : k)) },
    });
    return sendJson(res, 200, userView(updated));
  }
  if (parts.length === 1 && method === 'DELETE') {
    await mustGetUser(ctx, id);
    await endUserSessions(ctx, id, 'user-deleted');
    if (!(await users.delete(id))) throw tokenServiceErrors.create('ERR_ADMIN_NOT_FOUND', 'no such user');
    await ctx.audit({ actor, action: 'user.deleted', target: id });
    res.writeHead(204).end();
    return;
  }
  if (parts.length === 2 && parts[1] === 'password' && method === 'POST') {
    const input = parseJsonBody(req, body, passwordResetSchema);
    await mustGetUser(ctx, id);
    const password = input.password ?? generatedPassword();
    await users.update(id, { passwordHash: await hashPassword(password, ctx.hashWorkers) });
    await ctx.audit({
      actor,
      action: 'user.password.reset',
      target: id,
      details: { generated: input.password === undefined },
    });
    // A password the admin chose is not echoed; a generated one is shown this once.
    return sendJson(res, 200, input.password === undefined ? { password } : {}, { 'cache-control': 'no-store' });
  }
  if (parts.length === 2 && parts[1] === 'sessions' && method === 'DELETE') {
    await mustGetUser(ctx, id);
    // Every browser of this user is logged out, with the session's codes, tokens and clients.
    const sessions = await endUserSessions(ctx, id, 'admin');
    await ctx.audit({ actor, action: 'user.sessions.ended', target: id, details: { sessions } });
    return sendJson(res, 200, { sessions });
  }
  if (parts.length === 2 && parts[1] === 'factors' && method === 'DELETE') {
    await mustGetUser(ctx, id);
    await resetFactors({ users: ctx.storage.users, secrets: ctx.storage.secrets, clock: ctx.clock }, id);
    await ctx.audit({ actor, action: 'user.factors.reset', target: id, details: {} });
    res.writeHead(204).end();
    return;
  }
  if (parts.length === 2 && parts[1] === 'consents' && method === 'GET') {
    await mustGetUser(ctx, id);
    return sendJson(res, 200, { consents: await listConsents(ctx.storage.state, id) });
  }
  if (parts.length === 3 && parts[1] === 'consents' && method === 'DELETE') {
    await mustGetUser(ctx, id);
    if (!(await revokeConsent(ctx, id, parts[2]!, actor)))
      throw tokenServiceErrors.create('ERR_ADMIN_NOT_FOUND', 'the user has no consent to this client');
    res.writeHead(204).end();
    return;
  }
  throw tokenServiceErrors.create('ERR_ADMIN_NOT_FOUND', 'no such admin resource');
}
