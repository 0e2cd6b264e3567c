// Passkeys (issue "Second factors"), over HTTP with a software authenticator: made on the account
// page (recovery codes with the first factor), a login with the passkey alone (a discoverable
// credential: amr hwk/swk + user + mfa, acr 2) or as the second step after the password, named and
// removed; and the hostile list: an assertion for another origin or RP id, a counter that went
// back, a replayed assertion, another user's passkey or user handle, no user verification where
// the passkey stands alone, a registration for another origin or answered twice.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as oidc from 'openid-client';
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
import { passkeyOptionsOf, softAuthenticator, type CeremonyOverrides } from './soft-authenticator.js';

const REDIRECT = 'http://localhost:3000/callback';
const alice = { username: 'alice', password: 'alice-password-123' };
const bob = { username: 'bob', password: 'bob-password-123' };

async function setUp() {
  const ts = await startService(
    {
      clients: ['payroll', 'wiki'].map((id) => ({
        id,
        public: true,
        firstParty: true,
        requireSecondFactor: id === 'payroll',
        grantTypes: ['authorization_code'],
        redirectUris: [REDIRECT],
        audiences: ['api'],
      })),
      users: [
        { id: 'u-alice', ...alice },
        { id: 'u-bob', ...bob },
      ],
    },
    { localhost: true },
  );
  const rp = (client: string) =>
    oidc.discovery(new URL(ts.url), client, undefined, oidc.None(), { execute: [oidc.allowInsecureRequests] });
  return { ts, rp };
}

const csrfOf = (html: string) => /name="csrf" value="([^"]+)"/.exec(html)![1]!;

/** Signs `who` in to the account page in browser `b`: the page's HTML. */
async function accountPage(ts: TestService, b: Browser, who: typeof alice): Promise<string> {
  const toLogin = await b.fetch(`${ts.url}/account`);
  assert.equal(toLogin.status, 303);
  const back = await logIn(ts, b, toLogin.headers.get('location')!, who);
  assert.equal(back.headers.get('location'), `${ts.url}/account`);
  return (await b.fetch(`${ts.url}/account`)).text();
}

/** Makes a passkey on the account page: the page after it was added. */
async function addPasskey(
  ts: TestService,
  b: Browser,
  auth: ReturnType<typeof softAuthenticator>,
  name: string,
  o: CeremonyOverrides = {},
): Promise<Response> {
  const page = await (await b.fetch(`${ts.url}/account`)).text();
  const started = await postPage(ts, b, '/account/passkeys/start', { csrf: csrfOf(page) });
  assert.equal(started.status, 200);
  assert.match(started.headers.get('content-security-policy')!, /script-src 'self'/);
  const html = await started.text();
  const options = passkeyOptionsOf(html);
  return postPage(ts, b, '/account/passkeys/add', {
    csrf: csrfOf(html),
    name,
    response: JSON.stringify(auth.register(options, o)),
  });
}

/** Answers the passkey form of a login page (`page`) with `auth`. */
async function usePasskey(
  ts: TestService,
  b: Browser,
  page: string,
  auth: ReturnType<typeof softAuthenticator>,
  o: CeremonyOverrides = {},
): Promise<Response> {
  const options = passkeyOptionsOf<{ challenge: string; allowCredentials?: { id: string }[] }>(page);
  return postPage(ts, b, '/login/passkey', {
    ...formOf(page),
    response: JSON.stringify(auth.authenticate(options, o)),
  });
}

test('a passkey made on the account page signs in alone (amr swk + user + mfa, acr 2), satisfies a client that requires a second factor, and is listed by name', async () => {
  const { ts, rp } = await setUp();
  try {
    const b = browser();
    await accountPage(ts, b, alice);
    const auth = softAuthenticator(ts.url, { synced: true });
    const added = await addPasskey(ts, b, auth, 'Work laptop');
    assert.equal(added.status, 200);
    const html = await added.text();
    assert.match(html, /The passkey “Work laptop” is added\./);
    assert.equal((html.match(/<li><code>/g) ?? []).length, 10, 'recovery codes with the first second factor');
    assert.match(html, /<span>Work laptop<\/span><br><small>synced · added /);
    const admin = (await (await ts.admin('/admin/users/u-alice')).json()) as { secondFactors: { passkeys: unknown[] } };
    assert.deepEqual(
      admin.secondFactors.passkeys.map((p) => (p as { name: string }).name),
      ['Work laptop'],
    );

    for (const client of ['wiki', 'payroll']) {
      const config = await rp(client);
      const other = browser();
      const started = await pkceAuthorizationUrl(config, { redirect_uri: REDIRECT, scope: 'openid' });
      const loginPage = await other.fetch(started.url);
      const page = await loginPage.text();
      assert.match(loginPage.headers.get('content-security-policy')!, /script-src 'self'/);
      assert.match(page, /Sign in with a passkey/);
      const options = passkeyOptionsOf<{ userVerification: string; allowCredentials?: unknown[]; rpId: string }>(page);
      assert.equal(options.userVerification, 'required', 'alone, the passkey stands for the password too');
      assert.equal(options.rpId, 'localhost');
      const done = await usePasskey(ts, other, page, auth);
      assert.equal(done.status, 303, `${client}: straight back with a code`);
      const claims = await idTokenClaims(config, done.headers.get('location')!, started);
      assert.equal(claims.sub, 'u-alice');
      assert.deepEqual(claims['amr'], ['swk', 'user', 'mfa']);
      assert.equal(claims['acr'], '2');
    }
    const script = await fetch(`${ts.url}/login/passkey.js`);
    assert.equal(script.status, 200);
    assert.match(await script.text(), /SimpleWebAuthnBrowser[\s\S]*data-passkey-options/);
  } finally {
    await ts.stop();
  }
});

test("as the second step: the password, then the user's own passkey (amr pwd + hwk + mfa); the page offers a recovery code instead of an app code", async () => {
  const { ts, rp } = await setUp();
  try {
    const auth = softAuthenticator(ts.url);
    const b = browser();
    await accountPage(ts, b, alice);
    assert.equal((await addPasskey(ts, b, auth, 'Security key')).status, 200);

    const config = await rp('payroll');
    const other = browser();
    const started = await pkceAuthorizationUrl(config, { redirect_uri: REDIRECT, scope: 'openid' });
    const second = await logIn(ts, other, started.url, alice);
    assert.equal(second.status, 200);
    const page = await second.text();
    assert.match(page, /<h1>Second step<\/h1>/);
    assert.match(page, /<label for="code">Recovery code<\/label>/);
    const options = passkeyOptionsOf<{ allowCredentials: { id: string }[] }>(page);
    assert.deepEqual(
      options.allowCredentials.map((c) => c.id),
      [...auth.credentials.keys()],
    );
    const done = await usePasskey(ts, other, page, auth);
    assert.equal(done.status, 303);
    const claims = await idTokenClaims(config, done.headers.get('location')!, started);
    assert.deepEqual(claims['amr'], ['pwd', 'hwk', 'mfa']);
  } finally {
    await ts.stop();
  }
});

test('hostile assertions are refused: another origin or RP id, a counter gone back, a replay, no user verification alone, another user’s passkey or user handle', async () => {
  const { ts, rp } = await setUp();
  try {
    const alices = softAuthenticator(ts.url);
    const bobs = softAuthenticator(ts.url);
    const a = browser();
    await accountPage(ts, a, alice);
    assert.equal((await addPasskey(ts, a, alices, 'Phone')).status, 200);
    const bb = browser();
    await accountPage(ts, bb, bob);
    assert.equal((await addPasskey(ts, bb, bobs, 'Key')).status, 200);

    const config = await rp('wiki');
    const loginPage = async (b: Browser) => {
      const started = await pkceAuthorizationUrl(config, { redirect_uri: REDIRECT, scope: 'openid' });
      return (await b.fetch(started.url)).text();
    };
    const refused = async (o: CeremonyOverrides, what: string, auth = alices) => {
      const b = browser();
      const res = await usePasskey(ts, b, await loginPage(b), auth, o);
      assert.equal(res.status, 400, what);
      const html = await res.text();
      assert.match(html, /That passkey was not accepted here\./, what);
      // The page is shown again with a new challenge: the refused one cannot be answered again.
      assert.match(html, /data-passkey-options=/, what);
    };
    const port = new URL(ts.url).port;
    await refused({ origin: `http://evil.localhost:${port}` }, 'another origin');
    await refused({ origin: `http://127.0.0.1:${port}` }, 'the same server under another origin');
    await refused({ rpId: 'evil.example' }, 'another RP id');
    await refused({ userVerified: false }, 'no user verification, alone');
    await refused({ userHandle: Buffer.from('u-bob').toString('base64url') }, "alice's passkey under bob's handle");
    await refused({ credentialId: [...bobs.credentials.keys()][0]! }, "bob's credential id, alice's key", alices);

    // A counter that went back (a cloned authenticator): after a login at 5, one at 3.
    const b = browser();
    const ok = await usePasskey(ts, b, await loginPage(b), alices, { counter: 5 });
    assert.equal(ok.status, 303);
    await refused({ counter: 3 }, 'a lowered counter');
    await refused({ counter: 5 }, 'the same counter');

    // A replay: an answer that passed, posted again in its own browser and page.
    const c = browser();
    const page = await loginPage(c);
    const options = passkeyOptionsOf<{ challenge: string }>(page);
    const answer = JSON.stringify(alices.authenticate(options));
    assert.equal((await postPage(ts, c, '/login/passkey', { ...formOf(page), response: answer })).status, 303);
    const replay = await postPage(ts, c, '/login/passkey', { ...formOf(page), response: answer });
    assert.equal(replay.status, 400, 'the interaction is used up');

    // As alice's second step, bob's passkey is not hers.
    const payroll = await rp('payroll');
    const d = browser();
    const started = await pkceAuthorizationUrl(payroll, { redirect_uri: REDIRECT, scope: 'openid' });
    const second = await (await logIn(ts, d, started.url, alice)).text();
    const options2 = passkeyOptionsOf<{ challenge: string }>(second);
    const wrong = await postPage(ts, d, '/login/passkey', {
      ...formOf(second),
      // (Bob's authenticator answers the challenge, whatever the page allows.)
      response: JSON.stringify(bobs.authenticate({ challenge: options2.challenge })),
    });
    assert.equal(wrong.status, 400);
    assert.match(await wrong.text(), /<h1>Second step<\/h1>/);

    const audit = JSON.stringify(await (await ts.admin('/admin/audit')).json());
    assert.match(audit, /"reason":"passkey"/);
  } finally {
    await ts.stop();
  }
});

test('registration: another origin or a second answer is refused; passkeys are removed by name, and the last factor takes the recovery codes with it', async () => {
  const { ts } = await setUp();
  try {
    const auth = softAuthenticator(ts.url);
    const b = browser();
    await accountPage(ts, b, alice);
    const port = new URL(ts.url).port;
    const foreign = await addPasskey(ts, b, auth, 'Foreign', { origin: `http://evil.localhost:${port}` });
    assert.equal(foreign.status, 400);
    assert.match(await foreign.text(), /was not a passkey for this site/);

    // The same registration answered twice: the challenge is used once.
    const page = await (await b.fetch(`${ts.url}/account`)).text();
    const html = await (await postPage(ts, b, '/account/passkeys/start', { csrf: csrfOf(page) })).text();
    const options = passkeyOptionsOf(html);
    const answer = JSON.stringify(auth.register(options));
    const first = await postPage(ts, b, '/account/passkeys/add', {
      csrf: csrfOf(html),
      name: 'Laptop',
      response: answer,
    });
    assert.equal(first.status, 200);
    const second = await postPage(ts, b, '/account/passkeys/add', {
      csrf: csrfOf(html),
      name: 'Again',
      response: answer,
    });
    assert.equal(second.status, 400);
    assert.match(await second.text(), /took too long, or was answered already/);
    assert.equal((await addPasskey(ts, b, softAuthenticator(ts.url), 'Phone')).status, 200);

    const listed = await (await b.fetch(`${ts.url}/account`)).text();
    const ids = [...listed.matchAll(/name="passkey" value="([^"]+)"/g)].map((m) => m[1]!);
    assert.equal(ids.length, 2);
    assert.match(listed, /10 of 10 left/);
    const one = await postPage(ts, b, '/account/passkeys/remove', { csrf: csrfOf(listed), passkey: ids[0]! });
    assert.match(await one.text(), /The passkey “Laptop” is removed\./);
    const last = await postPage(ts, b, '/account/passkeys/remove', { csrf: csrfOf(listed), passkey: ids[1]! });
    const after = await last.text();
    assert.match(after, /The passkey “Phone” is removed, and the recovery codes with it/);
    assert.match(after, /Made with your first authenticator app or passkey\./);
    const gone = await postPage(ts, b, '/account/passkeys/remove', { csrf: csrfOf(listed), passkey: ids[1]! });
    assert.equal(gone.status, 404);
    const audit = JSON.stringify(await (await ts.admin('/admin/audit')).json());
    assert.match(audit, /factor\.passkey\.removed[\s\S]*factor\.passkey\.added/, 'newest first');
  } finally {
    await ts.stop();
  }
});

test('passkeys are off where WebAuthn cannot work: an issuer at an IP address, or login.passkeys.enabled false', async () => {
  for (const [config, options] of [
    [{}, {}],
    [{ login: { passkeys: { enabled: false } } }, { localhost: true }],
  ] as const) {
    const ts = await startService(
      {
        ...config,
        clients: [
          {
            id: 'wiki',
            public: true,
            grantTypes: ['authorization_code'],
            redirectUris: [REDIRECT],
            audiences: ['api'],
            firstParty: true,
          },
        ],
      },
      options,
    );
    try {
      const rp = await oidc.discovery(new URL(ts.url), 'wiki', undefined, oidc.None(), {
        execute: [oidc.allowInsecureRequests],
      });
      const started = await pkceAuthorizationUrl(rp, { redirect_uri: REDIRECT, scope: 'openid' });
      const page = await browser().fetch(started.url);
      assert.doesNotMatch(await page.text(), /passkey/i);
      assert.doesNotMatch(page.headers.get('content-security-policy')!, /script-src/);
    } finally {
      await ts.stop();
    }
  }
});
