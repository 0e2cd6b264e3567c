// The token debugger's endpoint (issue "The web console"): POST /admin/tokens/inspect answers the
// verdict of core's verifier (what `tessera token verify` runs) against the live JWKS or pasted
// keys, and each check on its own: a tampered token fails its signature, a wrong audience its
// `aud`, an expired one its `exp`, a revoked one its revocation; a string that is no JWS fails its
// format. A viewer may use it (it changes nothing).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKey, signJwt } from '@tessera/core';
import { postForm, startService } from './helpers.js';

const CLIENT = { id: 'orders-client', secret: 'orders-client-secret-0123' };

interface Report {
  valid: boolean;
  error?: { code: string; message: string };
  payload?: Record<string, unknown>;
  times: Record<string, string>;
  keys: string;
  droppedKeys?: { kid?: string; reason: string }[];
  checks: { check: string; status: string; code?: string; message?: string }[];
}

async function setUp() {
  // The start of a TOTP step near the real time: the clock moves on from there in whole steps, and
  // what checks times against the real clock (openid-client, the browser) still agrees with it.
  let now = Math.floor(Date.now() / 30_000) * 30_000;
  const ts = await startService(
    { clients: [{ id: CLIENT.id, secret: CLIENT.secret, audiences: ['orders'] }] },
    { clock: () => now },
  );
  const token = async () => {
    const res = await postForm(`${ts.url}/token`, { grant_type: 'client_credentials' }, CLIENT);
    return res.body['access_token'] as string;
  };
  const inspect = async (body: Record<string, unknown>): Promise<Report> => {
    const res = await ts.admin('/admin/tokens/inspect', { method: 'POST', body: JSON.stringify(body) });
    assert.equal(res.status, 200);
    return (await res.json()) as Report;
  };
  return { ts, token, inspect, tick: (ms: number) => (now += ms), clock: () => now };
}

const statusOf = (report: Report) => Object.fromEntries(report.checks.map((c) => [c.check, c.status]));

test("a token of this service passes every check; a wrong audience fails aud with the verifier's reason", async () => {
  const s = await setUp();
  try {
    const token = await s.token();
    const good = await s.inspect({ token, audience: 'orders' });
    assert.equal(good.valid, true);
    assert.equal(good.keys, 'live');
    assert.deepEqual(statusOf(good), {
      format: 'passed',
      signature: 'passed',
      crit: 'passed',
      iss: 'passed',
      aud: 'passed',
      sub: 'skipped',
      typ: 'skipped',
      exp: 'passed',
      nbf: 'passed',
      revocation: 'passed',
    });
    assert.equal(good.times['exp'], new Date((good.payload!['exp'] as number) * 1000).toISOString());

    const wrong = await s.inspect({ token, audience: 'billing', typ: 'at+jwt' });
    assert.equal(wrong.valid, false);
    const aud = wrong.checks.find((c) => c.check === 'aud')!;
    assert.equal(aud.status, 'failed');
    assert.equal(wrong.error?.code, aud.code, 'the verdict is the aud check');
    assert.match(aud.message!, /billing|aud/);
    assert.equal(statusOf(wrong)['typ'], 'passed');
    assert.equal(statusOf(wrong)['signature'], 'passed');
  } finally {
    await s.ts.stop();
  }
});

test('a tampered token fails its signature (the claims are not checked); an expired one fails exp; a revoked one fails revocation; no JWS fails format', async () => {
  const s = await setUp();
  try {
    const token = await s.token();
    const [h, p, sig] = token.split('.');
    const claims = JSON.parse(Buffer.from(p!, 'base64url').toString()) as Record<string, unknown>;
    const forged = [h, Buffer.from(JSON.stringify({ ...claims, sub: 'admin' })).toString('base64url'), sig].join('.');
    const tampered = await s.inspect({ token: forged });
    assert.equal(tampered.valid, false);
    assert.equal(statusOf(tampered)['signature'], 'failed');
    assert.equal(statusOf(tampered)['iss'], 'skipped');
    assert.equal(tampered.error?.code, tampered.checks.find((c) => c.check === 'signature')!.code);

    s.tick(3_600_000);
    const expired = await s.inspect({ token });
    assert.equal(expired.valid, false);
    assert.deepEqual([statusOf(expired)['signature'], statusOf(expired)['exp']], ['passed', 'failed']);
    assert.equal(expired.error?.code, expired.checks.find((c) => c.check === 'exp')!.code);

    const fresh = await s.token();
    const revoked = await postForm(`${s.ts.url}/revoke`, { token: fresh }, CLIENT);
    assert.equal(revoked.status, 200);
    const report = await s.inspect({ token: fresh });
    assert.equal(report.valid, false);
    assert.equal(statusOf(report)['revocation'], 'failed');
    assert.equal(report.error?.code, 'REVOKED');

    const junk = await s.inspect({ token: 'not-a-token' });
    assert.equal(junk.valid, false);
    assert.deepEqual(statusOf(junk), { format: 'failed' });
  } finally {
    await s.ts.stop();
  }
});

test('pasted keys: a token of another issuer verifies against them, its issuer named', async () => {
  const s = await setUp();
  try {
    const key = generateKey('ES256', { kid: 'k-elsewhere' });
    const now = Math.floor(s.clock() / 1000);
    const token = signJwt({ iss: 'https://idp.example', sub: 'u-1', iat: now, exp: now + 300 }, key.signingKey, {
      typ: 'JWT',
    });
    const jwks = { keys: [key.publicJwk] };
    const live = await s.inspect({ token });
    assert.equal(statusOf(live)['signature'], 'failed', 'not a key of this service');
    const pasted = await s.inspect({ token, jwks, issuer: 'https://idp.example' });
    assert.equal(pasted.keys, 'pasted');
    assert.equal(pasted.valid, true, JSON.stringify(pasted.error));
    const wrongIssuer = await s.inspect({ token, jwks });
    assert.equal(statusOf(wrongIssuer)['iss'], 'failed');
    const unusable = await s.inspect({ token, jwks: { keys: [{ kty: 'nope', kid: 'broken' }] } });
    assert.equal(unusable.droppedKeys?.[0]?.kid, 'broken', 'the page says which key could not be used');
    assert.equal(statusOf(unusable)['signature'], 'failed');
    const bad = await s.ts.admin('/admin/tokens/inspect', {
      method: 'POST',
      body: JSON.stringify({ token, jwks: { notKeys: [] } }),
    });
    assert.equal(bad.status, 400);
  } finally {
    await s.ts.stop();
  }
});
