import type { ProviderTokens } from './oidc-relying-party.js';

/** A person's session at the gateway. */
export interface LoginSession {
  readonly tokens: ProviderTokens;
  /** The provider's session id and the user (for back-channel logout). */
  readonly sid: string | undefined;
  readonly sub: string | undefined;
  /** Epoch seconds of the login. */
  readonly at: number;
}
