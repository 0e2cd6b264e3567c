// A browser's part of a login, over HTTP (cookies, forms, no redirects followed), shared by the
// login tests. The real browser is driven in test/e2e (Chromium); these stay fast and exact.
import assert from 'node:assert/strict';
import * as oidc from 'openid-client';
import type { TestService } from './helpers.js';

/** A browser: keeps the cookies the provider sets, sends them back, does not follow redirects. */
export function browser() {
  const jar = new Map<string, string>();
  return {
    async fetch(url: string, init: RequestInit = {}): Promise<Response> {
      const cookie = [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
      const res = await fetch(url, {
        ...init,
        redirect: 'manual',
        headers: { ...(cookie === '' ? {} : { cookie }), ...(init.headers as Record<string, string> | undefined) },
      });
      for (const set of res.headers.getSetCookie()) {
        const [pair] = set.split(';');
        const eq = pair!.indexOf('=');
        const name = pair!.slice(0, eq);
        const value = pair!.slice(eq + 1);
        if (value === '' || /max-age=0/i.test(set)) jar.delete(name);
        else jar.set(name, value);
      }
      return res;
    },
    jar,
  };
}

/** A {@link browser}. */
export type Browser = ReturnType<typeof browser>;

/** The hidden inputs of a provider page's form (login, consent). */
export function formOf(html: string): { interaction: string; csrf: string } {
  const field = (name: string) => new RegExp(`name="${name}" value="([^"]+)"`).exec(html)?.[1];
  return { interaction: field('interaction')!, csrf: field('csrf')! };
}

/** An authorization request with PKCE, state and nonce, and what the client keeps of it. */
export async function pkceAuthorizationUrl(rp: oidc.Configuration, params: Record<string, string>) {
  const verifier = oidc.randomPKCECodeVerifier();
  const state = oidc.randomState();
  const nonce = oidc.randomNonce();
  const url = oidc.buildAuthorizationUrl(rp, {
    code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    state,
    nonce,
    ...params,
  });
  return { url: url.href, verifier, state, nonce };
}

/** The client's end of a login that reached the redirect (`location`): the ID token's claims. */
export async function idTokenClaims(
  rp: oidc.Configuration,
  location: string,
  started: { verifier: string; state: string; nonce: string },
) {
  const tokens = await oidc.authorizationCodeGrant(rp, new URL(location), {
    pkceCodeVerifier: started.verifier,
    expectedState: started.state,
    expectedNonce: started.nonce,
  });
  return tokens.claims()!;
}

/** Posts one of the provider's forms from its own origin, as the browser would. */
export function postPage(ts: TestService, b: Browser, path: string, fields: Record<string, string>): Promise<Response> {
  return b.fetch(`${ts.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', origin: new URL(ts.url).origin },
    body: new URLSearchParams(fields).toString(),
  });
}

/** Opens the login page and signs in; the provider's answer (a redirect, or the consent page). */
export async function logIn(
  ts: TestService,
  b: Browser,
  url: string,
  who: { username: string; password: string },
): Promise<Response> {
  const page = await b.fetch(url);
  assert.equal(page.status, 200);
  return postPage(ts, b, '/login', { ...formOf(await page.text()), ...who });
}
