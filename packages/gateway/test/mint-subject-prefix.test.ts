// A `self`-minted token names the caller as `minting.subjectPrefixes[iss]` + `sub` with an RFC 9493
// `sub_id` (hardening issue: two issuers' `alice` reached upstreams as one subject). Every issuer
// a self-minting route accepts needs a prefix: a policy set that lacks one is refused when it is
// applied, at start (the gateway does not start) and on reload (the previous set stays).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'undici';
import { createVerifier, type Jwks } from '@tessera/core';
import { createGateway, loadGatewayConfig, type Gateway } from '@tessera/gateway';
import { startEchoUpstream, type Echo } from './internal/echo-upstream.js';
import { ISSUER, policyDir, silent, startIssuer } from './internal/fixtures.js';

const GATEWAY = 'https://gateway.tessera.test';

const requestAuthentication = (
  name: string,
  issuer: string,
  jwksUri: string,
  meta = 'namespace: default',
  app = 'echo',
) =>
  `apiVersion: security.istio.io/v1
kind: RequestAuthentication
metadata: { name: ${name}, ${meta} }
spec:
  selector: { matchLabels: { app: ${app} } }
  jwtRules: [{ issuer: "${issuer}", jwksUri: "${jwksUri}" }]
`;
const anyCaller = `apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: { name: any-caller, namespace: default }
spec:
  rules: [{ from: [{ source: { requestPrincipals: ["*"] } }] }]
`;

async function withGateway(
  files: Record<string, string>,
  subjectPrefixes: Record<string, string>,
  run: (gw: Gateway, ctx: { sign: (sub: string) => string; policies: ReturnType<typeof policyDir> }) => Promise<void>,
  minting: { algorithm?: string } = {},
): Promise<void> {
  const issuer = await startIssuer();
  const upstream = await startEchoUpstream();
  const policies = policyDir(
    Object.fromEntries(Object.entries(files).map(([k, v]) => [k, v.replaceAll('{{JWKS}}', issuer.jwksUrl)])),
  );
  try {
    const gw = createGateway(
      loadGatewayConfig({
        object: {
          listeners: [{ name: 'main', port: 0 }],
          admin: { enabled: false },
          routes: [
            {
              name: 'echo',
              upstream: upstream.url,
              labels: { app: 'echo' },
              mutations: { mint: { mode: 'self', audience: 'orders', lifetimeSeconds: 30 } },
            },
            { name: 'plain', pathPrefix: '/plain', upstream: upstream.url, labels: { app: 'plain' } },
          ],
          minting: { issuer: GATEWAY, subjectPrefixes, ...minting },
          policies: { sources: [policies.dir], watch: false },
        },
      }),
      { logger: silent },
    );
    try {
      await run(gw, { sign: (sub) => issuer.sign({ sub }), policies });
    } finally {
      await gw.close();
    }
  } finally {
    await upstream.close();
    await issuer.close();
    policies.remove();
  }
}

/** Calls the minting route as `alice`; answers the token the upstream got and the gateway's JWKS. */
async function mintFor(gw: Gateway, sign: (sub: string) => string): Promise<{ minted: string; jwks: Jwks }> {
  const res = await request(`${gw.urls.main}/orders/1`, { headers: { authorization: `Bearer ${sign('alice')}` } });
  assert.equal(res.statusCode, 200);
  const minted = String(((await res.body.json()) as Echo).headers.authorization).replace(/^Bearer /, '');
  const jwks = (await (await request(`${gw.urls.main}/.well-known/jwks.json`)).body.json()) as Jwks;
  return { minted, jwks };
}

test('the upstream gets sub = the issuer prefix + sub, and sub_id with the original issuer and subject', () =>
  withGateway(
    { 'ra.yaml': requestAuthentication('jwt', ISSUER, '{{JWKS}}'), 'ap.yaml': anyCaller },
    { [ISSUER]: 'issuer-a:' },
    async (gw, { sign }) => {
      await gw.listen();
      const { minted, jwks } = await mintFor(gw, sign);
      const { payload } = await createVerifier({ issuer: GATEWAY, audience: 'orders', keys: jwks }).verify(minted);
      assert.equal(payload.sub, 'issuer-a:alice');
      assert.deepEqual(payload['sub_id'], { format: 'iss_sub', iss: ISSUER, sub: 'alice' });
      assert.equal(payload['orig_iss'], undefined, 'sub_id replaces orig_iss');
      assert.deepEqual(payload.act, { sub: GATEWAY });
    },
  ));

test('minting.algorithm Ed25519 (RFC 9864): the minted token and the JWKS key say Ed25519, and verify', () =>
  withGateway(
    { 'ra.yaml': requestAuthentication('jwt', ISSUER, '{{JWKS}}'), 'ap.yaml': anyCaller },
    { [ISSUER]: 'issuer-a:' },
    async (gw, { sign }) => {
      await gw.listen();
      const { minted, jwks } = await mintFor(gw, sign);
      // The signing key and the next one, published ahead of the rotation.
      for (const k of jwks.keys) assert.deepEqual([k.kty, k.crv, k.alg], ['OKP', 'Ed25519', 'Ed25519']);
      const { header } = await createVerifier({ issuer: GATEWAY, audience: 'orders', keys: jwks }).verify(minted);
      assert.equal(header.alg, 'Ed25519');
    },
    { algorithm: 'Ed25519' },
  ));

test('a policy set under which a self-minting route accepts an issuer without a prefix is refused at start, naming file, rule, route and issuer', () =>
  withGateway(
    { 'ra.yaml': requestAuthentication('jwt', ISSUER, '{{JWKS}}'), 'ap.yaml': anyCaller },
    { 'https://someone-else.test': 'else:' },
    async (gw) => {
      await assert.rejects(gw.listen(), (err: Error & { code?: string; details?: Record<string, unknown> }) => {
        assert.equal(err.code, 'ERR_GATEWAY_POLICY_LOAD_FAILED');
        assert.match(err.message, /ra\.yaml:\d+: spec\.jwtRules\[0\]\.issuer: route "echo"/);
        assert.ok(err.message.includes(`"${ISSUER}" has no subject prefix`), err.message);
        assert.match(err.message, /minting\.subjectPrefixes/);
        assert.equal(err.details?.['issuer'], ISSUER);
        return true;
      });
    },
  ));

test('issuers of RequestAuthentications that select no self-minting route need no prefix; a reload that adds an unprefixed one keeps the old set', () =>
  withGateway(
    {
      'ra.yaml': requestAuthentication('jwt', ISSUER, '{{JWKS}}'),
      // Another route's label, and another namespace: neither selects the minting route.
      'plain.yaml': requestAuthentication('plain', 'https://plain.test', '{{JWKS}}', 'namespace: default', 'plain'),
      'elsewhere.yaml': requestAuthentication('elsewhere', 'https://elsewhere.test', '{{JWKS}}', 'namespace: other'),
      'ap.yaml': anyCaller,
    },
    { [ISSUER]: 'issuer-a:' },
    async (gw, { sign, policies }) => {
      await gw.listen();
      // The root namespace applies to every route: this one reaches the minting route too.
      policies.write(
        'root.yaml',
        requestAuthentication('root', 'https://root.test', 'http://127.0.0.1:9/jwks', 'namespace: istio-system'),
      );
      await assert.rejects(gw.reload(), (err: Error & { code?: string }) => {
        assert.equal(err.code, 'ERR_GATEWAY_POLICY_LOAD_FAILED');
        assert.match(err.message, /root\.yaml:\d+: .*"https:\/\/root\.test" has no subject prefix/);
        return true;
      });
      const res = await request(`${gw.urls.main}/orders/1`, { headers: { authorization: `Bearer ${sign('alice')}` } });
      assert.equal(res.statusCode, 200, 'the previous policy set stays in force');
      await res.body.dump();
    },
  ));
