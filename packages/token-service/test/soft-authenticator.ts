// A software WebAuthn authenticator for the passkey tests over HTTP: it makes ES256 credentials
// and answers registration and login ceremonies the way a browser and an authenticator would
// (client data JSON, authenticator data, `none` attestation, a DER signature), so the tests can
// also answer them the way an attacker would: another origin, another RP id, a counter that went
// back. The real browser's virtual authenticator is driven in test/e2e.
import { createHash, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';
import { isoCBOR } from '@simplewebauthn/server/helpers';

interface Credential {
  readonly privateKey: KeyObject;
  readonly userHandle: string;
  counter: number;
}

/** What the ceremonies may be told to do differently from an honest browser. */
export interface CeremonyOverrides {
  readonly origin?: string;
  readonly rpId?: string;
  /** The counter to sign with (default: one more than the last). */
  readonly counter?: number;
  readonly userVerified?: boolean;
  /** Another credential's id to name in the answer (signed with this authenticator's key still). */
  readonly credentialId?: string;
  /** Another user handle to send. */
  readonly userHandle?: string;
}

const b64u = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64url');
const sha256 = (data: Uint8Array | string) => createHash('sha256').update(data).digest();

/** A software authenticator for `origin` (its RP id: the origin's host). */
export function softAuthenticator(origin: string, options: { readonly synced?: boolean } = {}) {
  const credentials = new Map<string, Credential>();
  const rpIdOf = () => new URL(origin).hostname;

  const authData = (rpId: string, counter: number, userVerified: boolean, attested?: Uint8Array) => {
    // UP, UV, BE and BS (a synced passkey is backup eligible and backed up), AT with attested data.
    const flags =
      0x01 | (userVerified ? 0x04 : 0) | (options.synced === true ? 0x18 : 0) | (attested === undefined ? 0 : 0x40);
    const head = Buffer.alloc(37);
    sha256(rpId).copy(head, 0);
    head[32] = flags;
    head.writeUInt32BE(counter, 33);
    return attested === undefined ? head : Buffer.concat([head, attested]);
  };

  const clientData = (type: string, challenge: string, o: CeremonyOverrides) =>
    Buffer.from(JSON.stringify({ type, challenge, origin: o.origin ?? origin, crossOrigin: false }));

  return {
    credentials,
    /** Answers `navigator.credentials.create(options)`: a new ES256 credential, `none` attestation. */
    register(creation: { challenge: string; user: { id: string } }, o: CeremonyOverrides = {}) {
      const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
      const jwk = publicKey.export({ format: 'jwk' });
      const id = randomBytes(16);
      const cose = isoCBOR.encode(
        new Map<number, number | Uint8Array>([
          [1, 2],
          [3, -7],
          [-1, 1],
          [-2, Buffer.from(jwk.x!, 'base64url')],
          [-3, Buffer.from(jwk.y!, 'base64url')],
        ]),
      );
      const idLength = Buffer.alloc(2);
      idLength.writeUInt16BE(id.length);
      const attested = Buffer.concat([Buffer.alloc(16), idLength, id, cose]);
      const attestationObject = isoCBOR.encode(
        new Map<string, string | Uint8Array | Map<string, string>>([
          ['fmt', 'none'],
          ['attStmt', new Map<string, string>()],
          ['authData', authData(o.rpId ?? rpIdOf(), 0, o.userVerified ?? true, attested)],
        ]),
      );
      credentials.set(b64u(id), { privateKey, userHandle: creation.user.id, counter: 0 });
      return {
        id: b64u(id),
        rawId: b64u(id),
        type: 'public-key',
        response: {
          clientDataJSON: b64u(clientData('webauthn.create', creation.challenge, o)),
          attestationObject: b64u(attestationObject),
          transports: ['internal'],
        },
        clientExtensionResults: {},
        authenticatorAttachment: 'platform',
      };
    },
    /** Answers `navigator.credentials.get(options)` with the first allowed (or any) credential. */
    authenticate(request: { challenge: string; allowCredentials?: { id: string }[] }, o: CeremonyOverrides = {}) {
      const allowed = request.allowCredentials ?? [];
      const own = [...credentials.keys()].find((k) => allowed.length === 0 || allowed.some((c) => c.id === k));
      const credential = own === undefined ? undefined : credentials.get(own);
      if (own === undefined || credential === undefined) throw new Error('no credential for this request');
      // Signed with this authenticator's key, whatever id the answer is made to name.
      const id = o.credentialId ?? own;
      credential.counter = o.counter ?? credential.counter + 1;
      const data = authData(o.rpId ?? rpIdOf(), credential.counter, o.userVerified ?? true);
      const client = clientData('webauthn.get', request.challenge, o);
      const signature = sign('sha256', Buffer.concat([data, sha256(client)]), credential.privateKey);
      return {
        id,
        rawId: id,
        type: 'public-key',
        response: {
          clientDataJSON: b64u(client),
          authenticatorData: b64u(data),
          signature: b64u(signature),
          userHandle: o.userHandle ?? credential.userHandle,
        },
        clientExtensionResults: {},
        authenticatorAttachment: 'platform',
      };
    },
  };
}

/** The JSON options a passkey form of a page carries (`data-passkey-options`). */
export function passkeyOptionsOf<T = { challenge: string; user: { id: string }; allowCredentials?: { id: string }[] }>(
  html: string,
): T {
  const attr = /data-passkey-options="([^"]*)"/.exec(html)?.[1];
  if (attr === undefined) throw new Error('no passkey form on the page');
  return JSON.parse(attr.replace(/&#(\d+);/g, (_m, c: string) => String.fromCharCode(Number(c)))) as T;
}
