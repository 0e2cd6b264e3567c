// People logging in, in a real browser (issue "People"): Debian's Chromium driven by Playwright
// through example 9 (a web UI that logs people in at the token service, and backend-api behind its
// sidecar): sign in, land on the web UI, sign out, sign in again; the login page refuses a form
// posted from another site; a third-party client's consent page; and the gateway's own login
// (example 10: Gloo's ExtAuthPolicy in front of a web UI with no auth). Screenshots go to
// .test-output/screenshots/ (and to docs/images/ with TESSERA_UPDATE_SCREENSHOTS=1).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash, randomBytes } from 'node:crypto';
import pino from 'pino';
import { createTokenService, loadConfig } from '@tessera/token-service';
import { examples } from '../../examples/index.js';
import { chromiumMissing, launchChromium, screenshot } from './internal/chromium.js';

const skip = chromiumMissing();

/** A server answering one HTML page (another site, or a client's callback). */
async function htmlServer(host: string, html: (url: URL) => string): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(html(new URL(req.url ?? '/', 'http://x')));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://${host}:${(server.address() as AddressInfo).port}`, server };
}

test(
  'a person signs in to the web UI in Chromium, signs out, and signs in again; a cross-site login post is refused',
  { skip },
  async () => {
    const entry = examples.find((e) => e.id === '9')!;
    const example = await entry.start();
    const browser = await launchChromium();
    const attacker = await htmlServer('localhost', () => '');
    try {
      // The example's policies go in steps; its first three checks bring the sidecar to step 3
      // (a user token required), where a signed-in user gets data and a signed-out one does not.
      for (const check of example.checks.slice(0, 3)) assert.equal(await check.run(), check.expected, check.call);
      const webui = example.urls['webui']!;
      const issuer = example.urls['token service']!;
      const page = await browser.context.newPage();

      await page.goto(`${webui}/`);
      assert.equal(await page.textContent('#who'), 'You are not signed in.');
      assert.match((await page.textContent('#backend'))!, /403 RBAC: access denied/);

      await page.click('#sign-in');
      await page.waitForURL(`${issuer}/authorize?**`);
      assert.equal(await page.title(), 'Sign in · Tessera');
      // Labelled fields, focus on the username, the error region empty and hidden.
      assert.equal(await page.getByLabel('Username').getAttribute('autocomplete'), 'username');
      assert.equal(await page.evaluate(() => document.activeElement?.id), 'username');
      assert.equal(await page.isVisible('[role="alert"]'), false);
      await page.fill('#username', 'alice');
      await screenshot(page, 'login-page.png');

      // A wrong password: the page again, the error announced, the username kept.
      await page.fill('#password', 'not-her-password');
      await page.press('#password', 'Enter');
      await page.waitForSelector('[role="alert"]:not([hidden])');
      assert.equal((await page.textContent('[role="alert"]'))!.trim(), 'Wrong username or password.');
      assert.equal(await page.inputValue('#username'), 'alice');
      assert.equal(await page.getAttribute('#password', 'aria-invalid'), 'true');
      await screenshot(page, 'login-error.png');

      // The right one, with the keyboard: back on the web UI, signed in, data from backend-api.
      await page.fill('#password', 'alice-example-password');
      await page.press('#password', 'Enter');
      await page.waitForURL(`${webui}/`);
      assert.equal(await page.textContent('#who'), 'Hello, Alice Liddell');
      assert.match((await page.textContent('#backend'))!, /200 user=u-alice/);
      await screenshot(page, 'webui-signed-in.png');

      // Signing out ends the session at the provider too: the next sign-in asks for the password.
      await page.click('#sign-out');
      await page.waitForURL(`${webui}/`);
      assert.equal(await page.textContent('#who'), 'You are not signed in.');
      await page.click('#sign-in');
      await page.waitForURL(`${issuer}/authorize?**`);
      assert.equal(await page.inputValue('#username'), '', 'a fresh login page, no session');
      await page.fill('#username', 'alice');
      await page.fill('#password', 'alice-example-password');
      await page.click('button[type="submit"]');
      await page.waitForURL(`${webui}/`);
      assert.equal(await page.textContent('#who'), 'Hello, Alice Liddell');

      // Another site posts a login form to the token service (with the page's own hidden values):
      // the browser sends its Origin, and the provider refuses before reading anything.
      await page.goto(`${webui}/logout`);
      await page.click('#sign-in');
      await page.waitForURL(`${issuer}/authorize?**`);
      const interaction = await page.inputValue('input[name="interaction"]');
      const csrf = await page.inputValue('input[name="csrf"]');
      const other = await browser.context.newPage();
      await other.goto(attacker.url);
      await other.setContent(
        `<form method="post" action="${issuer}/login"><input name="interaction" value="${interaction}"><input name="csrf" value="${csrf}"><input name="username" value="alice"><input name="password" value="alice-example-password"><button id="go">go</button></form>`,
      );
      const [answer] = await Promise.all([other.waitForNavigation(), other.click('#go')]);
      assert.equal(answer?.status(), 403);
      assert.match((await other.textContent('[role="alert"]'))!, /posted from another site/);
    } finally {
      await browser.close();
      await example.close();
      attacker.server.close();
    }
  },
);

test(
  "a third-party client's consent page in Chromium: allow sends the browser back with a code",
  { skip },
  async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tessera-e2e-consent-'));
    const callback = await htmlServer(
      '127.0.0.1',
      (url) => `<p id="code">${url.searchParams.get('code') ?? 'none'}</p>`,
    );
    const ts = createTokenService(
      loadConfig({
        object: {
          server: { host: '127.0.0.1', port: 0 },
          storage: { type: 'file', dataDir: join(dir, 'data') },
          users: [{ id: 'u-alice', username: 'alice', password: 'alice-password-123', name: 'Alice Liddell' }],
          clients: [
            {
              id: 'partner-app',
              secret: 'partner-app-secret-0123456789',
              grantTypes: ['authorization_code', 'refresh_token'],
              redirectUris: [`${callback.url}/callback`],
              audiences: ['orders'],
              scopes: ['orders:read'],
            },
          ],
        },
      }),
      { logger: pino({ level: 'silent' }) },
    );
    const url = await ts.listen();
    const browser = await launchChromium();
    try {
      const verifier = randomBytes(32).toString('base64url');
      const authorize = new URL('/authorize', url);
      authorize.search = new URLSearchParams({
        response_type: 'code',
        client_id: 'partner-app',
        redirect_uri: `${callback.url}/callback`,
        scope: 'openid profile email offline_access orders:read',
        state: 'st-1',
        code_challenge: createHash('sha256').update(verifier).digest('base64url'),
        code_challenge_method: 'S256',
      }).toString();
      const page = await browser.context.newPage();
      await page.goto(authorize.href);
      await page.fill('#username', 'alice');
      await page.fill('#password', 'alice-password-123');
      await page.click('button[type="submit"]');
      await page.waitForSelector('h1:text("Allow access?")');
      assert.match((await page.textContent('.client'))!, /partner-app asks to use your account alice/);
      const items = await page.locator('.scopes li').allTextContents();
      assert.deepEqual(items, [
        'Know who you are openid',
        'See your name and profile profile',
        'See your email address email',
        'Keep access while you are signed out offline_access',
        'orders:read',
      ]);
      assert.equal(await page.evaluate(() => document.activeElement?.textContent), 'Allow');
      await screenshot(page, 'consent-page.png');
      await page.click('button[value="allow"]');
      await page.waitForURL(`${callback.url}/callback?**`);
      assert.match((await page.textContent('#code'))!, /^[\w-]{20,}$/);
      assert.equal(new URL(page.url()).searchParams.get('state'), 'st-1');
    } finally {
      await browser.close();
      await ts.close();
      callback.server.close();
      rmSync(dir, { recursive: true, force: true });
    }
  },
);

test(
  'the gateway logs a person in, in Chromium: redirected to the provider, back on the page asked for, through the policy steps, refreshed past the access token\u2019s lifetime, signed out at both ends',
  { skip },
  async () => {
    const entry = examples.find((e) => e.id === '10')!;
    // Access tokens of 5 s: the gateway refreshes 2 s before expiry, so a reload 3.5 s on gets a new one.
    const example = await entry.start({ accessTokenSeconds: 5 });
    const browser = await launchChromium();
    const check = async (i: number) => {
      const c = example.checks[i]!;
      assert.equal(await c.run(), c.expected, c.call);
    };
    try {
      const app = Object.entries(example.urls).find(([k]) => k.startsWith('ingress'))![1];
      const issuer = example.urls['token service']!;
      const page = await browser.context.newPage();
      const text = async (selector: string) => (await page.textContent(selector))?.trim();

      // Step 1 (allow-nothing at the sidecars; the example's first checks set it): the login works,
      // and the web UI's sidecar refuses the ingress.
      await check(0);
      await check(1);
      await page.goto(`${app}/reports/today?week=49`);
      await page.waitForURL(`${issuer}/authorize?**`);
      await page.fill('#username', 'alice');
      await page.fill('#password', 'alice-example-password');
      await page.click('button[type="submit"]');
      await page.waitForURL(`${app}/reports/today?week=49`);
      assert.match(
        (await page.textContent('body')) ?? '',
        /RBAC: access denied/,
        'step 1: 403 from the web UI\u2019s sidecar',
      );

      // Step 2 (allow-ingress-gateway): the web UI answers, backend-api still refuses it.
      await check(2);
      await page.reload();
      assert.equal(await text('#who'), 'Hello, Alice Liddell');
      assert.match((await text('#backend'))!, /403 RBAC: access denied/, 'step 2: backend-api refuses the web UI');

      // Step 3 (allow-webui-to-backend: principals and requestPrincipals): the whole page.
      await check(3);
      await page.reload();
      assert.equal(await text('#who'), 'Hello, Alice Liddell');
      assert.match((await text('#backend'))!, /200 user=u-alice/);
      await screenshot(page, 'gateway-login-webui.png');

      // Past the access token's lifetime: the session refreshed it, the person noticed nothing.
      const before = await text('#token');
      await page.waitForTimeout(3_500);
      await page.reload();
      const after = await text('#token');
      assert.notEqual(after, before, `a new access token (${before} → ${after})`);
      assert.match((await text('#backend'))!, /200 user=u-alice/, 'and backend-api takes it');

      const cookies = await browser.context.cookies(app);
      const session = cookies.find((c) => c.name.startsWith('tessera-gw-session'));
      assert.ok(session?.httpOnly, 'the session cookie is HttpOnly');
      assert.equal(session?.sameSite, 'Lax');

      // Signed out at both ends: the provider's sign-in page, and the gateway has no session either.
      await page.click('#sign-out');
      await page.waitForURL(`${issuer}/authorize?**`);
      assert.equal(await page.title(), 'Sign in · Tessera', 'signed out at the provider too: the login page again');
      await page.goto(`${app}/`);
      await page.waitForURL(`${issuer}/authorize?**`);
      assert.equal(await page.title(), 'Sign in · Tessera', 'the gateway asks for a login again');
    } finally {
      await browser.close();
      await example.close();
    }
  },
);
