// Passkeys and sessions in a real browser (issue "Second factors"): Debian's Chromium with a
// virtual authenticator (the DevTools Protocol's WebAuthn domain: a platform authenticator that
// keeps discoverable credentials and verifies the user) against the token service at
// http://localhost: make a passkey on the account page, sign out, sign in to an application with
// the passkey alone; then, from a second browser, end the first one's session on the account page
// and see it end. Screenshots go to .test-output/screenshots/ (and docs/images/ with
// TESSERA_UPDATE_SCREENSHOTS=1).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import pino from 'pino';
import { createTokenService, loadConfig } from '@tessera/token-service';
import { freePort } from '../../examples/index.js';
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

/** Signs in to the account page with the password. */
async function passwordToAccount(page: Page, issuer: string) {
  await page.goto(`${issuer}/account`);
  await page.waitForURL(`${issuer}/authorize?**`);
  await page.fill('#username', 'alice');
  await page.fill('#password', 'alice-password-123');
  await page.click('form[action="/login"] button[type="submit"]');
  await page.waitForURL(`${issuer}/account`);
}

test(
  'in Chromium with a virtual authenticator: a passkey made on the account page signs in to an application alone; a session ended from another browser ends',
  { skip },
  async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tessera-e2e-passkeys-'));
    const callback = createServer((req, res) => {
      const code = new URL(req.url ?? '/', 'http://x').searchParams.get('code') ?? 'none';
      res.writeHead(200, { 'content-type': 'text/html' }).end(`<p id="code">${code}</p>`);
    });
    await new Promise<void>((r) => callback.listen(0, '127.0.0.1', r));
    const callbackUrl = `http://127.0.0.1:${(callback.address() as AddressInfo).port}/callback`;
    const port = await freePort();
    const issuer = `http://localhost:${port}`;
    const ts = createTokenService(
      loadConfig({
        object: {
          // The operations listener on a free port too: with a fixed port it would take 7403.
          server: { host: '127.0.0.1', port, issuer, operations: { port: 0 } },
          storage: { type: 'file', dataDir: join(dir, 'data') },
          users: [{ id: 'u-alice', username: 'alice', password: 'alice-password-123', name: 'Alice Liddell' }],
          clients: [
            {
              id: 'payroll',
              public: true,
              firstParty: true,
              requireSecondFactor: true,
              grantTypes: ['authorization_code'],
              redirectUris: [callbackUrl],
              audiences: ['payroll'],
            },
          ],
        },
      }),
      { logger: pino({ level: 'silent' }) },
    );
    await ts.listen();
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
      const verifier = randomBytes(32).toString('base64url');
      const authorize = new URL('/authorize', issuer);
      authorize.search = new URLSearchParams({
        response_type: 'code',
        client_id: 'payroll',
        redirect_uri: callbackUrl,
        scope: 'openid',
        state: 'st-passkey',
        code_challenge: createHash('sha256').update(verifier).digest('base64url'),
        code_challenge_method: 'S256',
      }).toString();
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
            code_verifier: verifier,
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
      await ts.close();
      callback.close();
      rmSync(dir, { recursive: true, force: true });
    }
  },
);
