import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

// The pages' one script, served from `/login/passkey.js` (CSP `script-src 'self'`): the browser
// side of @simplewebauthn (its UMD bundle, which turns the options' base64url into the buffers
// `navigator.credentials` wants and back), then the few lines below. Every passkey form is
// `hidden` in the HTML and shown only where WebAuthn works; its button runs the ceremony, puts the
// credential's JSON into the form's `response` field and posts the form as any other, so the
// server answers with a page or a redirect as for the password.
const PAGE_SCRIPT = `
(function () {
  'use strict';
  var lib = globalThis.SimpleWebAuthnBrowser;
  var forms = document.querySelectorAll('form[data-passkey]');
  if (!lib || !lib.browserSupportsWebAuthn()) {
    document.querySelectorAll('[data-passkey-unsupported]').forEach(function (el) { el.hidden = false; });
    return;
  }
  forms.forEach(function (form) {
    form.hidden = false;
    var status = form.querySelector('[data-passkey-status]');
    form.addEventListener('submit', function (event) {
      event.preventDefault();
      var optionsJSON = JSON.parse(form.getAttribute('data-passkey-options'));
      var ceremony = form.getAttribute('data-passkey') === 'register'
        ? lib.startRegistration({ optionsJSON: optionsJSON })
        : lib.startAuthentication({ optionsJSON: optionsJSON });
      ceremony.then(function (credential) {
        form.elements.namedItem('response').value = JSON.stringify(credential);
        form.submit();
      }, function (error) {
        if (status) {
          status.textContent = error && error.name === 'NotAllowedError'
            ? 'The passkey was not used (cancelled or timed out).'
            : 'The passkey could not be used: ' + (error && error.message ? error.message : 'unknown error') + '.';
          status.hidden = false;
        }
      });
    });
  });
})();
`;

let script: string | undefined;

/**
 * The passkey script of the login and account pages: @simplewebauthn/browser's bundle and the
 * pages' own lines, read once.
 *
 * @example
 * ```ts
 * res.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8' }).end(passkeyScript());
 * ```
 */
export function passkeyScript(): string {
  if (script === undefined) {
    // The package exports only its modules; the bundle sits beside them (`dist/bundle`).
    const main = createRequire(import.meta.url).resolve('@simplewebauthn/browser');
    const bundle = readFileSync(join(dirname(main), '..', 'dist', 'bundle', 'index.umd.min.js'), 'utf8');
    script = `${bundle}\n${PAGE_SCRIPT}`;
  }
  return script;
}
