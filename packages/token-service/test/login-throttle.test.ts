// Password guessing at the login page (issue "People"): the same failure counters as client
// secrets. A guesser is slowed, then refused with 429 for the account from its source; the right
// password still works from elsewhere (an account is only slowed, never locked by strangers), and
// from the guesser's source once the failures are forgotten. Nothing is stored for a refused try.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as oidc from 'openid-client';
import { startService } from './helpers.js';
import { browser, formOf, pkceAuthorizationUrl, type Browser } from './login-helpers.js';

const REDIRECT = 'http://localhost:3000/callback';
const alice = { username: 'alice', password: 'alice-password-123' };

test('login throttling: slowed, then 429 with Retry-After for the guessed account from that source; the right password still works from elsewhere, and here once the window passes', async () => {
  // The start of a TOTP step near the real time: the clock moves on from there in whole steps, and
  // what checks times against the real clock (openid-client, the browser) still agrees with it.
  let now = Math.floor(Date.now() / 30_000) * 30_000;
  const ts = await startService(
    {
      server: { trustProxy: true },
      authThrottle: { delayAfterFailures: 2, blockAfterFailures: 4, maxDelayMs: 20, failureWindowSeconds: 60 },
      clients: [
        {
          id: 'webui',
          public: true,
          firstParty: true,
          grantTypes: ['authorization_code'],
          redirectUris: [REDIRECT],
          audiences: ['api'],
        },
      ],
      users: [{ id: 'u-alice', ...alice }],
    },
    { clock: () => now },
  );
  try {
    const rp = await oidc.discovery(new URL(ts.url), 'webui', undefined, oidc.None(), {
      execute: [oidc.allowInsecureRequests],
    });
    /** Opens the login page and posts one attempt from `source` (the proxy's X-Forwarded-For). */
    const attempt = async (b: Browser, source: string, password: string) => {
      const page = await b.fetch((await pkceAuthorizationUrl(rp, { redirect_uri: REDIRECT, scope: 'openid' })).url);
      assert.equal(page.status, 200, 'the login page');
      return b.fetch(`${ts.url}/login`, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          origin: new URL(ts.url).origin,
          'x-forwarded-for': source,
        },
        body: new URLSearchParams({ ...formOf(await page.text()), username: alice.username, password }).toString(),
      });
    };
    const guesser = browser();
    for (let i = 0; i < 4; i++) {
      const wrong = await attempt(guesser, '10.0.0.66', `guess-${i}`);
      assert.equal(wrong.status, 400);
      assert.match(await wrong.text(), /Wrong username or password\./);
    }
    // Blocked now, even with the right password: the page says so, with Retry-After.
    const blocked = await attempt(guesser, '10.0.0.66', alice.password);
    assert.equal(blocked.status, 429);
    assert.ok(Number(blocked.headers.get('retry-after')) >= 1);
    const html = await blocked.text();
    assert.match(html, /role="alert" class="error">Too many attempts\. Try again in \d+ seconds\./);
    assert.match(html, /value="alice"/, 'the username is kept');
    assert.equal(blocked.headers.get('location'), null);
    assert.ok(![...guesser.jar.keys()].some((k) => k.endsWith('tessera-session')), 'no session');

    // Alice, from her own address: the right password works (the account was only slowed).
    const elsewhere = await attempt(browser(), '10.0.0.7', alice.password);
    assert.equal(elsewhere.status, 303);
    assert.ok(new URL(elsewhere.headers.get('location')!).searchParams.get('code'));

    // Once the failures are forgotten, from the guesser's address too.
    now += 61_000;
    const later = await attempt(browser(), '10.0.0.66', alice.password);
    assert.equal(later.status, 303);

    const audit = (await (await ts.admin('/admin/audit?limit=100')).json()) as { entries: { action: string }[] };
    const actions = audit.entries.map((e) => e.action);
    assert.equal(actions.filter((a) => a === 'login.failed').length, 4, 'each wrong password audited');
    assert.equal(actions.filter((a) => a === 'login.succeeded').length, 2);
    const sessions = await ts.service.storage.state.find('session', { userId: 'u-alice' });
    assert.equal(sessions.length, 2, 'a session for each successful login, none for the refused one');
  } finally {
    await ts.stop();
  }
});
