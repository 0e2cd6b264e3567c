import type { ClientRecord } from '../clients/client-record.js';

/** The built-in client the account page logs in through (no client of the configuration may take this id). */
export const ACCOUNT_CLIENT_ID = 'tessera-account';

/**
 * The account page's own client: first-party, public, its one redirect URI the page itself. The
 * login routes know it by id and send the browser back to `/account` instead of issuing a code,
 * so it never holds a token.
 *
 * @example
 * ```ts
 * if (id === ACCOUNT_CLIENT_ID) return accountClient(ctx.issuerUrl());
 * ```
 */
export function accountClient(issuer: string): ClientRecord {
  return {
    id: ACCOUNT_CLIENT_ID,
    audiences: [ACCOUNT_CLIENT_ID],
    scopes: [],
    grantTypes: ['authorization_code'],
    exchange: {
      subjectIssuers: [],
      subjectAudiences: [],
      targetAudiences: [],
      delegation: false,
      impersonation: false,
    },
    introspect: false,
    revocations: false,
    enabled: true,
    public: true,
    redirectUris: [`${issuer}/account`],
    postLogoutRedirectUris: [],
    firstParty: true,
    requireSecondFactor: false,
    source: 'config',
    createdAt: 0,
    updatedAt: 0,
  };
}
