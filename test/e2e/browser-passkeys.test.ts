// Passkeys and sessions in a real browser (issue "Second factors"): Debian's Chromium with a
// virtual authenticator (the DevTools Protocol's WebAuthn domain: a platform authenticator that
// keeps discoverable credentials and verifies the user) against the token service at
// http://localhost: make a passkey on the account page, sign out, sign in to an application with
// the passkey alone; then, from a second browser, end the first one's session on the account page
// and see it end. Screenshots go to .test-output/screenshots/ (and docs/images/ with
// TESSERA_UPDATE_SCREENSHOTS=1).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { passwordToAccount, startAccountProvider } from './internal/account-provider.js';
import { chromiumMissing, launchChromium, screenshot } from './internal/chromium.js';

const skip = chromiumMissing();

/** Gives `page` a virtual platform authenticator (user verified, presence simulated): its id. */
async function addVirtualAuthenticator(page: Page): Promise<string> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('WebAuthn.enable', { enableUI: false });
  const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: {
      protocol: 'ctap2',
      transport: 'internal',
      hasResidentKey: true,
      hasUserVerification: true,
      isUserVerified: true,
      automaticPresenceSimulation: true,
    },
  });
  return authenticatorId;
}

test(
  'in Chromium with a virtual authenticator: a passkey made on the account page signs in to an application alone; a session ended from another browser ends',
  { skip },
  async () => {
    const provider = await startAccountProvider();
    const { issuer, callbackUrl } = provider;
    const first = await launchChromium();
    const second = await launchChromium();
    try {
      const page = await first.context.newPage();
      await addVirtualAuthenticator(page);
      await passwordToAccount(page, issuer);

      await page.click('button:text("Add a passkey")');
      await page.waitForSelector('form[data-passkey="register"]:not([hidden])');
      await page.fill('#passkey-name', 'Test laptop');
      await screenshot(page, 'account-passkey-add.png');
      await page.click('button:text("Create the passkey")');
      await page.waitForSelector('#recovery-codes');
      assert.equal(await page.textContent('[role="status"].notice'), 'The passkey “Test laptop” is added.');
      assert.match((await page.textContent('#passkeys'))!, /Test laptop/);
      await screenshot(page, 'account-passkeys.png');

      await page.click('button:text("Sign out")');
      await page.waitForURL(`${issuer}/authorize?**`);

      // An application that requires a second factor: the passkey alone does (user verified).
      const authorize = provider.authorizeUrl();
      await page.goto(authorize.href);
      await page.waitForSelector('form[data-passkey="login"]:not([hidden])');
      await screenshot(page, 'login-passkey.png');
      await page.click('button:text("Sign in with a passkey")');
      await page.waitForURL(`${callbackUrl}?**`);
      const code = (await page.textContent('#code'))!;
      assert.match(code, /^[\w-]{20,}$/);
      const tokens = (await (
        await fetch(`${issuer}/token`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({
            grant_type: 'authorization_code',
            code,
            redirect_uri: callbackUrl,
            client_id: 'payroll',
            code_verifier: authorize.verifier,
          }).toString(),
        })
      ).json()) as { id_token: string };
      const claims = JSON.parse(Buffer.from(tokens.id_token.split('.')[1]!, 'base64url').toString()) as {
        amr: string[];
        acr: string;
      };
      assert.deepEqual(claims.amr, ['hwk', 'user', 'mfa'], 'a passkey bound to the virtual device');
      assert.equal(claims.acr, '2');

      // The same user in a second browser ends the first browser's session from the account page.
      const other = await second.context.newPage();
      await passwordToAccount(other, issuer);
      assert.equal(await other.locator('#sessions li').count(), 2);
      await other.click('#sessions li:not(:has-text("this browser")) button:text("End")');
      await other.waitForSelector('[role="status"].notice');
      assert.equal(await other.textContent('[role="status"].notice'), 'That session is signed out.');
      assert.equal(await other.locator('#sessions li').count(), 1);
      await page.goto(`${issuer}/account`);
      await page.waitForURL(`${issuer}/authorize?**`);
      assert.ok(await page.isVisible('#password'), 'the first browser is asked to sign in again');
    } finally {
      await first.close();
      await second.close();
      await provider.close();
    }
  },
);
