import { createHash } from 'node:crypto';
import type { StateRecord, StateStore } from '../storage/index.js';

/** A remembered consent: what the user let the client have, and when. */
export interface Consent {
  readonly clientId: string;
  readonly scopes: readonly string[];
  /** Epoch ms of the last grant. */
  readonly grantedAt: number;
  /** Epoch ms after which the user is asked again. */
  readonly expiresAt: number;
}

/** The consent record's key: one per (user, client); hashed so that no id can collide with another pair. */
function consentKey(userId: string, clientId: string): string {
  return createHash('sha256').update(userId).update('\0').update(clientId).digest('base64url');
}

function toConsent(record: StateRecord): Consent {
  return {
    clientId: String(record.data['clientId']),
    scopes: (record.data['scopes'] as string[] | undefined) ?? [],
    grantedAt: Number(record.data['grantedAt']),
    expiresAt: record.expiresAt,
  };
}

/**
 * The user's remembered consent to a client, if any and not expired.
 *
 * @example
 * ```ts
 * const consent = await findConsent(storage.state, userId, 'partner-app');
 * const covered = consent !== undefined && request.scope.every((s) => consent.scopes.includes(s));
 * ```
 */
export async function findConsent(state: StateStore, userId: string, clientId: string): Promise<Consent | undefined> {
  const record = await state.get('consent', consentKey(userId, clientId));
  return record === undefined ? undefined : toConsent(record);
}

/**
 * Remembers that the user consented to these scopes for the client, added to what was consented
 * before (asking for one more scope does not forget the others), for `lifetimeSeconds` from now.
 *
 * @example
 * ```ts
 * await rememberConsent(storage.state, { userId, clientId, scopes: ['openid', 'profile'] }, { now, lifetimeSeconds: 31_536_000 });
 * ```
 */
export async function rememberConsent(
  state: StateStore,
  grant: { readonly userId: string; readonly clientId: string; readonly scopes: readonly string[] },
  options: { readonly now: number; readonly lifetimeSeconds: number },
): Promise<void> {
  const before = await findConsent(state, grant.userId, grant.clientId);
  const scopes = [...new Set([...(before?.scopes ?? []), ...grant.scopes])].sort();
  await state.put({
    kind: 'consent',
    key: consentKey(grant.userId, grant.clientId),
    data: { clientId: grant.clientId, scopes, grantedAt: options.now },
    expiresAt: options.now + options.lifetimeSeconds * 1000,
    userId: grant.userId,
  });
}

/**
 * Every live consent of a user, by client id.
 *
 * @example
 * ```ts
 * const consents = await listConsents(storage.state, userId);
 * ```
 */
export async function listConsents(state: StateStore, userId: string): Promise<Consent[]> {
  const consents = (await state.find('consent', { userId })).map(toConsent);
  return consents.sort((a, b) => a.clientId.localeCompare(b.clientId));
}

/**
 * Forgets the user's consent to a client; false when there was none.
 *
 * @example
 * ```ts
 * await forgetConsent(storage.state, userId, 'partner-app');
 * ```
 */
export async function forgetConsent(state: StateStore, userId: string, clientId: string): Promise<boolean> {
  return state.delete('consent', consentKey(userId, clientId));
}
