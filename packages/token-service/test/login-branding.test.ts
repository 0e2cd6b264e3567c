// The login page's name, logo and colour from configuration (issue "People").
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startService } from './helpers.js';

const SVG =
  '<svg xmlns="http://www.w3.org/2000/svg" width="40" height="40"><circle cx="20" cy="20" r="18" fill="#0a7"/></svg>';
const client = {
  id: 'webui',
  public: true,
  firstParty: true,
  grantTypes: ['authorization_code'],
  redirectUris: ['http://localhost:3000/callback'],
  audiences: ['api'],
};
const authorize =
  '/authorize?response_type=code&client_id=webui&redirect_uri=http%3A%2F%2Flocalhost%3A3000%2Fcallback&scope=openid&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM&code_challenge_method=S256';

test('branding: title, product name, colour and a logo from login.page; the logo served under a CSP that runs nothing', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-logo-'));
  writeFileSync(join(dir, 'logo.svg'), SVG);
  const ts = await startService({
    clients: [client],
    login: {
      page: { title: 'Welcome back', productName: 'Acme ID', primaryColor: '#aa3300', logoFile: join(dir, 'logo.svg') },
    },
  });
  try {
    const page = await (await fetch(`${ts.url}${authorize}`)).text();
    assert.match(page, /<title>Welcome back · Acme ID<\/title>/);
    assert.match(page, /<img class="logo" src="\/login\/logo" alt="Acme ID">/);
    assert.match(page, /<p class="product">Acme ID<\/p>/);
    const css = await (await fetch(`${ts.url}/login/style.css`)).text();
    assert.match(css, /background:#aa3300/);
    const logo = await fetch(`${ts.url}/login/logo`);
    assert.equal(logo.status, 200);
    assert.equal(logo.headers.get('content-type'), 'image/svg+xml');
    assert.match(logo.headers.get('content-security-policy') ?? '', /default-src 'none'.*sandbox/);
    assert.equal(await logo.text(), SVG);
  } finally {
    await ts.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('branding: without a logo the page has none and /login/logo is 404; an unreadable or unknown logo file stops the start, naming it', async () => {
  const ts = await startService({ clients: [client] });
  try {
    assert.doesNotMatch(await (await fetch(`${ts.url}${authorize}`)).text(), /class="logo"/);
    assert.equal((await fetch(`${ts.url}/login/logo`)).status, 404);
  } finally {
    await ts.stop();
  }
  const dir = mkdtempSync(join(tmpdir(), 'tessera-logo-'));
  try {
    writeFileSync(join(dir, 'logo.gif'), 'GIF89a');
    for (const [file, why] of [
      [join(dir, 'missing.png'), /missing\.png: ENOENT/],
      [join(dir, 'logo.gif'), /logo\.gif: must end in \.png/],
    ] as const)
      await assert.rejects(
        startService({ clients: [client], login: { page: { logoFile: file } } }),
        (err: Error & { code?: string }) => {
          assert.equal(err.code, 'ERR_TOKEN_SERVICE_CONFIG_INVALID');
          assert.match(err.message, why);
          return true;
        },
      );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
