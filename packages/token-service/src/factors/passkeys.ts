// Passkeys (WebAuthn Level 2) through @simplewebauthn/server: it parses the CBOR attestation and
// authenticator data, checks the client data (type, challenge, origin), the RP id hash, the flags
// and the signature, and the counter. What is ours: where challenges live (the user record for a
// registration, the login's interaction for an assertion), which user a credential belongs to, and
// keeping the counter and backup flags as a compare-and-set on the record.
import { isIP } from 'node:net';
import {
  generateAuthenticationOptions,
  generateRegistrationOptions,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
  type AuthenticationResponseJSON,
  type PublicKeyCredentialCreationOptionsJSON,
  type PublicKeyCredentialRequestOptionsJSON,
  type RegistrationResponseJSON,
} from '@simplewebauthn/server';
import type { StoredUser } from '../storage/index.js';
import type { RelyingParty, StoredPasskey } from './stored-passkey.js';
import { changeFactors, factorsOf, firstRecoveryCodes, afterRemoval, type FactorDeps } from './user-factors.js';

/** How long the browser's passkey prompt waits, and a started registration stays valid. */
const TIMEOUT_MS = 300_000;

/** The most passkeys one user may have (each is a key the login reads). */
export const MAX_PASSKEYS = 20;

/**
 * The relying party for an issuer, or undefined when passkeys are off: disabled by the
 * configuration, an issuer at an IP address with no `rpId` (WebAuthn needs a domain), or an
 * `rpId` the issuer's host is not within (no browser would accept it).
 *
 * @example
 * ```ts
 * const rp = relyingPartyOf(config.login.passkeys, 'http://localhost:8443', 'Tessera');
 * ```
 */
export function relyingPartyOf(
  settings: { readonly enabled: boolean; readonly rpId?: string | undefined; readonly rpName?: string | undefined },
  issuer: string,
  productName: string,
): RelyingParty | undefined {
  if (!settings.enabled) return undefined;
  const url = new URL(issuer);
  const host = url.hostname;
  if (settings.rpId === undefined && (isIP(host.replace(/^\[|\]$/g, '')) !== 0 || host === '')) return undefined;
  const id = settings.rpId ?? host;
  if (host !== id && !host.endsWith(`.${id}`)) return undefined;
  return { id, name: settings.rpName ?? productName, origin: url.origin };
}

/** The WebAuthn user handle of a user: its id (the opaque `sub`), at most 64 bytes. */
function userHandleOf(userId: string): Uint8Array | undefined {
  const bytes = new TextEncoder().encode(userId);
  return bytes.length >= 1 && bytes.length <= 64 ? bytes : undefined;
}

/** A posted WebAuthn response (JSON from the browser), or undefined when it is not one. */
function parseCredential<T extends RegistrationResponseJSON | AuthenticationResponseJSON>(text: string): T | undefined {
  try {
    const value = JSON.parse(text) as unknown;
    if (typeof value !== 'object' || value === null) return undefined;
    const { id, rawId, type, response } = value as Record<string, unknown>;
    if (typeof id !== 'string' || typeof rawId !== 'string' || type !== 'public-key') return undefined;
    return typeof response === 'object' && response !== null ? (value as T) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Starts making a passkey for a user on the account page: the options for the browser
 * (`navigator.credentials.create`), a discoverable credential asked for so it can sign in alone;
 * its challenge kept on the user record until it is used or times out. Undefined when the user
 * cannot have one more (or is gone, or the id is too long to be a user handle).
 *
 * @example
 * ```ts
 * const options = await startPasskeyRegistration(deps, rp, user);
 * ```
 */
export async function startPasskeyRegistration(
  deps: FactorDeps,
  rp: RelyingParty,
  user: StoredUser,
): Promise<PublicKeyCredentialCreationOptionsJSON | undefined> {
  const handle = userHandleOf(user.userId);
  const existing = factorsOf(user).passkeys ?? [];
  if (handle === undefined || existing.length >= MAX_PASSKEYS) return undefined;
  const displayName = typeof user.profile['name'] === 'string' ? user.profile['name'] : user.username;
  const options = await generateRegistrationOptions({
    rpName: rp.name,
    rpID: rp.id,
    userName: user.username,
    userID: handle as Uint8Array<ArrayBuffer>,
    userDisplayName: displayName,
    timeout: TIMEOUT_MS,
    attestationType: 'none',
    // One passkey per authenticator: the browser says so instead of making a second.
    excludeCredentials: existing.map((p) => ({ id: p.id, ...(p.transports ? { transports: [...p.transports] } : {}) })),
    authenticatorSelection: { residentKey: 'required', userVerification: 'preferred' },
  });
  const started = await changeFactors(deps, user.userId, (factors) => ({
    factors: { ...factors, pendingPasskey: { challenge: options.challenge, expiresAt: deps.clock() + TIMEOUT_MS } },
    result: true,
  }));
  return started === undefined ? undefined : options;
}

/** Why a passkey was not added (said to the user). */
export type PasskeyRegistrationRefusal = 'expired' | 'invalid' | 'duplicate' | 'too-many';

/**
 * Finishes making a passkey: the browser's answer is checked against the started registration's
 * challenge, this origin and RP id (the library checks the attestation, `none` accepted), then the
 * passkey is kept under `name`. A user getting a first second factor gets recovery codes
 * (`recoveryCodes`, to show once). The passkey, or why not.
 *
 * @example
 * ```ts
 * const added = await finishPasskeyRegistration(deps, rp, userId, form.get('response') ?? '', 'Laptop');
 * ```
 */
export async function finishPasskeyRegistration(
  deps: FactorDeps,
  rp: RelyingParty,
  userId: string,
  responseText: string,
  name: string,
): Promise<
  | { readonly passkey: StoredPasskey; readonly recoveryCodes: readonly string[] | undefined }
  | { readonly refused: PasskeyRegistrationRefusal }
> {
  const user = await deps.users.get(userId);
  const pending = user === undefined ? undefined : factorsOf(user).pendingPasskey;
  if (pending === undefined || pending.expiresAt < deps.clock()) return { refused: 'expired' };
  const response = parseCredential<RegistrationResponseJSON>(responseText);
  if (response === undefined) return { refused: 'invalid' };
  let info;
  try {
    const verified = await verifyRegistrationResponse({
      response,
      expectedChallenge: pending.challenge,
      expectedOrigin: rp.origin,
      expectedRPID: rp.id,
      requireUserVerification: false,
    });
    info = verified.verified ? verified.registrationInfo : undefined;
  } catch {
    // The library throws on anything malformed or not matching: a refusal like any other.
    info = undefined;
  }
  if (info === undefined) return { refused: 'invalid' };
  const passkey: StoredPasskey = {
    id: info.credential.id,
    publicKey: Buffer.from(info.credential.publicKey).toString('base64url'),
    counter: info.credential.counter,
    ...(info.credential.transports === undefined ? {} : { transports: [...info.credential.transports] }),
    deviceType: info.credentialDeviceType,
    backedUp: info.credentialBackedUp,
    name: name.trim().slice(0, 64) || 'Passkey',
    createdAt: deps.clock(),
  };
  let refusal: PasskeyRegistrationRefusal = 'expired';
  const added = await changeFactors(deps, userId, (factors) => {
    // The challenge is used once: a second answer to the same registration finds none.
    if (factors.pendingPasskey?.challenge !== pending.challenge) return undefined;
    const existing = factors.passkeys ?? [];
    if (existing.some((p) => p.id === passkey.id)) return void (refusal = 'duplicate');
    if (existing.length >= MAX_PASSKEYS) return void (refusal = 'too-many');
    const fresh = firstRecoveryCodes(factors, deps.clock());
    const { pendingPasskey: _used, ...rest } = factors;
    return {
      factors: {
        ...rest,
        passkeys: [...existing, passkey],
        ...(fresh.recovery === undefined ? {} : { recovery: fresh.recovery }),
      },
      result: { passkey, recoveryCodes: fresh.codes },
    };
  });
  return added ?? { refused: refusal };
}

/**
 * The options for the browser's `navigator.credentials.get` at login: for `passkeys` (a second
 * factor, the user known) or, with none given, any discoverable passkey of this RP (a login with
 * the passkey alone, where user verification is required: it stands for the password).
 *
 * @example
 * ```ts
 * const options = await passkeyLoginOptions(rp, interaction.passkeyChallenge);
 * ```
 */
export function passkeyLoginOptions(
  rp: RelyingParty,
  challenge: string,
  passkeys?: readonly StoredPasskey[],
): Promise<PublicKeyCredentialRequestOptionsJSON> {
  return generateAuthenticationOptions({
    rpID: rp.id,
    challenge: Buffer.from(challenge, 'base64url'),
    timeout: TIMEOUT_MS,
    userVerification: passkeys === undefined ? 'required' : 'preferred',
    allowCredentials: (passkeys ?? []).map((p) => ({
      id: p.id,
      ...(p.transports ? { transports: [...p.transports] } : {}),
    })),
  });
}

/** A passkey login that passed: whose, which passkey (as updated), and how. */
export interface PasskeyLogin {
  readonly userId: string;
  readonly passkey: StoredPasskey;
  /**
   * The RFC 8176 `amr` value of the key: `hwk` for a passkey bound to one device, `swk` for one
   * that may be synced (its private key leaves the hardware).
   */
  readonly method: 'hwk' | 'swk';
  /** The authenticator verified the user (a PIN or biometric): possession and one more factor. */
  readonly userVerified: boolean;
}

/**
 * Checks a passkey assertion posted at login against `challenge` (the interaction's, used once),
 * this origin and RP id, and the passkey's public key and counter (a counter that did not go up is
 * refused: a cloned authenticator). With `userId` (a second factor) the passkey must be that
 * user's; without, the user is the one the assertion's user handle names, and user verification
 * is required. The counter, backup state and last use are stored. Undefined when refused.
 *
 * @example
 * ```ts
 * const login = await verifyPasskeyLogin(deps, rp, form.get('response') ?? '', challenge);
 * ```
 */
export async function verifyPasskeyLogin(
  deps: FactorDeps,
  rp: RelyingParty,
  responseText: string,
  challenge: string,
  userId?: string,
): Promise<PasskeyLogin | undefined> {
  const response = parseCredential<AuthenticationResponseJSON>(responseText);
  if (response === undefined) return undefined;
  const owner = userId ?? decodeUserHandle(response.response.userHandle);
  const user = owner === undefined ? undefined : await deps.users.get(owner);
  if (user === undefined || user.disabled) return undefined;
  const passkey = factorsOf(user).passkeys?.find((p) => p.id === response.id);
  if (passkey === undefined) return undefined;
  let info;
  try {
    const verified = await verifyAuthenticationResponse({
      response,
      expectedChallenge: challenge,
      expectedOrigin: rp.origin,
      expectedRPID: rp.id,
      requireUserVerification: userId === undefined,
      credential: {
        id: passkey.id,
        publicKey: Buffer.from(passkey.publicKey, 'base64url'),
        counter: passkey.counter,
        ...(passkey.transports === undefined
          ? {}
          : { transports: passkey.transports as NonNullable<RegistrationResponseJSON['response']['transports']> }),
      },
    });
    info = verified.verified ? verified.authenticationInfo : undefined;
  } catch {
    info = undefined;
  }
  if (info === undefined) return undefined;
  const used = await changeFactors(deps, user.userId, (factors) => {
    const list = factors.passkeys ?? [];
    const current = list.find((p) => p.id === passkey.id);
    // Checked again on the record as it is now: of two assertions with one counter, one passes.
    if (current === undefined || (info.newCounter !== 0 && info.newCounter <= current.counter)) return undefined;
    const updated: StoredPasskey = {
      ...current,
      counter: info.newCounter,
      backedUp: info.credentialBackedUp,
      deviceType: info.credentialDeviceType,
      lastUsedAt: deps.clock(),
    };
    return {
      factors: { ...factors, passkeys: list.map((p) => (p.id === passkey.id ? updated : p)) },
      result: updated,
    };
  });
  if (used === undefined) return undefined;
  const method = used.deviceType === 'multiDevice' ? 'swk' : 'hwk';
  return { userId: user.userId, passkey: used, method, userVerified: info.userVerified };
}

/** The user id a user handle (base64url) names, if it could be one. */
function decodeUserHandle(handle: string | undefined): string | undefined {
  if (handle === undefined || !/^[A-Za-z0-9_-]{1,86}$/.test(handle)) return undefined;
  const id = Buffer.from(handle, 'base64url').toString('utf8');
  return userHandleOf(id) === undefined ? undefined : id;
}

/**
 * Removes one of the user's passkeys; with no second factor left, the recovery codes go too.
 *
 * @example
 * ```ts
 * await removePasskey(deps, userId, credentialId);
 * ```
 */
export function removePasskey(deps: FactorDeps, userId: string, id: string): Promise<StoredPasskey | undefined> {
  return changeFactors(deps, userId, (factors) => {
    const removed = factors.passkeys?.find((p) => p.id === id);
    if (removed === undefined) return undefined;
    const passkeys = factors.passkeys!.filter((p) => p.id !== id);
    const { passkeys: _old, ...rest } = factors;
    return { factors: afterRemoval(passkeys.length === 0 ? rest : { ...rest, passkeys }), result: removed };
  });
}
