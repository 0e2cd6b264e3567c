// TLS and mTLS listeners with certificates made by openssl at test time. The SPIFFE URI SAN of the
// client certificate becomes the peer principal that `principals`, `namespaces` and
// `source.principal` match.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { createGateway, loadGatewayConfig, type Gateway } from '@tessera/gateway';
import { startEchoUpstream, type Echo, type EchoUpstream } from './internal/echo-upstream.js';
import { policyDir, silent } from './internal/fixtures.js';
import { createPki, hasOpenssl, type Pki } from './internal/openssl-pki.js';

const skip = hasOpenssl() ? false : 'openssl is not installed';

const AP = `apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: { name: webui-only, namespace: default }
spec:
  action: ALLOW
  rules:
    - from: [{ source: { principals: ["cluster.local/ns/default/sa/webui"] } }]
      to: [{ operation: { paths: ["/web/*"] } }]
    - from: [{ source: { namespaces: ["batch"] } }]
      to: [{ operation: { paths: ["/jobs/*"] } }]
    - to: [{ operation: { paths: ["/public/*"] } }]
      when: [{ key: connection.sni, values: ["localhost"] }]
`;

let pki: Pki;
let upstream: EchoUpstream;
let gateway: Gateway;
let policies: ReturnType<typeof policyDir>;

before(async () => {
  if (skip) return;
  pki = createPki();
  upstream = await startEchoUpstream();
  policies = policyDir({ 'ap.yaml': AP });
  gateway = createGateway(
    loadGatewayConfig({
      object: {
        listeners: [
          {
            name: 'mtls',
            port: 0,
            tls: { cert: pki.serverCert, key: pki.serverKey, clientCa: pki.caCert, requestCert: true },
          },
          {
            name: 'strict',
            port: 0,
            tls: {
              cert: pki.serverCert,
              key: pki.serverKey,
              clientCa: pki.caCert,
              requestCert: true,
              requireClientCert: true,
            },
          },
        ],
        admin: { enabled: false },
        routes: [{ name: 'echo', upstream: upstream.url }],
        policies: { sources: [policies.dir], watch: false },
      },
    }),
    { logger: silent },
  );
  await gateway.listen();
});
after(async () => {
  if (skip) return;
  await gateway.close();
  await upstream.close();
  policies.remove();
  pki.remove();
});

function get(
  base: string,
  path: string,
  client?: { cert: string; key: string },
  servername?: string,
): Promise<{ status: number; body: string }> {
  const u = new URL(base);
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      {
        hostname: u.hostname,
        port: u.port,
        path,
        ca: readFileSync(pki.caCert),
        ...(client ?? {}),
        ...(servername ? { servername } : {}),
        agent: false,
      },
      (res) => {
        let body = '';
        res.on('data', (d: Buffer) => (body += d.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

test('the SPIFFE URI SAN becomes the peer principal for principals and namespaces', { skip }, async () => {
  const webui = pki.client('webui', 'spiffe://cluster.local/ns/default/sa/webui');
  const batch = pki.client('batch', 'spiffe://cluster.local/ns/batch/sa/runner');
  const plain = pki.client('plain', undefined);
  const base = gateway.urls.mtls!;
  let r = await get(base, '/web/index', webui);
  assert.equal(r.status, 200);
  assert.equal((JSON.parse(r.body) as Echo).headers['x-forwarded-proto'], 'https');
  // Istio's sidecar (Envoy SANITIZE_SET): the verified peer certificate's hash and SPIFFE ID.
  assert.match(
    String((JSON.parse(r.body) as Echo).headers['x-forwarded-client-cert']),
    /^Hash=[0-9a-f]{64};URI=spiffe:\/\/cluster\.local\/ns\/default\/sa\/webui$/,
  );
  assert.equal((await get(base, '/web/index', batch)).status, 403, 'another service account');
  assert.equal((await get(base, '/jobs/1', batch)).status, 200, 'namespaces: batch');
  assert.equal((await get(base, '/jobs/1', webui)).status, 403);
  assert.equal(
    (await get(base, '/web/index', plain)).status,
    403,
    'a certificate without a SPIFFE ID has no principal',
  );
  assert.equal((await get(base, '/web/index')).status, 403, 'no certificate, no principal');
  r = await get(base, '/public/x', undefined, 'localhost');
  assert.equal(r.status, 200, 'connection.sni');
});

test('requireClientCert refuses the handshake without a trusted certificate', { skip }, async () => {
  const webui = pki.client('webui2', 'spiffe://cluster.local/ns/default/sa/webui');
  assert.equal((await get(gateway.urls.strict!, '/web/x', webui)).status, 200);
  await assert.rejects(get(gateway.urls.strict!, '/web/x'));
});

test(
  'an https upstream is verified against upstreamTls.ca; without the CA the gateway answers 502',
  { skip },
  async () => {
    const { createServer } = await import('node:https');
    const { request } = await import('undici');
    const secure = createServer(
      { cert: readFileSync(pki.serverCert), key: readFileSync(pki.serverKey) },
      (req, res) => {
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.end(`secure ${req.url}`);
      },
    );
    await new Promise<void>((r) => secure.listen(0, '127.0.0.1', r));
    const upstream = `https://127.0.0.1:${(secure.address() as { port: number }).port}`;
    const dir = policyDir({
      'ap.yaml':
        'apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata: { name: all }\nspec:\n  rules: [{}]\n',
    });
    const gw = createGateway(
      loadGatewayConfig({
        object: {
          listeners: [{ port: 0 }],
          admin: { enabled: false },
          routes: [
            { name: 'trusted', pathPrefix: '/trusted', upstream, upstreamTls: { ca: pki.caCert } },
            { name: 'untrusted', pathPrefix: '/untrusted', upstream },
          ],
          policies: { sources: [dir.dir], watch: false },
        },
      }),
      { logger: silent },
    );
    await gw.listen();
    try {
      const ok = await request(`${gw.urls.main}/trusted/x`);
      assert.equal(ok.statusCode, 200);
      assert.equal(await ok.body.text(), 'secure /trusted/x');
      const bad = await request(`${gw.urls.main}/untrusted/x`);
      assert.equal(bad.statusCode, 502);
      await bad.body.dump();
    } finally {
      await gw.close();
      secure.closeAllConnections();
      secure.close();
      dir.remove();
    }
  },
);
