import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRemoteJwks, createVerifier, discoverIssuer, generateKey, isTesseraError, signJwt } from '@tessera/core';
import { startJwksServer, type JwksServer } from './jwks-server.js';

const key = generateKey('ES256', { kid: 'k1' });
const clock = () => Date.UTC(2026, 0, 1);

/** Serves metadata at `metadataPath` naming `issuer`, and the JWKS at /jwks. */
function serveIssuer(server: JwksServer, metadataPath: string, issuer: string, jwksUri = `${server.base}/jwks`) {
  server.handle((req, res) => {
    if (req.url === metadataPath)
      return void res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ issuer, jwks_uri: jwksUri, token_endpoint: `${issuer}/token` }));
    if (req.url === '/jwks')
      return void res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ keys: [key.publicJwk] }));
    res.writeHead(404).end();
  });
}

test('discovery: OIDC location, matching issuer, then the JWKS verifies', async (t) => {
  const server = await startJwksServer();
  t.after(() => server.close());
  serveIssuer(server, '/.well-known/openid-configuration', server.base);
  const metadata = await discoverIssuer(server.base);
  assert.equal(metadata.jwks_uri, `${server.base}/jwks`);
  assert.equal(metadata.token_endpoint, `${server.base}/token`);

  const jwks = createRemoteJwks({ issuer: server.base, clock });
  t.after(() => jwks.close());
  const verifier = createVerifier({ issuer: server.base, keys: jwks, clock });
  const token = signJwt({ sub: 's' }, key.signingKey, { issuer: server.base, expiresIn: 60, clock });
  assert.equal((await verifier.verify(token)).payload.sub, 's');
  assert.equal(jwks.stats().url, `${server.base}/jwks`);
  // The source discovers once (after our own discoverIssuer call); later fetches go to the JWKS directly.
  await jwks.refresh();
  assert.deepEqual(server.seen, [
    '/.well-known/openid-configuration',
    '/.well-known/openid-configuration',
    '/jwks',
    '/jwks',
  ]);
});

test('discovery: falls back to RFC 8414, with the issuer path after the well-known segment', async (t) => {
  const server = await startJwksServer();
  t.after(() => server.close());
  const issuer = `${server.base}/tenants/a`;
  serveIssuer(server, '/.well-known/oauth-authorization-server/tenants/a', issuer);
  const metadata = await discoverIssuer(issuer);
  assert.equal(metadata.issuer, issuer);
  assert.deepEqual(server.seen, [
    '/tenants/a/.well-known/openid-configuration',
    '/.well-known/oauth-authorization-server/tenants/a',
  ]);
});

test('discovery: a mismatching issuer fails with ERR_DISCOVERY_FAILED', async (t) => {
  const server = await startJwksServer();
  t.after(() => server.close());
  for (const named of [`${server.base}/`, 'https://evil.example', server.base.toUpperCase()]) {
    serveIssuer(server, '/.well-known/openid-configuration', named);
    await assert.rejects(
      discoverIssuer(server.base),
      (e: unknown) => isTesseraError(e, 'ERR_DISCOVERY_FAILED') && /expected/.test(e.message),
      named,
    );
  }
  const jwks = createRemoteJwks({ issuer: server.base, clock });
  t.after(() => jwks.close());
  await assert.rejects(
    async () => jwks.getKeys({ alg: 'ES256', kid: 'k1' }),
    (e: unknown) => isTesseraError(e, 'ERR_DISCOVERY_FAILED'),
  );
  assert.equal(jwks.stats().failures, 1);
  assert.ok(!server.seen.includes('/jwks'), 'no keys fetched for an issuer that did not match');
});

test('discovery: missing or bad jwks_uri, not found, not JSON', async (t) => {
  const server = await startJwksServer();
  t.after(() => server.close());
  const meta = (body: string) =>
    server.handle((req, res) => {
      if (req.url === '/.well-known/openid-configuration') return void res.writeHead(200).end(body);
      res.writeHead(404).end();
    });
  for (const body of [
    JSON.stringify({ issuer: server.base }),
    JSON.stringify({ issuer: server.base, jwks_uri: 42 }),
    JSON.stringify({ issuer: server.base, jwks_uri: '/relative' }),
    JSON.stringify({ issuer: server.base, jwks_uri: 'file:///etc/passwd' }),
    '[]',
    'not json',
  ]) {
    meta(body);
    await assert.rejects(discoverIssuer(server.base), (e: unknown) => isTesseraError(e, 'ERR_DISCOVERY_FAILED'), body);
  }
  server.handle((_req, res) => res.writeHead(404).end());
  await assert.rejects(
    discoverIssuer(server.base),
    (e: unknown) => isTesseraError(e, 'ERR_DISCOVERY_FAILED') && /HTTP 404/.test(e.message),
  );
});

test('discovery: an http issuer may name any http(s) jwks_uri; bad issuers are refused before any request', async (t) => {
  const server = await startJwksServer();
  t.after(() => server.close());
  serveIssuer(server, '/.well-known/openid-configuration', server.base, 'http://elsewhere.test/jwks');
  assert.equal((await discoverIssuer(server.base)).jwks_uri, 'http://elsewhere.test/jwks');
  const before = server.seen.length;
  for (const bad of ['not a url', 'ftp://x', 'https://x/?q=1', 'https://x/#f', 'https://u:p@x']) {
    await assert.rejects(discoverIssuer(bad), (e: unknown) => isTesseraError(e, 'ERR_CONFIG_INVALID'), bad);
  }
  assert.equal(server.seen.length, before);
});
