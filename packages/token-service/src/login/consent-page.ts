import { escapeHtml, logoImage, pageHead } from './login-page.js';

/** What the consent page shows and where it posts. */
export interface ConsentPageInput {
  readonly productName: string;
  readonly interaction: string;
  readonly csrf: string;
  /** The client asking. */
  readonly clientName: string;
  /** The signed-in user, so a shared computer's wrong account is noticed. */
  readonly username: string;
  /** The scopes asked for; those the user already consented to are not asked again. */
  readonly scopes: readonly string[];
  /** Shows the configured logo (`/login/logo`). */
  readonly logo?: boolean;
}

/** What the standard scopes let a client do, said to the user (OpenID Connect Core §5.4, §11). */
const SCOPE_TEXT: Readonly<Record<string, string>> = {
  openid: 'Know who you are',
  profile: 'See your name and profile',
  email: 'See your email address',
  offline_access: 'Keep access while you are signed out',
};

/**
 * The consent page: the client, the signed-in user, a list of what the client asks for (standard
 * scopes in words, others by name), and two buttons of one form (`decision=allow|deny`), with the
 * interaction id and a CSRF token bound to the browser's interaction cookie. Same rules as the
 * login page: no script, no third-party asset, the stylesheet from `GET /login/style.css`.
 *
 * @example
 * ```ts
 * res.end(consentPage({ productName: 'Tessera', interaction, csrf, clientName: 'partner-app', username: 'alice', scopes: ['openid', 'orders:read'] }));
 * ```
 */
export function consentPage(input: ConsentPageInput): string {
  const e = escapeHtml;
  const items = input.scopes
    .map(
      (s) =>
        `<li>${SCOPE_TEXT[s] === undefined ? `<code>${e(s)}</code>` : `${e(SCOPE_TEXT[s])} <code>${e(s)}</code>`}</li>`,
    )
    .join('\n');
  return `${pageHead(`Allow access? · ${e(input.productName)}`)}<body>
<main>
${logoImage(input.logo, input.productName)}<h1>Allow access?</h1>
<p class="client"><strong>${e(input.clientName)}</strong> asks to use your account <strong>${e(input.username)}</strong>.</p>
<form method="post" action="/consent">
<input type="hidden" name="interaction" value="${e(input.interaction)}">
<input type="hidden" name="csrf" value="${e(input.csrf)}">
<fieldset>
<legend>It will be able to:</legend>
<ul class="scopes">
${items}
</ul>
</fieldset>
<div class="actions">
<button type="submit" name="decision" value="deny" class="secondary">Deny</button>
<button type="submit" name="decision" value="allow" autofocus>Allow</button>
</div>
</form>
<p class="product">${e(input.productName)}</p>
</main>
</body>
</html>
`;
}
