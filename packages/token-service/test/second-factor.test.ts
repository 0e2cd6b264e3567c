// Second factors at login (issue "Second factors"): after the right password, a user with an
// authenticator app is asked for its code (or a recovery code) when the client requires it or the
// request asks (acr_values 2); the ID token then says so (amr otp + mfa, acr 2). Codes are single
// use, another user's code is refused, guessing is throttled, and the admin API resets a lost phone.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as oidc from 'openid-client';
import { Secret, TOTP } from 'otpauth';
import { confirmTotp, startTotpEnrolment, type FactorDeps } from '../src/factors/user-factors.js';
import { startService, type TestService } from './helpers.js';
import {
  browser,
  formOf,
  idTokenClaims,
  logIn,
  pkceAuthorizationUrl,
  postPage,
  type Browser,
} from './login-helpers.js';

const REDIRECT = 'http://localhost:3000/callback';
const alice = { username: 'alice', password: 'alice-password-123' };
const bob = { username: 'bob', password: 'bob-password-123' };

/** A code of `secret`'s at `ms`. */
const codeAt = (secret: string, ms: number) =>
  new TOTP({ secret: Secret.fromBase32(secret) }).generate({ timestamp: ms });

async function setUp(config: Record<string, unknown> = {}) {
  // The start of a TOTP step near the real time: the clock moves on from there in whole steps, and
  // what checks times against the real clock (openid-client, the browser) still agrees with it.
  let now = Math.floor(Date.now() / 30_000) * 30_000;
  const ts = await startService(
    {
      authThrottle: { delayAfterFailures: 3, blockAfterFailures: 5, maxDelayMs: 10, failureWindowSeconds: 60 },
      clients: [
        {
          id: 'payroll',
          public: true,
          firstParty: true,
          requireSecondFactor: true,
          grantTypes: ['authorization_code'],
          redirectUris: [REDIRECT],
          audiences: ['api'],
        },
        {
          id: 'wiki',
          public: true,
          firstParty: true,
          grantTypes: ['authorization_code'],
          redirectUris: [REDIRECT],
          audiences: ['api'],
        },
      ],
      users: [
        { id: 'u-alice', ...alice },
        { id: 'u-bob', ...bob },
      ],
      ...config,
    },
    { clock: () => now },
  );
  const deps: FactorDeps = { users: ts.service.storage.users, secrets: ts.service.storage.secrets, clock: () => now };
  /** Sets up an authenticator app for `userId`: its secret and the recovery codes shown once. */
  const enrol = async (userId: string) => {
    const secret = (await startTotpEnrolment(deps, userId))!;
    const done = await confirmTotp(deps, userId, codeAt(secret, now));
    assert.ok(done?.recoveryCodes?.length === 10);
    now += 30_000; // the confirming code's step is used
    return { secret, recoveryCodes: done.recoveryCodes };
  };
  const rp = (client: string) =>
    oidc.discovery(new URL(ts.url), client, undefined, oidc.None(), { execute: [oidc.allowInsecureRequests] });
  return {
    ts,
    enrol,
    rp,
    now: () => now,
    tick: (ms: number) => (now += ms),
  };
}

async function secondStep(ts: TestService, b: Browser, page: Response, code: string): Promise<Response> {
  return postPage(ts, b, '/login/second-factor', { ...formOf(await page.text()), code });
}

test('a client that requires a second factor: password, then the app code; the ID token says amr otp + mfa, acr 2; the code is single use', async () => {
  const s = await setUp();
  try {
    const { secret } = await s.enrol('u-alice');
    const rp = await s.rp('payroll');
    const b = browser();
    const started = await pkceAuthorizationUrl(rp, { redirect_uri: REDIRECT, scope: 'openid' });
    const afterPassword = await logIn(s.ts, b, started.url, alice);
    assert.equal(afterPassword.status, 200, 'the second step, not a redirect');
    const pageHtml = await afterPassword.clone().text();
    assert.match(pageHtml, /<h1>Second step<\/h1>/);
    assert.match(pageHtml, /autocomplete="one-time-code"/);

    const wrong = await secondStep(s.ts, b, afterPassword.clone(), '000000');
    assert.equal(wrong.status, 400);
    assert.match(await wrong.clone().text(), /That code is not right, or was used already\./);
    const code = codeAt(secret, s.now());
    const done = await secondStep(s.ts, b, wrong, code);
    assert.equal(done.status, 303);
    const claims = await idTokenClaims(rp, done.headers.get('location')!, started);
    assert.deepEqual(claims['amr'], ['pwd', 'otp', 'mfa']);
    assert.equal(claims['acr'], '2');

    // The same code again, in another browser, within its step: refused (RFC 6238 §5.2).
    const other = browser();
    const again = await pkceAuthorizationUrl(rp, { redirect_uri: REDIRECT, scope: 'openid' });
    const replay = await secondStep(s.ts, other, await logIn(s.ts, other, again.url, alice), code);
    assert.equal(replay.status, 400, 'a replayed code');
    s.tick(30_000);
    const next = await secondStep(s.ts, other, replay, codeAt(secret, s.now()));
    assert.equal(next.status, 303, "the next step's code");
  } finally {
    await s.ts.stop();
  }
});

test("recovery codes work once each; another user's code is refused; without a factor a requiring client says what to do", async () => {
  const s = await setUp();
  try {
    const { recoveryCodes } = await s.enrol('u-alice');
    const bobs = await s.enrol('u-bob');
    const rp = await s.rp('payroll');
    const login = async (who: typeof alice, code: string) => {
      const b = browser();
      const started = await pkceAuthorizationUrl(rp, { redirect_uri: REDIRECT, scope: 'openid' });
      return secondStep(s.ts, b, await logIn(s.ts, b, started.url, who), code);
    };
    assert.equal((await login(alice, codeAt(bobs.secret, s.now()))).status, 400, "bob's app code for alice");
    assert.equal((await login(alice, bobs.recoveryCodes[0]!)).status, 400, "bob's recovery code for alice");
    assert.equal((await login(alice, recoveryCodes[0]!.toLowerCase())).status, 303, 'a recovery code');
    assert.equal((await login(alice, recoveryCodes[0]!)).status, 400, 'used up');
    assert.equal((await login(alice, recoveryCodes[1]!)).status, 303, 'the next one works');

    const admin = (await (await s.ts.admin('/admin/users/u-alice')).json()) as Record<string, unknown>;
    assert.deepEqual(admin.secondFactors, { totp: true, passkeys: [], recoveryCodesLeft: 8 });
    assert.equal(admin.factors, undefined, "the factors' secrets are not shown");
    assert.doesNotMatch(JSON.stringify(admin), /A256GCM/);

    // A lost phone: the admin resets alice's factors; the requiring client now sends her to set one up.
    assert.equal((await s.ts.admin('/admin/users/u-alice/factors', { method: 'DELETE' })).status, 204);
    const b = browser();
    const started = await pkceAuthorizationUrl(rp, { redirect_uri: REDIRECT, scope: 'openid' });
    const refused = await logIn(s.ts, b, started.url, alice);
    assert.equal(refused.status, 403);
    assert.match(await refused.text(), /payroll needs a second factor, and this account has none/);
    const audit = (await (await s.ts.admin('/admin/audit')).json()) as unknown;
    assert.ok(JSON.stringify(audit).includes('user.factors.reset'), 'the reset is audited');
  } finally {
    await s.ts.stop();
  }
});

test('acr_values=2 asks for the second factor when the user has one (a password-only session steps up); without acr_values a client that does not require it does not ask', async () => {
  const s = await setUp();
  try {
    const { secret } = await s.enrol('u-alice');
    const rp = await s.rp('wiki');
    const b = browser();
    const plain = await pkceAuthorizationUrl(rp, { redirect_uri: REDIRECT, scope: 'openid' });
    const signedIn = await logIn(s.ts, b, plain.url, alice);
    assert.equal(signedIn.status, 303, 'no second step for wiki');
    assert.deepEqual((await idTokenClaims(rp, signedIn.headers.get('location')!, plain))['amr'], ['pwd']);

    const asked = await pkceAuthorizationUrl(rp, { redirect_uri: REDIRECT, scope: 'openid', acr_values: '2' });
    const stepUp = await b.fetch(asked.url);
    assert.equal(stepUp.status, 200, 'the session (password only) does not do: the login page again');
    const second = await postPage(s.ts, b, '/login', { ...formOf(await stepUp.text()), ...alice });
    assert.equal(second.status, 200);
    const done = await secondStep(s.ts, b, second, codeAt(secret, s.now()));
    assert.equal(done.status, 303);
    assert.equal((await idTokenClaims(rp, done.headers.get('location')!, asked))['acr'], '2');
  } finally {
    await s.ts.stop();
  }
});

test('guessing codes is throttled like passwords: 429 with Retry-After, and the second step cannot be reached without the password', async () => {
  const s = await setUp();
  try {
    await s.enrol('u-alice');
    const rp = await s.rp('payroll');
    const b = browser();
    const started = await pkceAuthorizationUrl(rp, { redirect_uri: REDIRECT, scope: 'openid' });
    let page = await logIn(s.ts, b, started.url, alice);
    for (let i = 0; i < 5; i++) page = await secondStep(s.ts, b, page, String(100000 + i));
    const blocked = await secondStep(s.ts, b, page, '123456');
    assert.equal(blocked.status, 429);
    assert.ok(Number(blocked.headers.get('retry-after')) >= 1);

    // A login page's form, posted straight to the second step (no password): not this interaction's step.
    const c = browser();
    const fresh = await c.fetch((await pkceAuthorizationUrl(rp, { redirect_uri: REDIRECT, scope: 'openid' })).url);
    const skipped = await postPage(s.ts, c, '/login/second-factor', { ...formOf(await fresh.text()), code: '123456' });
    assert.equal(skipped.status, 400);
  } finally {
    await s.ts.stop();
  }
});
