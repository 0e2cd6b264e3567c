// The gateway's relying party against a hostile provider: a real HTTP server that answers
// discovery, JWKS and the token endpoint with whatever ID token a case asks for, signed with jose
// (the reference implementation), so each check of OIDC Core §3.1.3.7 is shown to refuse.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type JWK } from 'jose';
import { createOidcRelyingParty } from '../src/login/oidc-relying-party.js';

const CLIENT = 'webui';

interface Provider {
  readonly issuer: string;
  /** The next token endpoint answer. */
  answer: Record<string, unknown>;
  /** What the token endpoint was last sent. */
  lastForm: URLSearchParams | undefined;
  /** Signs claims with the provider's key (or `key: 'stranger'`, a key the JWKS does not hold). */
  sign(claims: Record<string, unknown>, options?: { key?: 'own' | 'stranger'; typ?: string }): Promise<string>;
  close(): Promise<void>;
}

async function hostileProvider(discoveredIssuer?: string): Promise<Provider> {
  const own = await generateKeyPair('ES256');
  const stranger = await generateKeyPair('ES256');
  const jwk: JWK = { ...(await exportJWK(own.publicKey)), kid: 'k1', alg: 'ES256', use: 'sig' };
  let issuer = '';
  const provider: Provider = {
    get issuer() {
      return issuer;
    },
    answer: {},
    lastForm: undefined,
    async sign(claims, options = {}) {
      return new SignJWT(claims)
        .setProtectedHeader({ alg: 'ES256', kid: 'k1', typ: options.typ ?? 'JWT' })
        .sign(options.key === 'stranger' ? stranger.privateKey : own.privateKey);
    },
    close: () => new Promise((r) => server.close(() => r())),
  };
  const server: Server = createServer((req, res) => {
    const json = (body: unknown) =>
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    if (req.url === '/.well-known/openid-configuration')
      return json({
        issuer: discoveredIssuer ?? issuer,
        authorization_endpoint: `${issuer}/authorize`,
        token_endpoint: `${issuer}/token`,
        jwks_uri: `${issuer}/jwks`,
      });
    if (req.url === '/jwks') return json({ keys: [jwk] });
    if (req.url === '/token') {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        provider.lastForm = new URLSearchParams(body);
        json(provider.answer);
      });
      return;
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return provider;
}

const now = () => Math.floor(Date.now() / 1000);

test('the callback refuses an ID token for another audience, nonce, issuer or key, an expired one, and alg none', async () => {
  const p = await hostileProvider();
  const rp = createOidcRelyingParty({
    issuerUrl: p.issuer,
    clientId: CLIENT,
    clientSecret: 's3cret',
    scopes: ['openid'],
    authEndpointQueryParams: {},
  });
  try {
    const { url, pending } = await rp.startLogin('https://app.example/callback');
    assert.equal(new URL(url).searchParams.get('nonce'), pending.nonce);
    const good = { iss: p.issuer, sub: 'u-alice', aud: CLIENT, exp: now() + 300, iat: now(), nonce: pending.nonce };
    const finish = async (idToken: string) => {
      p.answer = { access_token: 'at', token_type: 'Bearer', expires_in: 60, id_token: idToken };
      return rp.finishLogin('the-code', pending, 'https://app.example/callback');
    };

    const ok = await finish(await p.sign(good));
    assert.equal(ok.claims.sub, 'u-alice');
    assert.equal(p.lastForm?.get('code_verifier'), pending.verifier, 'PKCE verifier sent');

    const refusals: [string, Promise<string>, RegExp][] = [
      ['another audience', p.sign({ ...good, aud: 'another-client' }), /did not verify/],
      ['another nonce', p.sign({ ...good, nonce: 'someone-elses' }), /another login \(nonce\)/],
      ['no nonce', p.sign({ ...good, nonce: undefined }), /another login \(nonce\)/],
      ['another issuer', p.sign({ ...good, iss: 'https://evil.example' }), /did not verify/],
      ['a key the JWKS does not hold', p.sign(good, { key: 'stranger' }), /did not verify/],
      ['expired', p.sign({ ...good, exp: now() - 600, iat: now() - 900 }), /did not verify/],
      [
        'alg none',
        Promise.resolve(
          `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from(JSON.stringify(good)).toString('base64url')}.`,
        ),
        /did not verify/,
      ],
    ];
    for (const [what, token, message] of refusals)
      await assert.rejects(finish(await token), (err: Error & { code?: string }) => {
        assert.equal(err.code, 'ERR_GATEWAY_LOGIN_FAILED', what);
        assert.match(err.message, message, what);
        return true;
      });
    p.answer = { access_token: 'at' };
    await assert.rejects(
      rp.finishLogin('c', pending, 'https://app.example/callback'),
      /without an access token or ID token/,
    );
  } finally {
    rp.close();
    await p.close();
  }
});

test('a refreshed ID token is checked as at login and must be the same person; logout tokens are checked', async () => {
  const p = await hostileProvider();
  const rp = createOidcRelyingParty({
    issuerUrl: p.issuer,
    clientId: CLIENT,
    clientSecret: undefined,
    scopes: ['openid'],
    authEndpointQueryParams: {},
  });
  try {
    const claims = { iss: p.issuer, sub: 'u-alice', aud: CLIENT, exp: now() + 300, iat: now() };
    const previous = { accessToken: 'at1', idToken: await p.sign(claims), refreshToken: 'rt1', expiresAt: now() + 1 };
    p.answer = { access_token: 'at2', expires_in: 60 };
    const kept = await rp.refresh('rt1', previous);
    assert.equal(kept.idToken, previous.idToken, 'no new ID token: the old one stays');
    assert.equal(kept.refreshToken, 'rt1');
    assert.equal(p.lastForm?.get('client_id'), CLIENT, 'a public client names itself');

    p.answer = { access_token: 'at3', id_token: await p.sign({ ...claims, sub: 'u-mallory' }) };
    await assert.rejects(rp.refresh('rt1', previous), /another user/);
    p.answer = { access_token: 'at3', id_token: await p.sign(claims, { key: 'stranger' }) };
    await assert.rejects(rp.refresh('rt1', previous), /refreshed ID token did not verify/);
    p.answer = { access_token: 'at3', id_token: await p.sign({ ...claims, jti: 'another' }) };
    assert.equal((await rp.refresh('rt1', previous)).accessToken, 'at3');

    const logout = { iss: p.issuer, aud: CLIENT, iat: now(), exp: now() + 120, jti: 'j1', sid: 's1' };
    const events = { 'http://schemas.openid.net/event/backchannel-logout': {} };
    assert.deepEqual(await rp.verifyLogoutToken(await p.sign({ ...logout, events }, { typ: 'logout+jwt' })), {
      sid: 's1',
      sub: undefined,
    });
    await assert.rejects(
      rp.verifyLogoutToken(await p.sign({ ...logout }, { typ: 'logout+jwt' })),
      /not a logout token/,
    );
    await assert.rejects(
      rp.verifyLogoutToken(await p.sign({ ...logout, events, nonce: 'n' }, { typ: 'logout+jwt' })),
      /not a logout token/,
    );
    await assert.rejects(
      rp.verifyLogoutToken(await p.sign({ ...logout, events })),
      'an ID token is not a logout token',
    );
    await assert.rejects(
      rp.verifyLogoutToken(await p.sign({ ...logout, events, sid: undefined }, { typ: 'logout+jwt' })),
      /names sid or sub/,
    );
  } finally {
    rp.close();
    await p.close();
  }
});

test('discovery naming another issuer is refused', async () => {
  const p = await hostileProvider('https://evil.example');
  const rp = createOidcRelyingParty({
    issuerUrl: p.issuer,
    clientId: CLIENT,
    clientSecret: undefined,
    scopes: ['openid'],
    authEndpointQueryParams: {},
  });
  try {
    await assert.rejects(rp.startLogin('https://app.example/callback'), /names issuer https:\/\/evil.example/);
  } finally {
    rp.close();
    await p.close();
  }
});
