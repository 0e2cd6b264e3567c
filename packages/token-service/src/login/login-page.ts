/** What the login page shows and where it posts. */
export interface LoginPageInput {
  readonly title: string;
  readonly productName: string;
  readonly interaction: string;
  readonly csrf: string;
  readonly username?: string;
  /** Said to the user (and announced by screen readers), e.g. a wrong password. */
  readonly error?: string;
  /** The client the user is logging in to. */
  readonly clientName: string;
  /** Shows the configured logo (`/login/logo`). */
  readonly logo?: boolean;
  /** The options of a login with a passkey (WebAuthn `get`), when passkeys are on. */
  readonly passkeyOptions?: unknown;
}

/** Escapes text for HTML content and double-quoted attributes. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * The start of every provider page up to `<body>`: language, viewport, a same-origin referrer
 * policy and the provider's stylesheet; `title` is HTML (already escaped).
 *
 * @example
 * ```ts
 * `${pageHead(`Sign in · ${escapeHtml(product)}`)}<body>…`;
 * ```
 */
export function pageHead(title: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="same-origin">
<title>${title}</title>
<link rel="stylesheet" href="/login/style.css">
</head>
`;
}

/**
 * The configured logo's `<img>` (with the product's name as its text), or nothing.
 *
 * @example
 * ```ts
 * `<main>${logoImage(true, 'Acme')}<h1>…`;
 * ```
 */
export function logoImage(logo: boolean | undefined, productName: string): string {
  return logo === true ? `<img class="logo" src="/login/logo" alt="${escapeHtml(productName)}">\n` : '';
}

/**
 * A form that runs a passkey ceremony (`/login/passkey.js`) and posts its answer in `response`:
 * hidden until the script finds WebAuthn in the browser; `fields` are its hidden inputs and
 * `options` the ceremony's (JSON in an attribute, escaped).
 *
 * @example
 * ```ts
 * passkeyForm({ action: '/login/passkey', ceremony: 'login', options, fields: { interaction, csrf }, button: 'Sign in with a passkey' });
 * ```
 */
export function passkeyForm(input: {
  readonly action: string;
  readonly ceremony: 'login' | 'register';
  readonly options: unknown;
  readonly fields: Readonly<Record<string, string>>;
  readonly button: string;
  /** More of the form before the button (HTML), e.g. a name field. */
  readonly before?: string;
  readonly secondary?: boolean;
  /** Said instead where the browser cannot use passkeys (hidden otherwise). */
  readonly unsupported?: string;
}): string {
  const e = escapeHtml;
  const hidden = Object.entries(input.fields)
    .map(([k, v]) => `<input type="hidden" name="${e(k)}" value="${e(v)}">`)
    .join('');
  return `<form method="post" action="${e(input.action)}" class="passkey" data-passkey="${input.ceremony}" data-passkey-options="${e(JSON.stringify(input.options))}" hidden>
${hidden}<input type="hidden" name="response" value="">
${input.before ?? ''}<button type="submit"${input.secondary === true ? ' class="secondary"' : ''}>${e(input.button)}</button>
<p data-passkey-status role="alert" class="error" hidden></p>
</form>
${input.unsupported === undefined ? '' : `<p data-passkey-unsupported class="hint" hidden>${e(input.unsupported)}</p>\n`}<script src="/login/passkey.js" defer></script>
`;
}

/** A login page's "or" and passkey form (posting to `/login/passkey` for the interaction), when it has passkey options. */
function orPasskey(
  input: { readonly interaction: string; readonly csrf: string; readonly passkeyOptions?: unknown },
  button: string,
  secondary: boolean,
): string {
  return input.passkeyOptions === undefined
    ? ''
    : passkeyForm({
        action: '/login/passkey',
        ceremony: 'login',
        options: input.passkeyOptions,
        fields: { interaction: input.interaction, csrf: input.csrf },
        button,
        before: '<p class="or">or</p>\n',
        secondary,
      });
}

/**
 * The login page: server-rendered HTML with no third-party asset (its stylesheet is served by the
 * token service, `GET /login/style.css`), labelled fields with autocomplete hints, and an error in
 * a `role="alert"` region so screen readers announce it. The form posts the interaction id and a
 * CSRF token bound to the browser's interaction cookie. With passkeys on, a second form signs in
 * with one (the provider's one script; without it, the page works as before).
 *
 * @example
 * ```ts
 * res.end(loginPage({ title: 'Sign in', productName: 'Tessera', interaction, csrf, clientName: 'webui' }));
 * ```
 */
export function loginPage(input: LoginPageInput): string {
  const e = escapeHtml;
  return `${pageHead(`${e(input.title)} · ${e(input.productName)}`)}<body>
<main>
${logoImage(input.logo, input.productName)}<h1>${e(input.title)}</h1>
<p class="client">to continue to <strong>${e(input.clientName)}</strong></p>
<form method="post" action="/login" novalidate>
<input type="hidden" name="interaction" value="${e(input.interaction)}">
<input type="hidden" name="csrf" value="${e(input.csrf)}">
<div id="login-error" role="alert" class="error"${input.error === undefined ? ' hidden' : ''}>${e(input.error ?? '')}</div>
<label for="username">Username</label>
<input id="username" name="username" type="text" autocomplete="username" autocapitalize="none" spellcheck="false" required value="${e(input.username ?? '')}"${input.error === undefined ? ' autofocus' : ''}${input.error === undefined ? '' : ' aria-invalid="true" aria-describedby="login-error"'}>
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password" required${input.error === undefined ? '' : ' autofocus aria-invalid="true" aria-describedby="login-error"'}>
<button type="submit">Sign in</button>
</form>
${orPasskey(input, 'Sign in with a passkey', true)}<p class="product">${e(input.productName)}</p>
</main>
</body>
</html>
`;
}

/** What the second step of a login shows and where it posts. */
export interface SecondFactorPageInput {
  readonly productName: string;
  readonly interaction: string;
  readonly csrf: string;
  readonly clientName: string;
  readonly username: string;
  readonly error?: string;
  readonly logo?: boolean;
  /** The code the field asks for: the authenticator app's (or a recovery code), or a recovery code only (a user with passkeys alone). */
  readonly codes: 'totp' | 'recovery';
  /** The options of the passkey step (WebAuthn `get` for the user's passkeys), when the user has one. */
  readonly passkeyOptions?: unknown;
}

/**
 * The login's second step, after a right password for a user with a second factor: one field for
 * the authenticator app's six-digit code (`autocomplete="one-time-code"`) or a recovery code, and
 * for a user with passkeys a button that uses one, under the login page's rules (CSRF token,
 * error announced).
 *
 * @example
 * ```ts
 * res.end(secondFactorPage({ productName: 'Tessera', interaction, csrf, clientName: 'webui', username: 'alice', codes: 'totp' }));
 * ```
 */
export function secondFactorPage(input: SecondFactorPageInput): string {
  const e = escapeHtml;
  const invalid = input.error === undefined ? '' : ' aria-invalid="true" aria-describedby="login-error"';
  return `${pageHead(`Second step · ${e(input.productName)}`)}<body>
<main>
${logoImage(input.logo, input.productName)}<h1>Second step</h1>
<p class="client">signing in as <strong>${e(input.username)}</strong> to <strong>${e(input.clientName)}</strong></p>
<form method="post" action="/login/second-factor" novalidate>
<input type="hidden" name="interaction" value="${e(input.interaction)}">
<input type="hidden" name="csrf" value="${e(input.csrf)}">
<div id="login-error" role="alert" class="error"${input.error === undefined ? ' hidden' : ''}>${e(input.error ?? '')}</div>
<label for="code">${input.codes === 'totp' ? 'Code from your authenticator app' : 'Recovery code'}</label>
<input id="code" name="code" type="text" autocomplete="one-time-code" autocapitalize="characters" spellcheck="false" required${input.passkeyOptions === undefined ? ' autofocus' : ''} aria-describedby="code-hint"${invalid}>
<p id="code-hint" class="hint">${input.codes === 'totp' ? 'Six digits, or one of your recovery codes if you have lost the app.' : 'One of your recovery codes, if you cannot use your passkey.'}</p>
<button type="submit"${input.codes === 'recovery' && input.passkeyOptions !== undefined ? ' class="secondary"' : ''}>Continue</button>
</form>
${orPasskey(input, 'Use your passkey', false)}<p class="product">${e(input.productName)}</p>
</main>
</body>
</html>
`;
}

/**
 * The login page's stylesheet; the button colour comes from `login.page.primaryColor` (checked as
 * `#rrggbb` by the configuration).
 *
 * @example
 * ```ts
 * res.end(loginStyle('#1f4b99'));
 * ```
 */
export function loginStyle(primaryColor: string): string {
  return `:root{color-scheme:light dark;font-family:system-ui,sans-serif}
body{margin:0;min-height:100vh;display:grid;place-items:center;background:Canvas;color:CanvasText}
main{width:min(22rem,90vw);padding:2rem;border:1px solid #8884;border-radius:.75rem}
h1{margin:0 0 .25rem;font-size:1.5rem}
.client{margin:0 0 1.5rem;opacity:.8}
label{display:block;margin:.75rem 0 .25rem;font-weight:600}
input{box-sizing:border-box;width:100%;padding:.6rem;font:inherit;border:1px solid #8888;border-radius:.4rem}
input:focus-visible,button:focus-visible{outline:3px solid ${primaryColor};outline-offset:2px}
button{margin-top:1.25rem;width:100%;padding:.7rem;font:inherit;font-weight:600;color:#fff;background:${primaryColor};border:0;border-radius:.4rem;cursor:pointer}
.error{padding:.6rem;border-radius:.4rem;background:#b0002020;border:1px solid #b00020;margin-bottom:.5rem}
.product{margin:1.5rem 0 0;font-size:.85rem;opacity:.6;text-align:center}
.hint{margin:.35rem 0 0;font-size:.85rem;opacity:.8}
.or{margin:1rem 0 0;text-align:center;opacity:.7}
form.passkey .error{margin-top:.75rem}
main.wide{width:min(40rem,92vw);margin:2rem 0}
h2{font-size:1.1rem;margin:1.75rem 0 .5rem}
section p{margin:.25rem 0 .5rem}
form.inline{display:inline}
form.inline button{width:auto;margin:.25rem 0 0;padding:.4rem .8rem}
.list{list-style:none;padding:0;margin:0}
.list li{padding:.6rem 0;border-top:1px solid #8883}
.list li form.inline{float:right}
.notice{padding:.6rem;border-radius:.4rem;background:#0a7d2a20;border:1px solid #0a7d2a}
.codes{padding:.6rem .9rem;border:1px dashed #8888;border-radius:.4rem;margin:1rem 0}
.codes ol{columns:2;margin:.5rem 0;padding-left:1.5rem;line-height:1.8}
.qr{margin:.5rem 0}
.qr svg{width:12rem;height:12rem;background:#fff;border-radius:.4rem}
.logo{display:block;max-height:3rem;max-width:12rem;margin:0 0 1rem}
fieldset{border:0;margin:0;padding:0}
legend{font-weight:600;padding:0}
.scopes{margin:.5rem 0 0;padding-left:1.25rem;line-height:1.8}
.scopes code{font-size:.85em;opacity:.7}
.actions{display:flex;gap:.75rem}
.actions button{flex:1}
button.secondary{color:CanvasText;background:transparent;border:1px solid #8888}
`;
}
