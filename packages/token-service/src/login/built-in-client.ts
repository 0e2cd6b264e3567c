import { randomBytes } from 'node:crypto';
import type { ClientRecord } from '../clients/client-record.js';

/** The built-in client the account page logs in through. */
export const ACCOUNT_CLIENT_ID = 'tessera-account';
/** The built-in client the web console logs in through. */
export const CONSOLE_CLIENT_ID = 'tessera-console';

/** Each built-in client's one page, the only place its login returns to. */
const PAGES: Readonly<Record<string, string>> = {
  [ACCOUNT_CLIENT_ID]: '/account',
  [CONSOLE_CLIENT_ID]: '/console/',
};

/** True for the ids no configured or admin-made client may take. */
export function isBuiltInClientId(id: string): boolean {
  return Object.hasOwn(PAGES, id);
}

/**
 * A page of the token service's own (the account page, the console) as a client: first-party,
 * public, its one redirect URI the page itself. The login routes know these by id and send the
 * browser back to the page instead of issuing a code, so the page never holds a token: it is
 * served to the provider's login session (the backend-for-frontend pattern of the IETF's
 * "OAuth 2.0 for Browser-Based Applications": an `HttpOnly` cookie, no token in JavaScript).
 * Answers undefined for any other id.
 *
 * @example
 * ```ts
 * const client = builtInClient(id, ctx.issuerUrl()) ?? (await ctx.getClient(id));
 * ```
 */
export function builtInClient(id: string, issuer: string): ClientRecord | undefined {
  if (!isBuiltInClientId(id)) return undefined;
  return {
    id,
    audiences: [id],
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
    reportDecisions: false,
    enabled: true,
    public: true,
    redirectUris: [`${issuer}${PAGES[id]!}`],
    postLogoutRedirectUris: [],
    firstParty: true,
    requireSecondFactor: false,
    source: 'config',
    createdAt: 0,
    updatedAt: 0,
  };
}

/**
 * Where a built-in page sends a browser without a login session: this provider's `/authorize` for
 * the page's client, coming back to the page.
 *
 * @example
 * ```ts
 * res.writeHead(303, { location: builtInLoginUrl(CONSOLE_CLIENT_ID, ctx.issuerUrl()) }).end();
 * ```
 */
export function builtInLoginUrl(id: string, issuer: string): string {
  const url = new URL('/authorize', issuer);
  url.searchParams.set('client_id', id);
  url.searchParams.set('redirect_uri', `${issuer}${PAGES[id]!}`);
  url.searchParams.set('response_type', 'code');
  url.searchParams.set('scope', 'openid');
  // PKCE is required of every authorization request; no code is issued for a built-in page.
  url.searchParams.set('code_challenge', randomBytes(32).toString('base64url'));
  url.searchParams.set('code_challenge_method', 'S256');
  return url.href;
}
