// `destination.ip` (the local address a connection arrived on) reaches the gateway's policy request
// as it reaches the middleware's (core's policyRequestFromHttp: the socket's local address): a
// condition on it matched in a service and never at the gateway before.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'undici';
import { startStack } from './internal/fixtures.js';

const allowTo = (ip: string) => `apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: { name: by-destination, namespace: default }
spec:
  action: ALLOW
  rules: [{ when: [{ key: destination.ip, values: ["${ip}"] }] }]
`;

test('a when condition on destination.ip is decided on the address the gateway was reached at', async () => {
  for (const [ip, status] of [
    ['127.0.0.1', 200],
    ['127.0.0.0/8', 200],
    ['10.0.0.1', 403],
  ] as const) {
    const s = await startStack({ 'ap.yaml': allowTo(ip) });
    try {
      const res = await request(`${s.url}/x`);
      await res.body.dump();
      assert.equal(res.statusCode, status, `destination.ip ${ip}`);
    } finally {
      await s.close();
    }
  }
});
