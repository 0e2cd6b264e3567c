// Input checks shared by every back-end, so each one rejects the same bad input with the same code
// (ERR_STORE_INPUT_INVALID) before anything is written. Records must be plain JSON: they cross
// files, SQL jsonb and Redis strings unchanged.
import type { Jwk } from '@tessera/core';
import { tokenServiceErrors } from '../../errors.js';
import type {
  AuditInput,
  KeyPurpose,
  KeyState,
  KeyStatePatch,
  StateKind,
  StateLink,
  StateRecord,
  StoredClient,
  StoredKey,
  StoredUser,
} from '../types.js';

const KEY_STATES: readonly KeyState[] = ['next', 'active', 'retired', 'removed'];
const PURPOSES: readonly KeyPurpose[] = ['ring', 'named'];
/** JWK members that carry private or secret key material (RFC 7518 §6.2.2, §6.3.2, §6.4.1; RFC 8037 §2). */
export const PRIVATE_JWK_MEMBERS: readonly string[] = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];
const MAX_ID = 512;
const MAX_DEPTH = 16;

/** Throws ERR_STORE_INPUT_INVALID. */
export function invalid(message: string): never {
  throw tokenServiceErrors.create('ERR_STORE_INPUT_INVALID', message);
}

/** A non-empty id of at most 512 characters without control characters. */
export function checkId(what: string, id: unknown): string {
  // eslint-disable-next-line no-control-regex -- matching control characters is the point: ids must not contain any
  if (typeof id !== 'string' || id.length === 0 || id.length > MAX_ID || /[\u0000-\u001f\u007f]/.test(id)) {
    invalid(`${what} must be a non-empty string of at most ${MAX_ID} characters without control characters`);
  }
  return id;
}

/** A time in ms since the epoch: a non-negative safe integer. */
export function checkTime(what: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0)
    invalid(`${what} must be a whole number of ms since the epoch`);
  return value;
}

function checkOptionalTime(what: string, value: unknown): void {
  if (value !== undefined) checkTime(what, value);
}

/**
 * Deep-copies `value` if it is plain JSON (null, booleans, finite numbers, strings, arrays, plain
 * objects; no `__proto__` members, bounded depth); members whose value is `undefined` are dropped,
 * as JSON.stringify would.
 */
export function plainJson(what: string, value: unknown, depth = 0): unknown {
  if (depth > MAX_DEPTH) invalid(`${what} is nested too deeply`);
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) invalid(`${what} holds a non-finite number`);
    return value;
  }
  if (Array.isArray(value)) return value.map((v, i) => plainJson(`${what}[${i}]`, v, depth + 1));
  if (typeof value === 'object') {
    const proto = Object.getPrototypeOf(value) as unknown;
    if (proto !== Object.prototype && proto !== null) invalid(`${what} is not a plain object`);
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      if (k === '__proto__' || k === 'constructor' || k === 'prototype')
        invalid(`${what} has a forbidden member name "${k}"`);
      if (v === undefined) continue;
      out[k] = plainJson(`${what}.${k}`, v, depth + 1);
    }
    return out;
  }
  return invalid(`${what} is not JSON (${typeof value})`);
}

function checkJwk(what: string, jwk: unknown, mustBePublic: boolean): Jwk {
  if (
    typeof jwk !== 'object' ||
    jwk === null ||
    Array.isArray(jwk) ||
    typeof (jwk as { kty?: unknown }).kty !== 'string'
  ) {
    invalid(`${what} must be a JWK object with a string "kty"`);
  }
  if (mustBePublic) {
    for (const m of PRIVATE_JWK_MEMBERS) if (m in jwk) invalid(`${what} holds the private member "${m}"`);
  }
  return plainJson(what, jwk) as Jwk;
}

/** Validates and copies a key record; the private JWK is kept (the caller encrypts it). */
export function checkKey(key: unknown): StoredKey {
  if (typeof key !== 'object' || key === null) invalid('key must be an object');
  const k = key as Record<string, unknown>;
  checkId('kid', k.kid);
  if (!PURPOSES.includes(k.purpose as KeyPurpose)) invalid(`key purpose must be one of ${PURPOSES.join(', ')}`);
  if (typeof k.alg !== 'string' || k.alg.length === 0 || k.alg.length > 32)
    invalid('key alg must be a non-empty string');
  if (!KEY_STATES.includes(k.state as KeyState)) invalid(`key state must be one of ${KEY_STATES.join(', ')}`);
  checkTime('createdAt', k.createdAt);
  for (const f of ['activatesAt', 'activatedAt', 'retiredAt', 'removeAfter', 'withdrawnAt']) checkOptionalTime(f, k[f]);
  const publicJwk = checkJwk('publicJwk', k.publicJwk, true);
  const privateJwk = k.privateJwk === undefined ? undefined : checkJwk('privateJwk', k.privateJwk, false);
  const out: Record<string, unknown> = {
    kid: k.kid,
    purpose: k.purpose,
    alg: k.alg,
    state: k.state,
    createdAt: k.createdAt,
    activatesAt: k.activatesAt,
    activatedAt: k.activatedAt,
    retiredAt: k.retiredAt,
    removeAfter: k.removeAfter,
    withdrawnAt: k.withdrawnAt,
    publicJwk,
    privateJwk,
  };
  for (const f of Object.keys(out)) if (out[f] === undefined) delete out[f];
  return out as unknown as StoredKey;
}

/** Validates a state patch. */
export function checkKeyPatch(expected: unknown, patch: unknown): KeyStatePatch {
  if (!KEY_STATES.includes(expected as KeyState)) invalid(`expected state must be one of ${KEY_STATES.join(', ')}`);
  if (typeof patch !== 'object' || patch === null) invalid('patch must be an object');
  const p = patch as Record<string, unknown>;
  if (!KEY_STATES.includes(p.state as KeyState)) invalid(`patch state must be one of ${KEY_STATES.join(', ')}`);
  for (const f of ['activatesAt', 'activatedAt', 'retiredAt', 'removeAfter', 'withdrawnAt']) checkOptionalTime(f, p[f]);
  if (p.dropPrivateKey !== undefined && typeof p.dropPrivateKey !== 'boolean')
    invalid('dropPrivateKey must be a boolean');
  return p as unknown as KeyStatePatch;
}

/** Applies a checked patch to a key (pure). */
export function applyKeyPatch(key: StoredKey, patch: KeyStatePatch): StoredKey {
  const next: Record<string, unknown> = { ...key, state: patch.state };
  for (const f of ['activatesAt', 'activatedAt', 'retiredAt', 'removeAfter', 'withdrawnAt'] as const)
    if (patch[f] !== undefined) next[f] = patch[f];
  if (patch.dropPrivateKey) delete next.privateJwk;
  return next as unknown as StoredKey;
}

function checkStrings(what: string, value: unknown): void {
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'string')) invalid(`${what} must be an array of strings`);
}

/** Validates and copies a client record (plain JSON, typed core members). */
export function checkClient(client: unknown): StoredClient {
  if (typeof client !== 'object' || client === null || Array.isArray(client)) invalid('client must be an object');
  const c = client as Record<string, unknown>;
  checkId('clientId', c.clientId);
  if (c.secretHash !== undefined && (typeof c.secretHash !== 'string' || c.secretHash.length === 0))
    invalid('secretHash must be a non-empty string');
  if (c.jwks !== undefined) {
    const keys = typeof c.jwks === 'object' && c.jwks !== null && 'keys' in c.jwks ? c.jwks.keys : undefined;
    if (!Array.isArray(keys)) invalid('jwks must be an object with a "keys" array');
    keys.forEach((k, i) => checkJwk(`jwks.keys[${i}]`, k, true));
  }
  checkStrings('allowedAudiences', c.allowedAudiences);
  checkStrings('allowedScopes', c.allowedScopes);
  if (
    c.tokenLifetimeSeconds !== undefined &&
    (typeof c.tokenLifetimeSeconds !== 'number' ||
      !Number.isFinite(c.tokenLifetimeSeconds) ||
      c.tokenLifetimeSeconds <= 0)
  ) {
    invalid('tokenLifetimeSeconds must be a positive number');
  }
  if (c.exchange !== undefined && (typeof c.exchange !== 'object' || c.exchange === null || Array.isArray(c.exchange)))
    invalid('exchange must be an object');
  if (c.introspect !== undefined && typeof c.introspect !== 'boolean') invalid('introspect must be a boolean');
  if (c.revocations !== undefined && typeof c.revocations !== 'boolean') invalid('revocations must be a boolean');
  if (c.reportDecisions !== undefined && typeof c.reportDecisions !== 'boolean')
    invalid('reportDecisions must be a boolean');
  if (typeof c.enabled !== 'boolean') invalid('enabled must be a boolean');
  checkTime('createdAt', c.createdAt);
  checkTime('updatedAt', c.updatedAt);
  const copy = plainJson('client', client) as StoredClient;
  if (JSON.stringify(copy).length > 256 * 1024) invalid('client record exceeds 256 KiB');
  return copy;
}

/** Merges a client patch: `undefined` members are removed; `clientId` cannot change. */
export function mergeClient(current: StoredClient, patch: unknown, now: number): StoredClient {
  return mergeRecord(current, patch, now, 'clientId', checkClient);
}

/**
 * A patch applied to a stored record: members set to `undefined` are removed, the id and
 * `createdAt` never change, `updatedAt` moves forward unless the patch sets it; then `check`.
 */
function mergeRecord<T extends { readonly createdAt: number; readonly updatedAt: number }>(
  current: T,
  patch: unknown,
  now: number,
  idField: keyof T & string,
  check: (record: unknown) => T,
): T {
  if (typeof patch !== 'object' || patch === null || Array.isArray(patch)) invalid('patch must be an object');
  const p = patch as Record<string, unknown>;
  if (p[idField] !== undefined && p[idField] !== current[idField]) invalid(`${idField} cannot be changed`);
  const next: Record<string, unknown> = { ...current };
  for (const [k, v] of Object.entries(p)) {
    if (v === undefined) delete next[k];
    else next[k] = v;
  }
  next[idField] = current[idField];
  next['createdAt'] = current.createdAt;
  if (p['updatedAt'] === undefined) next['updatedAt'] = Math.max(now, current.updatedAt + 1);
  return check(next);
}

/** A page size: integer in [1, max], default `fallback`. */
/** Checks a user record: ids and username, optional email and hash, profile, groups and roles. */
export function checkUser(user: unknown): StoredUser {
  if (typeof user !== 'object' || user === null || Array.isArray(user)) invalid('user must be an object');
  const u = user as Record<string, unknown>;
  checkId('userId', u.userId);
  if (typeof u.username !== 'string' || u.username.length === 0 || u.username.length > 256)
    invalid('username must be a string of 1 to 256 characters');
  if (u.email !== undefined && (typeof u.email !== 'string' || u.email.length > 320))
    invalid('email must be a string of at most 320 characters');
  if (u.emailVerified !== undefined && typeof u.emailVerified !== 'boolean') invalid('emailVerified must be a boolean');
  if (u.passwordHash !== undefined && (typeof u.passwordHash !== 'string' || u.passwordHash.length === 0))
    invalid('passwordHash must be a non-empty string');
  if (typeof u.profile !== 'object' || u.profile === null || Array.isArray(u.profile))
    invalid('profile must be an object');
  checkStrings('groups', u.groups);
  checkStrings('roles', u.roles);
  if (typeof u.disabled !== 'boolean') invalid('disabled must be a boolean');
  checkTime('createdAt', u.createdAt);
  checkTime('updatedAt', u.updatedAt);
  const copy = plainJson('user', user) as StoredUser;
  if (JSON.stringify(copy).length > 64 * 1024) invalid('user record exceeds 64 KiB');
  return copy;
}

/** Applies a patch to a user (as {@link mergeClient} does to a client) and checks the result. */
export function mergeUser(current: StoredUser, patch: unknown, now: number): StoredUser {
  return mergeRecord(current, patch, now, 'userId', checkUser);
}

export function checkLimit(value: unknown, fallback: number, max: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > max)
    invalid(`limit must be an integer from 1 to ${max}`);
  return value;
}

/** A revocation cursor: '' or a decimal sequence number. */
export function checkCursor(cursor: unknown): number {
  if (cursor === undefined || cursor === '') return 0;
  if (typeof cursor !== 'string' || !/^(0|[1-9][0-9]{0,15})$/.test(cursor))
    invalid('cursor is not one this store issued');
  return Number(cursor);
}

const SECRET_NAME =
  /secret|password|passwd|private|credential|authorization|assertion|cookie|(^|_)token$|Token$|^(d|p|q|dp|dq|qi|k|oth)$/i;
// A compact JWS/JWE anywhere in the string: its protected header is base64url JSON, so it starts `eyJ`.
const JWT_LIKE = /eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*\./;

function redact(value: unknown, depth: number): unknown {
  if (typeof value === 'string') return JWT_LIKE.test(value) ? '[redacted]' : value;
  if (depth > MAX_DEPTH || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v) => redact(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>))
    out[k] = SECRET_NAME.test(k) ? '[redacted]' : redact(v, depth + 1);
  return out;
}

const STATE_KINDS: readonly StateKind[] = ['session', 'interaction', 'code', 'consent', 'refresh', 'access'];

/** Checks a state kind. */
export function checkStateKind(kind: unknown): StateKind {
  if (!STATE_KINDS.includes(kind as StateKind)) invalid(`kind must be one of ${STATE_KINDS.join(', ')}`);
  return kind as StateKind;
}

/** Checks a state record: kind, key, plain-JSON data (at most 64 KiB), expiry and links. */
export function checkStateRecord(record: unknown): StateRecord {
  if (typeof record !== 'object' || record === null || Array.isArray(record)) invalid('state record must be an object');
  const r = record as Record<string, unknown>;
  checkStateKind(r.kind);
  checkId('key', r.key);
  if (typeof r.data !== 'object' || r.data === null || Array.isArray(r.data)) invalid('data must be an object');
  checkTime('expiresAt', r.expiresAt);
  for (const link of ['userId', 'sid', 'familyId'] as const) if (r[link] !== undefined) checkId(link, r[link]);
  if (r.usedAt !== undefined) checkTime('usedAt', r.usedAt);
  const copy = plainJson('state record', record) as StateRecord;
  if (JSON.stringify(copy).length > 64 * 1024) invalid('state record exceeds 64 KiB');
  return copy;
}

/** Checks a link: at least one of userId, sid, familyId. */
export function checkStateLink(link: unknown): StateLink {
  if (typeof link !== 'object' || link === null) invalid('link must be an object');
  const l = link as Record<string, unknown>;
  const given = (['userId', 'sid', 'familyId'] as const).filter((k) => l[k] !== undefined);
  if (given.length === 0) invalid('link needs userId, sid or familyId');
  for (const k of given) checkId(k, l[k]);
  return l;
}

/** True when `record` has every link `link` names. */
export function matchesLink(record: StateRecord, link: StateLink): boolean {
  return (
    (link.userId === undefined || record.userId === link.userId) &&
    (link.sid === undefined || record.sid === link.sid) &&
    (link.familyId === undefined || record.familyId === link.familyId)
  );
}

/** Validates an audit record and redacts secret-looking members (defence in depth; callers should not pass any). */
export function checkAudit(
  entry: unknown,
  now: number,
): { at: number; actor: string; action: string; target?: string; details?: Record<string, unknown> } {
  if (typeof entry !== 'object' || entry === null) invalid('audit entry must be an object');
  const e = entry as AuditInput;
  const at = e.at === undefined ? now : checkTime('at', e.at);
  checkId('actor', e.actor);
  checkId('action', e.action);
  if (e.target !== undefined) checkId('target', e.target);
  const out: { at: number; actor: string; action: string; target?: string; details?: Record<string, unknown> } = {
    at,
    actor: e.actor,
    action: e.action,
  };
  if (e.target !== undefined) out.target = e.target;
  if (e.details !== undefined) {
    if (typeof e.details !== 'object' || e.details === null || Array.isArray(e.details))
      invalid('details must be an object');
    const details = redact(plainJson('details', e.details), 0) as Record<string, unknown>;
    if (JSON.stringify(details).length > 16 * 1024) invalid('details exceed 16 KiB');
    out.details = details;
  }
  return out;
}

/** A sequence number of the audit log, as a page cursor: a non-negative safe integer. */
export function checkSeq(what: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0)
    invalid(`${what} must be a whole number (a seq of the audit log)`);
  return value;
}

/** The audit list's text filters: strings of at most 256 characters, when given. */
export function checkAuditFilters(
  opts: { readonly actor?: unknown; readonly actionPrefix?: unknown } | undefined,
): void {
  for (const name of ['actor', 'actionPrefix'] as const) {
    const value = opts?.[name];
    if (value !== undefined && (typeof value !== 'string' || value.length > 256))
      invalid(`${name} must be a string of at most 256 characters`);
  }
}
