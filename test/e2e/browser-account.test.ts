// The account page and the login's second step in a real browser (issue "Second factors"):
// Debian's Chromium driven by Playwright against the token service at http://localhost (the
// address WebAuthn will need): sign in to the account page, set up an authenticator app from its
// QR page with the first code, see the recovery codes once, then sign in to an application that
// requires a second factor with a recovery code, and again with the app's code. Screenshots go to .test-output/screenshots/ (and
// to docs/images/ with TESSERA_UPDATE_SCREENSHOTS=1).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Secret, TOTP } from 'otpauth';
import pino from 'pino';
import { createTokenService, loadConfig } from '@tessera/token-service';
import { freePort } from '../../examples/index.js';
import { chromiumMissing, launchChromium, screenshot } from './internal/chromium.js';

const skip = chromiumMissing();

test(
  'in Chromium: the account page sets up an authenticator app (QR code, first code, recovery codes once); an application that requires a second factor then asks for it',
  { skip },
  async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tessera-e2e-account-'));
    const callback = createServer((req, res) => {
      const code = new URL(req.url ?? '/', 'http://x').searchParams.get('code') ?? 'none';
      res.writeHead(200, { 'content-type': 'text/html' }).end(`<p id="code">${code}</p>`);
    });
    await new Promise<void>((r) => callback.listen(0, '127.0.0.1', r));
    const callbackUrl = `http://127.0.0.1:${(callback.address() as AddressInfo).port}/callback`;
    const port = await freePort();
    const ts = createTokenService(
      loadConfig({
        object: {
          // The operations listener on a free port too: with a fixed port it would take 7403.
          server: { host: '127.0.0.1', port, issuer: `http://localhost:${port}`, operations: { port: 0 } },
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
    const issuer = `http://localhost:${port}`;
    const browser = await launchChromium();
    try {
      const page = await browser.context.newPage();
      await page.goto(`${issuer}/account`);
      await page.waitForURL(`${issuer}/authorize?**`);
      await page.fill('#username', 'alice');
      await page.fill('#password', 'alice-password-123');
      await page.click('button[type="submit"]');
      await page.waitForURL(`${issuer}/account`);
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
      const verifier = randomBytes(32).toString('base64url');
      const authorize = new URL('/authorize', issuer);
      authorize.search = new URLSearchParams({
        response_type: 'code',
        client_id: 'payroll',
        redirect_uri: callbackUrl,
        scope: 'openid',
        state: 'st-2',
        code_challenge: createHash('sha256').update(verifier).digest('base64url'),
        code_challenge_method: 'S256',
      }).toString();
      await page.goto(authorize.href);
      await page.fill('#username', 'alice');
      await page.fill('#password', 'alice-password-123');
      await page.click('button[type="submit"]');
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
      authorize.searchParams.set('prompt', 'login');
      await page.goto(authorize.href);
      await page.fill('#username', 'alice');
      await page.fill('#password', 'alice-password-123');
      await page.click('button[type="submit"]');
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
      await ts.close();
      callback.close();
      rmSync(dir, { recursive: true, force: true });
    }
  },
);
