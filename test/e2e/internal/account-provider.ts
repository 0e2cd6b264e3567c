// The provider the account and passkey browser tests sign in to: a token service at
// http://localhost:<port> (a domain, as WebAuthn needs) with the user alice and the client
// payroll (public, first-party, requiring a second factor), whose callback is a page showing the
// code it was sent.
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import pino from 'pino';
import { createTokenService, loadConfig } from '@tessera/token-service';
import { freePort } from '../../../examples/index.js';

/** alice's password. */
export const ALICE_PASSWORD = 'alice-password-123';

/** Types alice's username and password on the login page and signs in. */
export async function typePassword(page: Page): Promise<void> {
  await page.fill('#username', 'alice');
  await page.fill('#password', ALICE_PASSWORD);
  await page.click('form[action="/login"] button[type="submit"]');
}

/** Opens the account page, signs in there with the password, and waits to be back on it. */
export async function passwordToAccount(page: Page, issuer: string): Promise<void> {
  await page.goto(`${issuer}/account`);
  await page.waitForURL(`${issuer}/authorize?**`);
  await typePassword(page);
  await page.waitForURL(`${issuer}/account`);
}

/** A running provider, its payroll client's callback, and how to stop both. */
export interface AccountProvider {
  readonly issuer: string;
  readonly callbackUrl: string;
  /** payroll's authorization request (PKCE S256) and the verifier that redeems its code. */
  authorizeUrl(extra?: Record<string, string>): { readonly href: string; readonly verifier: string };
  close(): Promise<void>;
}

/**
 * Starts the provider and payroll's callback page (`<p id="code">`).
 *
 * @example
 * ```ts
 * const provider = await startAccountProvider();
 * await page.goto(`${provider.issuer}/account`);
 * ```
 */
export async function startAccountProvider(): Promise<AccountProvider> {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-e2e-account-'));
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
        users: [{ id: 'u-alice', username: 'alice', password: ALICE_PASSWORD, name: 'Alice Liddell' }],
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
  const close = async () => {
    await ts.close();
    callback.close();
    rmSync(dir, { recursive: true, force: true });
  };
  await ts.listen().catch(async (error: unknown) => {
    await close();
    throw error;
  });
  return {
    issuer,
    callbackUrl,
    authorizeUrl(extra = {}) {
      const verifier = randomBytes(32).toString('base64url');
      const url = new URL('/authorize', issuer);
      url.search = new URLSearchParams({
        response_type: 'code',
        client_id: 'payroll',
        redirect_uri: callbackUrl,
        scope: 'openid',
        state: randomBytes(8).toString('base64url'),
        code_challenge: createHash('sha256').update(verifier).digest('base64url'),
        code_challenge_method: 'S256',
        ...extra,
      }).toString();
      return { href: url.href, verifier };
    },
    close,
  };
}
