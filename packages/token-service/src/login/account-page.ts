import { describeDevice } from './describe-device.js';
import { escapeHtml, logoImage, pageHead, passkeyForm } from './login-page.js';

/** One of the user's login sessions, as the account page lists it. */
export interface AccountSession {
  /** An id for the end form (a hash of the session's key, never the key). */
  readonly id: string;
  readonly device: string;
  readonly address: string;
  /** Epoch seconds of the login. */
  readonly since: number;
  /** Epoch seconds of the last token an application got from the session, if any. */
  readonly lastActive?: number;
  readonly current: boolean;
}

/** One of the user's passkeys, as the account page lists it. */
export interface AccountPasskey {
  /** The credential id (what the remove form names). */
  readonly id: string;
  readonly name: string;
  /** May be synced to the user's other devices (else bound to one authenticator). */
  readonly synced: boolean;
  /** Epoch milliseconds. */
  readonly createdAt: number;
  readonly lastUsedAt?: number;
}

/** What the account page shows. */
export interface AccountPageInput {
  readonly productName: string;
  readonly username: string;
  /** The CSRF token of every form on the page (bound to the session). */
  readonly csrf: string;
  readonly logo?: boolean;
  readonly totp: boolean;
  /** The user's passkeys; undefined when passkeys are off here (the section is not shown). */
  readonly passkeys?: readonly AccountPasskey[];
  /** While making a passkey: the options of the browser's ceremony (WebAuthn `create`). */
  readonly passkeyRegistration?: unknown;
  readonly recoveryCodesLeft: number;
  readonly sessions: readonly AccountSession[];
  readonly consents: readonly { readonly clientId: string; readonly scopes: readonly string[] }[];
  /** Said at the top after an action (`role="status"`), or an error (`role="alert"`). */
  readonly notice?: string;
  readonly error?: string;
  /** Shown once, after setting up an authenticator app or asking for new ones. */
  readonly recoveryCodes?: readonly string[];
  /** While setting up an authenticator app: its QR code (SVG markup from the QR library) and secret. */
  readonly enrolment?: { readonly qrSvg: string; readonly secret: string };
}

const e = escapeHtml;

/** A form posting to `action` with the page's CSRF token, one button, and hidden `fields`. */
function form(action: string, csrf: string, label: string, fields: Record<string, string> = {}, secondary = false) {
  const hidden = Object.entries(fields)
    .map(([k, v]) => `<input type="hidden" name="${e(k)}" value="${e(v)}">`)
    .join('');
  return `<form method="post" action="${e(action)}" class="inline"><input type="hidden" name="csrf" value="${e(csrf)}">${hidden}<button type="submit"${secondary ? ' class="secondary"' : ''}>${e(label)}</button></form>`;
}

/**
 * The account page (issue "Second factors"): server-rendered like the login page (the same
 * stylesheet and CSP, every form with the session's CSRF token), in sections with headings:
 * passkeys (listed, added with the provider's passkey script, removed), the authenticator app (set
 * up with a QR code, remove), recovery codes (how many are left, new
 * ones shown once), the password, the sessions (device, address, since when; end any), and the
 * applications that hold consent (withdraw).
 *
 * @example
 * ```ts
 * res.end(accountPage({ productName: 'Tessera', username: 'alice', csrf, totp: false, recoveryCodesLeft: 0, sessions, consents }));
 * ```
 */
export function accountPage(input: AccountPageInput): string {
  const date = (s: number) => new Date(s * 1000).toISOString().replace('T', ' ').slice(0, 16) + ' UTC';
  const totp = input.enrolment
    ? `<p>Scan this code with your authenticator app, or type the key, then enter the six digits it shows.</p>
<figure class="qr">${input.enrolment.qrSvg}<figcaption>Key: <code id="totp-secret">${e(input.enrolment.secret.replace(/(.{4})/g, '$1 ').trim())}</code></figcaption></figure>
<form method="post" action="/account/totp/confirm"><input type="hidden" name="csrf" value="${e(input.csrf)}">
<label for="code">Code from the app</label>
<input id="code" name="code" type="text" inputmode="numeric" autocomplete="one-time-code" pattern="[0-9]{6}" required autofocus>
<button type="submit">Turn on</button></form>`
    : input.totp
      ? `<p>On. Signing in asks for its code where an application requires it.</p>${form('/account/totp/remove', input.csrf, 'Remove the authenticator app', {}, true)}`
      : `<p>Off. An authenticator app (one-time codes) protects the account if the password is guessed.</p>${form('/account/totp/start', input.csrf, 'Set up an authenticator app')}`;
  const passkeys =
    input.passkeys === undefined
      ? ''
      : `<section aria-labelledby="h-passkeys"><h2 id="h-passkeys">Passkeys</h2>
<p>A passkey signs you in with this device's screen lock, a phone or a security key: alone, or as the second step after the password.</p>
${
  input.passkeys.length === 0
    ? ''
    : `<ul class="list" id="passkeys">${input.passkeys
        .map(
          (p) =>
            `<li><span>${e(p.name)}</span><br><small>${p.synced ? 'synced' : 'this device only'} · added ${e(date(Math.floor(p.createdAt / 1000)))}${p.lastUsedAt === undefined ? '' : ` · last used ${e(date(Math.floor(p.lastUsedAt / 1000)))}`}</small>${form('/account/passkeys/remove', input.csrf, 'Remove', { passkey: p.id }, true)}</li>`,
        )
        .join('')}</ul>\n`
}${
          input.passkeyRegistration === undefined
            ? form('/account/passkeys/start', input.csrf, 'Add a passkey')
            : passkeyForm({
                action: '/account/passkeys/add',
                ceremony: 'register',
                options: input.passkeyRegistration,
                fields: { csrf: input.csrf },
                before:
                  '<label for="passkey-name">Name it</label><input id="passkey-name" name="name" type="text" maxlength="64" required value="Passkey" aria-describedby="passkey-hint"><p id="passkey-hint" class="hint">So you can tell it from others, e.g. “Work laptop”. The browser then asks where to keep it.</p>\n',
                button: 'Create the passkey',
                unsupported: 'This browser cannot make passkeys.',
              })
        }</section>
`;
  const secondFactor = input.totp || (input.passkeys?.length ?? 0) > 0;
  const codes =
    input.recoveryCodes === undefined
      ? ''
      : `<div class="codes" role="status"><p><strong>Your recovery codes.</strong> Keep them somewhere safe: each works once, in place of a passkey or the app's code. They are not shown again.</p><ol id="recovery-codes">${input.recoveryCodes.map((c) => `<li><code>${e(c)}</code></li>`).join('')}</ol></div>`;
  const recovery = secondFactor
    ? `<p>${input.recoveryCodesLeft} of 10 left.</p>${form('/account/recovery-codes', input.csrf, 'New recovery codes', {}, true)}`
    : '<p>Made with your first authenticator app or passkey.</p>';
  const sessions = input.sessions
    .map(
      (s) =>
        `<li><span title="${e(s.device)}">${e(describeDevice(s.device))}</span><br><small>${e(s.address)} · since ${e(date(s.since))}${s.lastActive === undefined ? '' : ` · last active ${e(date(s.lastActive))}`}${s.current ? ' · <strong>this browser</strong>' : ''}</small>${s.current ? '' : form('/account/sessions/end', input.csrf, 'End', { session: s.id }, true)}</li>`,
    )
    .join('');
  const consents =
    input.consents.length === 0
      ? '<p>None.</p>'
      : `<ul class="list">${input.consents
          .map(
            (c) =>
              `<li><strong>${e(c.clientId)}</strong> <small>${e(c.scopes.join(' '))}</small>${form('/account/consents/revoke', input.csrf, 'Withdraw', { client: c.clientId }, true)}</li>`,
          )
          .join('')}</ul>`;
  return `${pageHead(`Your account · ${e(input.productName)}`)}<body>
<main class="wide">
${logoImage(input.logo, input.productName)}<h1>Your account</h1>
<p class="client">signed in as <strong id="account-user">${e(input.username)}</strong></p>
${input.notice === undefined ? '' : `<p role="status" class="notice">${e(input.notice)}</p>`}${input.error === undefined ? '' : `<p role="alert" class="error">${e(input.error)}</p>`}${codes}
${passkeys}<section aria-labelledby="h-totp"><h2 id="h-totp">Authenticator app</h2>${totp}</section>
<section aria-labelledby="h-recovery"><h2 id="h-recovery">Recovery codes</h2>${recovery}</section>
<section aria-labelledby="h-password"><h2 id="h-password">Password</h2>
<form method="post" action="/account/password"><input type="hidden" name="csrf" value="${e(input.csrf)}">
<label for="current">Current password</label><input id="current" name="current" type="password" autocomplete="current-password" required>
<label for="new">New password</label><input id="new" name="new" type="password" autocomplete="new-password" minlength="12" required>
<button type="submit">Change password</button></form></section>
<section aria-labelledby="h-sessions"><h2 id="h-sessions">Where you are signed in</h2><ul class="list" id="sessions">${sessions}</ul></section>
<section aria-labelledby="h-consents"><h2 id="h-consents">Applications you allowed</h2>${consents}</section>
<p>${form('/account/sign-out', input.csrf, 'Sign out', {}, true)}</p>
<p class="product">${e(input.productName)}</p>
</main>
</body>
</html>
`;
}
