import { createAuthenticator, type Authenticator, type AuthenticatorOptions } from '../create-authenticator.js';

/** Adapters take either ready authenticator or its options. */
export function resolveAuthenticator(options: AuthenticatorOptions | Authenticator): Authenticator {
  if (typeof options === 'object' && options !== null && typeof (options as Authenticator).authenticate === 'function')
    return options as Authenticator;
  return createAuthenticator(options as AuthenticatorOptions);
}
