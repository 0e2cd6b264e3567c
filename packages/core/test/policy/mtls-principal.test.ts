// The mTLS peer principal over a real TLS server on 127.0.0.1: only a verified client certificate's
// single SPIFFE URI SAN becomes `peerPrincipal`. Certificates are made for the run with the openssl
// CLI; the test skips (and says why) when it is not installed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, request } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compilePolicies, parsePolicies, policyRequestFromHttp, type PolicyRequest } from '@tessera/core';
import { makeTestCerts, opensslAvailable } from './test-certs.js';

test(
  'mTLS: the verified SPIFFE ID is the peer principal; unverified or ambiguous ones are not',
  { skip: opensslAvailable ? false : 'openssl CLI not installed' },
  async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'tessera-mtls-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const certs = makeTestCerts(dir);
    const set = compilePolicies(
      parsePolicies(`
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: { name: webui-only, namespace: default }
spec:
  rules:
  - from: [{ source: { principals: ["cluster.local/ns/default/sa/webui"], namespaces: ["default"] } }]
    when: [{ key: connection.sni, values: ["localhost"] }]
`).documents,
    );
    const seen: PolicyRequest[] = [];
    // rejectUnauthorized: false so that a rogue certificate reaches the handler: the principal must
    // still not be taken from it.
    const server = createServer(
      { ...certs.server, ca: certs.ca, requestCert: true, rejectUnauthorized: false },
      (req, res) => {
        const request = policyRequestFromHttp(req);
        seen.push(request);
        res.statusCode = set.authorize(request).allowed ? 200 : 403;
        res.end();
      },
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    t.after(() => server.close());
    const port = (server.address() as AddressInfo).port;
    const call = (client: { key: Buffer; cert: Buffer } | undefined) =>
      new Promise<number>((resolve, reject) => {
        const r = request(
          {
            host: '127.0.0.1',
            servername: 'localhost',
            port,
            path: '/',
            ca: certs.ca,
            agent: false,
            ...(client ?? {}),
          },
          (res) => {
            res.resume();
            res.on('end', () => resolve(res.statusCode ?? 0));
          },
        );
        r.on('error', reject);
        r.end();
      });

    assert.equal(await call(certs.webui), 200);
    assert.equal(seen[0]!.peerPrincipal, 'cluster.local/ns/default/sa/webui');
    assert.equal(seen[0]!.peerNamespace, 'default');
    assert.equal(seen[0]!.sni, 'localhost');

    assert.equal(await call(certs.rogue), 403);
    assert.equal(
      seen[1]!.peerPrincipal,
      undefined,
      'a self-signed certificate claiming the same SPIFFE ID is not trusted',
    );

    assert.equal(await call(certs.two), 403);
    assert.equal(seen[2]!.peerPrincipal, undefined, 'two SPIFFE IDs: no principal');

    assert.equal(await call(undefined), 403);
    assert.equal(seen[3]!.peerPrincipal, undefined);
  },
);
