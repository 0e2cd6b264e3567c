// The account page and the login's second step in a real browser (issue "Second factors"):
// Debian's Chromium driven by Playwright against the token service at http://localhost (the
// address WebAuthn will need): sign in to the account page, set up an authenticator app from its
// QR page with the first code, see the recovery codes once, then sign in to an application that
// requires a second factor with a recovery code, and again with the app's code. Screenshots go to .test-output/screenshots/ (and
// to docs/images/ with TESSERA_UPDATE_SCREENSHOTS=1).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Secret, TOTP } from 'otpauth';
import { passwordToAccount, startAccountProvider, typePassword } from './internal/account-provider.js';
import { chromiumMissing, launchChromium, screenshot } from './internal/chromium.js';

const skip = chromiumMissing();

test(
  'in Chromium: the account page sets up an authenticator app (QR code, first code, recovery codes once); an application that requires a second factor then asks for it',
  { skip },
  async () => {
    const provider = await startAccountProvider();
    const { issuer, callbackUrl } = provider;
    const browser = await launchChromium();
    try {
      const page = await browser.context.newPage();
      await passwordToAccount(page, issuer);
      assert.equal(await page.textContent('#account-user'), 'alice');
      await screenshot(page, 'account-page.png');

      await page.click('button:text("Set up an authenticator app")');
      await page.waitForSelector('.qr svg');
      await screenshot(page, 'account-totp-enrol.png');
      const secret = (await page.textContent('#totp-secret'))!.replace(/\s/g, '');
      await page.fill('#code', new TOTP({ secret: Secret.fromBase32(secret) }).generate());
      await page.click('button:text("Turn on")');
      await page.waitForSelector('#recovery-codes');
      const codes = await page.locator('#recovery-codes code').allTextContents();
      assert.equal(codes.length, 10);
      assert.equal(await page.textContent('[role="status"].notice'), 'The authenticator app is on.');
      await screenshot(page, 'account-recovery-codes.png');

      await page.click('button:text("Sign out")');
      await page.waitForURL(`${issuer}/authorize?**`);

      // An application that requires a second factor: password, then the second step.
      await page.goto(provider.authorizeUrl().href);
      await typePassword(page);
      await page.waitForSelector('h1:text("Second step")');
      assert.equal(await page.getAttribute('#code', 'autocomplete'), 'one-time-code');
      await page.fill('#code', 'not-a-code');
      await page.click('button[type="submit"]');
      await page.waitForSelector('#login-error:not([hidden])');
      assert.equal(await page.getAttribute('#code', 'aria-invalid'), 'true');
      await screenshot(page, 'login-second-factor.png');
      await page.fill('#code', codes[0]!);
      await page.click('button[type="submit"]');
      await page.waitForURL(`${callbackUrl}?**`);
      assert.match((await page.textContent('#code'))!, /^[\w-]{20,}$/);

      // Again (prompt=login), with the app's code: the next step's (the confirming one is used,
      // and a code one step ahead is within the ±1 step allowed).
      await page.goto(provider.authorizeUrl({ prompt: 'login' }).href);
      await typePassword(page);
      await page.waitForSelector('h1:text("Second step")');
      await page.fill(
        '#code',
        new TOTP({ secret: Secret.fromBase32(secret) }).generate({ timestamp: Date.now() + 30_000 }),
      );
      await page.click('button[type="submit"]');
      await page.waitForURL(`${callbackUrl}?**`);
      assert.match((await page.textContent('#code'))!, /^[\w-]{20,}$/);
    } finally {
      await browser.close();
      await provider.close();
    }
  },
);
