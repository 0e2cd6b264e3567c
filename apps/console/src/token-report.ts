// The token debugger's wire types: what `POST /admin/tokens/inspect` takes and answers (the token
// service's `inspectToken`), and how each check is named on the page.

/** The checks, in the order the service makes them. */
export type TokenCheckName =
  'format' | 'signature' | 'crit' | 'iss' | 'aud' | 'sub' | 'typ' | 'exp' | 'nbf' | 'revocation';

/** One check: passed, failed (with the verifier's code and reason, as `tessera token verify` says them), or not made and why. */
export interface TokenCheck {
  readonly check: TokenCheckName;
  readonly status: 'passed' | 'failed' | 'skipped';
  readonly code?: string;
  readonly message?: string;
}

/** What the service found: the verdict, the token's parts, and each check. */
export interface TokenReport {
  /** What a Tessera verifier with these options answers (revocation included). */
  readonly valid: boolean;
  readonly error?: { readonly code: string; readonly message: string };
  readonly header?: Readonly<Record<string, unknown>>;
  readonly payload?: Readonly<Record<string, unknown>>;
  /** `exp`, `nbf`, `iat` as ISO 8601 (UTC). */
  readonly times: Readonly<Partial<Record<'exp' | 'nbf' | 'iat', string>>>;
  readonly keys: 'live' | 'pasted';
  /** Keys of a pasted set that could not be used, and why. */
  readonly droppedKeys?: readonly { readonly kid?: string; readonly reason: string }[];
  readonly checks: readonly TokenCheck[];
}

/** What each check looks at, as the page names it. */
export const TOKEN_CHECK_LABELS: Readonly<Record<TokenCheckName, string>> = {
  format: 'Format: a signed JWT (JWS compact form)',
  signature: 'Signature',
  crit: 'Critical header extensions (crit)',
  iss: 'Issuer (iss)',
  aud: 'Audience (aud)',
  sub: 'Subject (sub)',
  typ: 'Type (typ)',
  exp: 'Expiry (exp)',
  nbf: 'Not before (nbf)',
  revocation: 'Revocation (jti)',
};

/**
 * The `.state` class of a check's status. Not `skip` for a check not made: styles.css's `.skip` is
 * the skip link's, which moves it off the screen.
 */
export const TOKEN_CHECK_STATE: Readonly<Record<TokenCheck['status'], string>> = {
  passed: 'pass',
  failed: 'fail',
  skipped: 'not-checked',
};
