/**
 * A passkey (a WebAuthn credential) as the user record keeps it: what verifying its assertions
 * needs (the public key, the signature counter) and what the account page shows.
 */
export interface StoredPasskey {
  /** The credential id, base64url. */
  readonly id: string;
  /** The credential's COSE public key, base64url. */
  readonly publicKey: string;
  /** The authenticator's signature counter at the last use (0 for authenticators that keep none). */
  readonly counter: number;
  /** How the browser may reach the authenticator (`internal`, `hybrid`, `usb`, ...), as it said at registration. */
  readonly transports?: readonly string[];
  /** `multiDevice` when the passkey may be synced to other devices (WebAuthn's backup eligibility). */
  readonly deviceType: 'singleDevice' | 'multiDevice';
  /** Whether the passkey is backed up (synced) now, as the last use said. */
  readonly backedUp: boolean;
  /** The user's name for it. */
  readonly name: string;
  readonly createdAt: number;
  readonly lastUsedAt?: number;
}

/** Where passkeys are made and used: the relying party id (a domain), its name, and the page origin. */
export interface RelyingParty {
  readonly id: string;
  readonly name: string;
  /** The origin the login and account pages are served from (the issuer's). */
  readonly origin: string;
}
