import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import { isTesseraError } from '@tessera/core';
import { tokenServiceErrors } from '../errors.js';
import { clientConfigSchema, KNOWN_GRANT_TYPES } from '../config/schema.js';
import { buildClientRecord } from '../clients/build-client-record.js';
import { clientView, toClientRecord, toStoredClient, type ClientRecord } from '../clients/client-record.js';
import { hashSecret } from '../clients/secret-hash.js';
import { toProblem } from '../http/problem.js';
import { sendJson } from '../http/send-json.js';
import type { ServiceContext } from '../http/service-context.js';
import { adminPrincipal, checkAdminCall, consoleCsrf } from './admin-principal.js';
import { describeOverview } from './describe-overview.js';
import { endSession } from '../login/end-session.js';
import { SESSION_COOKIE, sessionCookie } from '../login/cookies.js';
import { parseJsonBody } from './internal/admin-io.js';
import { adminMethods } from './internal/admin-methods.js';
import { handleJwtFactoryRequest } from './handle-jwt-factory-request.js';
import { handleAuditRequest } from './handle-audit-request.js';
import { handleUserAdmin } from './handle-user-admin.js';
import { handleDecisionAdmin } from './handle-decision-admin.js';
import { gatewayPushTarget, handleGatewayPush } from './handle-gateway-push.js';
import { inspectRequestSchema, inspectToken } from './inspect-token.js';
import { listPage } from './list-page.js';
import { simulatePolicies, simulateRequestSchema } from './simulate-policies.js';

// A patch names only what changes: the create schema's defaults must not apply here.
const shape = clientConfigSchema.shape;
const clientPatchSchema = z.strictObject({
  secret: shape.secret,
  secretHash: shape.secretHash,
  jwks: shape.jwks,
  audiences: shape.audiences.removeDefault().optional(),
  scopes: shape.scopes.removeDefault().optional(),
  grantTypes: shape.grantTypes.removeDefault().optional(),
  tokenLifetimeSeconds: shape.tokenLifetimeSeconds,
  exchange: shape.exchange.optional(),
  introspect: shape.introspect.removeDefault().optional(),
  revocations: shape.revocations.removeDefault().optional(),
  reportDecisions: shape.reportDecisions.removeDefault().optional(),
  enabled: shape.enabled.removeDefault().optional(),
  redirectUris: shape.redirectUris.removeDefault().optional(),
  postLogoutRedirectUris: shape.postLogoutRedirectUris.removeDefault().optional(),
  firstParty: shape.firstParty.removeDefault().optional(),
  backchannelLogoutUri: shape.backchannelLogoutUri,
  rotateSecret: z.boolean().optional(),
});

function checkGrantTypes(grantTypes: readonly string[] | undefined): void {
  const unknown = grantTypes?.find((g) => !KNOWN_GRANT_TYPES.has(g));
  if (unknown !== undefined)
    throw tokenServiceErrors.create('ERR_ADMIN_BAD_REQUEST', `grantTypes: unknown grant type "${unknown}"`);
}
const rotateSchema = z.strictObject({ immediate: z.boolean().default(false) });
const withdrawSchema = z.strictObject({ reason: z.string().max(500).optional() });

/**
 * The admin API under `/admin` (issue 3, "Clients and administration"): a bearer admin token,
 * RFC 9457 problem JSON for every error, and an audit record for every change.
 *
 * - `GET/POST /admin/clients`, `GET/PATCH/DELETE /admin/clients/:id` — client CRUD; a client made
 *   without `secret`, `secretHash` or `jwks` gets a generated secret, shown once;
 * - `GET /admin/whoami` (the caller, its role and, for a login session, its CSRF token), `POST
 *   /admin/sign-out` (ends the console's login session);
 * - `GET /admin/overview` (keys, the next rotation, token counters: see `describeOverview`);
 * - `GET /admin/keys`, `POST /admin/keys/rotate` (`{ immediate }`), `POST /admin/keys/:kid/retire`,
 *   `POST /admin/keys/:kid/withdraw` (`{ reason }`: a stolen key leaves the JWKS at once);
 * - `GET/POST /admin/users`, `GET/PATCH/DELETE /admin/users/:id`, `POST /admin/users/:id/password`
 *   (see `handleUserAdmin`);
 * - `POST /admin/tokens/inspect` (the console's token debugger, see `inspectToken`);
 * - `POST /admin/policies/simulate` (the console's policy simulator, see `simulatePolicies`);
 * - `GET /admin/audit`, `GET /admin/audit/export` (see `handleAuditRequest`);
 * - `POST /admin/gateways/:id/decisions`, a gateway's push, authenticated as a client with
 *   `reportDecisions` (see `handleGatewayPush`), and the reads of what gateways report:
 *   `GET /admin/gateways[/:id[/policies]]`, `GET /admin/decisions[/graph|/stream]` (see
 *   `handleDecisionAdmin`);
 * - the jwt-factory endpoints under `/admin/jwt-factory/` (see `handleJwtFactoryRequest`).
 *
 * @example
 * ```ts
 * if (path.startsWith('/admin/')) return handleAdminRequest(ctx, req, res, path, body);
 * ```
 */
export async function handleAdminRequest(
  ctx: ServiceContext,
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
  query: URLSearchParams,
  body: Buffer,
): Promise<void> {
  // A gateway's push carries the gateway's client credentials, not an admin credential: it is
  // answered before the admin token or a console session is looked for (issue 17).
  const pushTo = gatewayPushTarget(req.method, path);
  if (pushTo !== undefined) return handleGatewayPush(ctx, req, res, pushTo, body);
  try {
    const principal = await adminPrincipal(ctx, req);
    const { actor } = principal;
    const method = req.method ?? 'GET';
    let parts: string[];
    try {
      parts = path
        .split('/')
        .slice(2)
        .map((p) => decodeURIComponent(p));
    } catch {
      throw tokenServiceErrors.create('ERR_ADMIN_BAD_REQUEST', 'malformed percent-encoding in the path');
    }
    const allowed = adminMethods(parts);
    if (allowed !== undefined && !allowed.includes(method))
      throw tokenServiceErrors.create(
        'ERR_ADMIN_METHOD_NOT_ALLOWED',
        `${method} is not allowed here; use ${allowed.join(' or ')}`,
        {
          details: { allow: allowed.join(', ') },
        },
      );
    checkAdminCall(principal, req, parts, ctx.issuerUrl());
    if (parts.length === 1 && parts[0] === 'whoami' && method === 'GET') {
      const user = principal.session === undefined ? undefined : await ctx.storage.users.get(principal.session.userId);
      return sendJson(res, 200, {
        actor,
        role: principal.role,
        ...(user === undefined ? {} : { username: user.username }),
        ...(principal.session === undefined ? {} : { csrf: consoleCsrf(principal.session.key) }),
      });
    }
    if (parts.join('/') === 'sign-out' && method === 'POST') return await signOut(ctx, res, principal.session?.key);
    if (parts[0] === 'jwt-factory')
      return await handleJwtFactoryRequest(ctx, req, res, parts.slice(1), query, body, actor);
    if (parts[0] === 'users') return await handleUserAdmin(ctx, req, res, parts.slice(1), method, body, actor, query);
    if (parts[0] === 'clients' && parts.length === 1) {
      if (method === 'GET') {
        const page = listPage(
          await ctx.storage.clients.list(),
          query,
          (c) => c.clientId,
          (c) => c.clientId,
        );
        return sendJson(res, 200, {
          clients: page.items.map((c) => clientView(toClientRecord(c))),
          ...(page.next === undefined ? {} : { next: page.next }),
        });
      }
      if (method === 'POST') return await createClient(ctx, req, res, body, actor);
    }
    if (parts[0] === 'clients' && parts.length === 2) {
      const id = parts[1]!;
      if (method === 'GET') return sendJson(res, 200, clientView(await mustGetClient(ctx, id)));
      if (method === 'PATCH') return await updateClient(ctx, req, res, id, body, actor);
      if (method === 'DELETE') {
        if (!(await ctx.storage.clients.delete(id)))
          throw tokenServiceErrors.create('ERR_ADMIN_NOT_FOUND', 'no such client');
        ctx.forgetClient(id);
        await ctx.audit({ actor, action: 'client.deleted', target: id });
        await publish(ctx, 'client.changed', { clientId: id });
        res.writeHead(204).end();
        return;
      }
    }
    if (parts[0] === 'clients' && parts[2] === 'secrets') {
      if (parts.length === 3 && method === 'POST')
        return await rotateClientSecret(ctx, req, res, parts[1]!, body, actor);
      if (parts.length === 4 && method === 'DELETE')
        return await removeClientSecret(ctx, res, parts[1]!, parts[3]!, actor);
    }
    if (parts.join('/') === 'overview' && method === 'GET') return sendJson(res, 200, await describeOverview(ctx));
    if (parts[0] === 'keys' && parts.length === 1 && method === 'GET')
      return sendJson(res, 200, { keys: ctx.keyRing.list() });
    if (parts[0] === 'keys' && parts[1] === 'rotate' && parts.length === 2 && method === 'POST') {
      const { immediate } = parseJsonBody(req, body, rotateSchema);
      const key = await ctx.keyRing.rotate({ immediate, actor });
      return sendJson(res, 200, key);
    }
    if (parts[0] === 'keys' && parts.length === 3 && parts[2] === 'retire' && method === 'POST') {
      return sendJson(res, 200, await ctx.keyRing.retire(parts[1]!, actor));
    }
    if (parts[0] === 'keys' && parts.length === 3 && parts[2] === 'withdraw' && method === 'POST') {
      const { reason } = parseJsonBody(req, body, withdrawSchema);
      const result = await ctx.keyRing.withdraw(parts[1]!, reason, actor);
      return sendJson(res, 200, result);
    }
    if (parts.join('/') === 'policies/simulate' && method === 'POST')
      return sendJson(res, 200, await simulatePolicies(ctx, parseJsonBody(req, body, simulateRequestSchema)));
    if (parts.join('/') === 'tokens/inspect' && method === 'POST')
      return sendJson(res, 200, await inspectToken(ctx, parseJsonBody(req, body, inspectRequestSchema)));
    if (parts[0] === 'audit' && method === 'GET') return await handleAuditRequest(ctx, res, parts, query);
    if (parts[0] === 'gateways' || parts[0] === 'decisions')
      // A stream outlives this check: it asks again while it runs (a session ended, a role taken away).
      return handleDecisionAdmin(ctx, req, res, parts, query, () =>
        adminPrincipal(ctx, req).then(
          () => true,
          () => false,
        ),
      );
    throw tokenServiceErrors.create('ERR_ADMIN_NOT_FOUND', 'no such admin endpoint');
  } catch (error) {
    const problem = toProblem(mapStoreError(error));
    if (problem.status >= 500) ctx.logger.error({ err: error, endpoint: 'admin' }, 'admin request failed');
    const headers: Record<string, string> = { 'content-type': 'application/problem+json', 'cache-control': 'no-store' };
    if (problem.status === 401) headers['www-authenticate'] = 'Bearer realm="tessera-admin"';
    if (isTesseraError(error, 'ERR_ADMIN_METHOD_NOT_ALLOWED')) headers['allow'] = String(error.details?.['allow']);
    const payload = JSON.stringify(problem);
    res.writeHead(problem.status, { ...headers, 'content-length': Buffer.byteLength(payload) });
    res.end(payload);
  }
}

/** `POST /admin/sign-out`: the console's sign-out ends the login session it was called with. */
async function signOut(ctx: ServiceContext, res: ServerResponse, sessionKey: string | undefined): Promise<void> {
  if (sessionKey === undefined)
    throw tokenServiceErrors.create('ERR_ADMIN_BAD_REQUEST', 'only a login session signs out; the admin token stays');
  await endSession(ctx, sessionKey, 'logout');
  const secure = ctx.issuerUrl().startsWith('https:');
  res.writeHead(204, { 'set-cookie': sessionCookie(SESSION_COOKIE, '', { secure, maxAge: 0 }) }).end();
}

function mapStoreError(error: unknown): unknown {
  if (isTesseraError(error, 'ERR_STORE_CONFLICT'))
    return tokenServiceErrors.create('ERR_ADMIN_CONFLICT', error.message);
  if (isTesseraError(error, 'ERR_STORE_NOT_FOUND'))
    return tokenServiceErrors.create('ERR_ADMIN_NOT_FOUND', error.message);
  return error;
}

async function mustGetClient(ctx: ServiceContext, id: string): Promise<ClientRecord> {
  const stored = await ctx.storage.clients.get(id);
  if (stored === undefined) throw tokenServiceErrors.create('ERR_ADMIN_NOT_FOUND', 'no such client');
  return toClientRecord(stored);
}

async function publish(ctx: ServiceContext, type: string, data: Record<string, unknown>): Promise<void> {
  await ctx.storage.events
    .publish({ type, data })
    .catch((err: unknown) => ctx.logger.warn({ err, type }, 'event not published'));
}

/**
 * Stores a changed client as a compare-and-set on the record it was read as, then forgets the
 * cached copy, audits the change and tells the other replicas.
 */
async function saveClientChange(
  ctx: ServiceContext,
  current: ClientRecord,
  next: ClientRecord,
  actor: string,
  action: string,
  details: Record<string, unknown>,
): Promise<void> {
  await ctx.storage.clients.update(current.id, toStoredClient(next), { expectedUpdatedAt: current.updatedAt });
  ctx.forgetClient(current.id);
  await ctx.audit({ actor, action, target: current.id, details });
  await publish(ctx, 'client.changed', { clientId: current.id });
}

async function createClient(
  ctx: ServiceContext,
  req: IncomingMessage,
  res: ServerResponse,
  body: Buffer,
  actor: string,
): Promise<void> {
  const input = parseJsonBody(req, body, clientConfigSchema);
  if (input.secret !== undefined && input.secretHash !== undefined)
    throw tokenServiceErrors.create('ERR_ADMIN_BAD_REQUEST', 'give either secret or secretHash, not both');
  checkGrantTypes(input.grantTypes);
  let generated: string | undefined;
  let secretHash = input.secretHash;
  if (input.secret !== undefined) secretHash = await hashSecret(input.secret);
  else if (secretHash === undefined && input.jwks === undefined && !input.public) {
    generated = randomBytes(32).toString('base64url');
    secretHash = await hashSecret(generated);
  }
  const now = ctx.clock();
  const record = buildClientRecord(input, {
    secretHash,
    source: 'admin',
    createdAt: now,
    updatedAt: now,
    maxLifetimeSeconds: ctx.config.tokens.maxLifetimeSeconds,
  });
  await ctx.storage.clients.create(toStoredClient(record));
  await ctx.audit({
    actor,
    action: 'client.created',
    target: record.id,
    details: {
      audiences: record.audiences,
      scopes: record.scopes,
      grantTypes: record.grantTypes,
      introspect: record.introspect,
      revocations: record.revocations,
      reportDecisions: record.reportDecisions,
    },
  });
  await publish(ctx, 'client.changed', { clientId: record.id });
  sendJson(
    res,
    201,
    { ...clientView(record), ...(generated === undefined ? {} : { client_secret: generated }) },
    { 'cache-control': 'no-store', location: `/admin/clients/${encodeURIComponent(record.id)}` },
  );
}

async function updateClient(
  ctx: ServiceContext,
  req: IncomingMessage,
  res: ServerResponse,
  id: string,
  body: Buffer,
  actor: string,
): Promise<void> {
  const patch = parseJsonBody(req, body, clientPatchSchema);
  checkGrantTypes(patch.grantTypes);
  const current = await mustGetClient(ctx, id);
  if (patch.secret !== undefined && (patch.secretHash !== undefined || patch.rotateSecret))
    throw tokenServiceErrors.create('ERR_ADMIN_BAD_REQUEST', 'give one of secret, secretHash, rotateSecret');
  let generated: string | undefined;
  let secretHash = patch.secretHash ?? current.secretHash;
  if (patch.secret !== undefined) secretHash = await hashSecret(patch.secret);
  if (patch.rotateSecret) {
    generated = randomBytes(32).toString('base64url');
    secretHash = await hashSecret(generated);
  }
  // A new secret given here replaces the old ones at once (a rotation with an overlap is
  // POST .../secrets).
  const replaced = patch.secret !== undefined || patch.secretHash !== undefined || patch.rotateSecret === true;
  const { secrets: _overlap, ...withoutOverlap } = current;
  const next: ClientRecord = {
    ...(replaced ? withoutOverlap : current),
    ...(secretHash === undefined ? {} : { secretHash }),
    ...(patch.jwks === undefined ? {} : { jwks: patch.jwks }),
    ...(patch.audiences === undefined ? {} : { audiences: patch.audiences }),
    ...(patch.scopes === undefined ? {} : { scopes: patch.scopes }),
    ...(patch.grantTypes === undefined ? {} : { grantTypes: patch.grantTypes }),
    ...(patch.tokenLifetimeSeconds === undefined
      ? {}
      : { tokenLifetimeSeconds: Math.min(patch.tokenLifetimeSeconds, ctx.config.tokens.maxLifetimeSeconds) }),
    ...(patch.exchange === undefined ? {} : { exchange: patch.exchange }),
    ...(patch.introspect === undefined ? {} : { introspect: patch.introspect }),
    ...(patch.revocations === undefined ? {} : { revocations: patch.revocations }),
    ...(patch.reportDecisions === undefined ? {} : { reportDecisions: patch.reportDecisions }),
    ...(patch.enabled === undefined ? {} : { enabled: patch.enabled }),
    ...(patch.redirectUris === undefined ? {} : { redirectUris: patch.redirectUris }),
    ...(patch.postLogoutRedirectUris === undefined ? {} : { postLogoutRedirectUris: patch.postLogoutRedirectUris }),
    ...(patch.firstParty === undefined ? {} : { firstParty: patch.firstParty }),
    ...(patch.backchannelLogoutUri === undefined ? {} : { backchannelLogoutUri: patch.backchannelLogoutUri }),
    updatedAt: Math.max(ctx.clock(), current.updatedAt + 1),
  };
  // The rules a new public client meets hold after a change too.
  if (next.public) {
    if (patch.secret !== undefined || patch.secretHash !== undefined || patch.rotateSecret || patch.jwks !== undefined)
      throw tokenServiceErrors.create('ERR_ADMIN_BAD_REQUEST', 'a public client has no secret, secretHash or jwks');
    const other = next.grantTypes.find((g) => g !== 'authorization_code' && g !== 'refresh_token');
    if (other !== undefined)
      throw tokenServiceErrors.create('ERR_ADMIN_BAD_REQUEST', `grantTypes: a public client may not use ${other}`);
  }
  await saveClientChange(ctx, current, next, actor, 'client.updated', {
    fields: Object.keys(patch).filter((k) => k !== 'secret'),
  });
  sendJson(
    res,
    200,
    { ...clientView(next), ...(generated === undefined ? {} : { client_secret: generated }) },
    { 'cache-control': 'no-store' },
  );
}

const rotateSecretSchema = z.strictObject({
  /** When the secrets in use now stop working (ISO 8601): after the new one is deployed everywhere. */
  oldSecretsNotAfter: z.iso.datetime({ offset: true }).optional(),
});

/** The longest overlap a rotation may give the old secrets. */
const MAX_OVERLAP_MS = 90 * 86_400_000;
/** The most secrets a client holds at once (each is tried at authentication). */
const MAX_SECRETS = 3;

/**
 * `POST /admin/clients/:id/secrets`: a new secret (generated, shown once) works at once; the ones
 * in use keep working until `oldSecretsNotAfter` (default 24 h, at most 90 days), so the new one
 * can be deployed before the old one stops (the brief's "deploy new credentials, then revoke the
 * old ones"). Expired secrets are dropped; at most three live at once.
 */
async function rotateClientSecret(
  ctx: ServiceContext,
  req: IncomingMessage,
  res: ServerResponse,
  id: string,
  body: Buffer,
  actor: string,
): Promise<void> {
  const input = parseJsonBody(req, body, rotateSecretSchema);
  const current = await mustGetClient(ctx, id);
  if (current.public || current.secretHash === undefined)
    throw tokenServiceErrors.create('ERR_ADMIN_CONFLICT', 'this client holds no secret to rotate');
  const now = ctx.clock();
  const notAfter = input.oldSecretsNotAfter === undefined ? now + 86_400_000 : Date.parse(input.oldSecretsNotAfter);
  if (notAfter <= now || notAfter > now + MAX_OVERLAP_MS)
    throw tokenServiceErrors.create(
      'ERR_ADMIN_BAD_REQUEST',
      'oldSecretsNotAfter must be in the future and at most 90 days away',
    );
  const earlier = (current.secrets ?? [{ id: 'primary', hash: current.secretHash }])
    .filter((s) => s.notAfter === undefined || s.notAfter > now)
    .map((s) => ({ ...s, notAfter: Math.min(s.notAfter ?? notAfter, notAfter) }));
  if (earlier.length >= MAX_SECRETS)
    throw tokenServiceErrors.create(
      'ERR_ADMIN_CONFLICT',
      `the client has ${earlier.length} secrets in use: remove one (DELETE .../secrets/:id) or wait for it to expire`,
    );
  const generated = randomBytes(32).toString('base64url');
  const secretId = `s_${randomBytes(6).toString('base64url')}`;
  const hash = await hashSecret(generated);
  const next: ClientRecord = {
    ...current,
    secretHash: hash,
    secrets: [{ id: secretId, hash }, ...earlier],
    updatedAt: Math.max(now, current.updatedAt + 1),
  };
  // Named without "secret": the audit store redacts members so named (defence in depth), and these
  // are an id and a date the log should show.
  await saveClientChange(ctx, current, next, actor, 'client.secret.rotated', {
    id: secretId,
    previousUntil: new Date(notAfter).toISOString(),
  });
  sendJson(res, 201, { ...clientView(next), client_secret: generated, secretId }, { 'cache-control': 'no-store' });
}

/** `DELETE /admin/clients/:id/secrets/:secretId`: an earlier secret stops at once (not the current one). */
async function removeClientSecret(
  ctx: ServiceContext,
  res: ServerResponse,
  id: string,
  secretId: string,
  actor: string,
): Promise<void> {
  const current = await mustGetClient(ctx, id);
  const secrets = current.secrets ?? [];
  if (!secrets.some((s) => s.id === secretId)) throw tokenServiceErrors.create('ERR_ADMIN_NOT_FOUND', 'no such secret');
  if (secrets[0]?.id === secretId)
    throw tokenServiceErrors.create('ERR_ADMIN_CONFLICT', 'the current secret stays: rotate first');
  const next: ClientRecord = {
    ...current,
    secrets: secrets.filter((s) => s.id !== secretId),
    updatedAt: Math.max(ctx.clock(), current.updatedAt + 1),
  };
  await saveClientChange(ctx, current, next, actor, 'client.secret.removed', { id: secretId });
  res.writeHead(204).end();
}
