// Emergency key withdrawal (hardening issue): a stolen signing key could not be taken back — after
// rotating, retiring the old kid answered 409 and the key stayed published for about an hour, so
// tokens forged with it kept working. Withdrawal takes it out of the JWKS at once (rotating first
// when it is the active key), is audited, and is carried by the revocation feed (`withdrawnKeys`)
// and stream (`event: key-withdrawn`).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { decode, postForm, startService } from './helpers.js';

const READER = { id: 'gateway', secret: 'gateway-secret-0123456789' };
const SVC = { id: 'svc-a', secret: 'svc-a-secret-0123456789', introspect: true };
const CLIENTS = [
  { id: READER.id, secret: READER.secret, audiences: ['svc-b'], revocations: true },
  { id: SVC.id, secret: SVC.secret, audiences: ['svc-a', 'svc-b'], introspect: true },
];
const basic = `Basic ${Buffer.from(`${READER.id}:${READER.secret}`).toString('base64')}`;

interface Jwks {
  keys: { kid: string }[];
}

test('withdrawing the active key: out of the JWKS at once, a new key signs, its tokens are dead, the feed names it', async () => {
  const ts = await startService({ clients: CLIENTS, rateLimit: { enabled: false } });
  try {
    const token = (await postForm(`${ts.url}/token`, { grant_type: 'client_credentials', audience: 'svc-a' }, SVC))
      .body['access_token'] as string;
    const stolen = decode(token).header['kid'] as string;
    // Retiring the active key without a published successor is refused: that was the only way out before.
    assert.equal((await ts.admin(`/admin/keys/${stolen}/retire`, { method: 'POST' })).status, 409);

    const res = await ts.admin(`/admin/keys/${stolen}/withdraw`, {
      method: 'POST',
      body: JSON.stringify({ reason: 'private key found in a public repository' }),
    });
    assert.equal(res.status, 200);
    const result = (await res.json()) as {
      withdrawn: { kid: string; state: string; withdrawnAt: string };
      replacement: { kid: string; state: string };
    };
    assert.equal(result.withdrawn.kid, stolen);
    assert.equal(result.withdrawn.state, 'removed');
    assert.ok(Date.parse(result.withdrawn.withdrawnAt) > 0);
    assert.equal(result.replacement.state, 'active');

    const jwks = (await (await fetch(`${ts.url}/.well-known/jwks.json`)).json()) as Jwks;
    assert.ok(!jwks.keys.some((k) => k.kid === stolen), 'no longer published');
    assert.ok(jwks.keys.some((k) => k.kid === result.replacement.kid));

    const introspected = await postForm(`${ts.url}/introspect`, { token }, SVC);
    assert.deepEqual(introspected.body, { active: false }, 'its tokens no longer verify here');
    const fresh = (await postForm(`${ts.url}/token`, { grant_type: 'client_credentials', audience: 'svc-a' }, SVC))
      .body['access_token'] as string;
    assert.equal(decode(fresh).header['kid'], result.replacement.kid);

    const feed = (await (await fetch(`${ts.url}/revocations`, { headers: { authorization: basic } })).json()) as {
      withdrawnKeys: { kid: string; at: number }[];
    };
    assert.deepEqual(
      feed.withdrawnKeys.map((k) => k.kid),
      [stolen],
    );
    assert.equal(feed.withdrawnKeys[0]!.at, Math.floor(Date.parse(result.withdrawn.withdrawnAt) / 1000));

    const audit = (await (await ts.admin('/admin/audit')).json()) as {
      entries: { action: string; actor: string; target: string; details: Record<string, unknown> }[];
    };
    const entry = audit.entries.find((e) => e.action === 'key.withdrawn');
    assert.equal(entry?.actor, 'admin');
    assert.equal(entry?.target, stolen);
    assert.equal(entry?.details['note'], 'private key found in a public repository');

    assert.equal((await ts.admin(`/admin/keys/${stolen}/withdraw`, { method: 'POST' })).status, 409, 'only once');
    assert.equal((await ts.admin('/admin/keys/no-such-kid/withdraw', { method: 'POST' })).status, 404);
  } finally {
    await ts.stop();
  }
});

test('withdrawing a retired key removes it from the JWKS at once, and an open stream announces it', async () => {
  const ts = await startService({ clients: CLIENTS, rateLimit: { enabled: false } });
  try {
    const old = ts.service.keyRing.list().find((k) => k.state === 'active')!.kid;
    await ts.admin('/admin/keys/rotate', { method: 'POST', body: JSON.stringify({ immediate: true }) });
    const before = (await (await fetch(`${ts.url}/.well-known/jwks.json`)).json()) as Jwks;
    assert.ok(
      before.keys.some((k) => k.kid === old),
      'a retired key stays published for its tokens',
    );

    // A stream opened before the withdrawal gets the event live.
    let text = '';
    let opened = false;
    const received = new Promise<void>((resolve, reject) => {
      request(`${ts.url}/revocations/stream`, { headers: { authorization: basic } }, (res) => {
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          text += chunk;
          if (text.includes('event: cursor') && !opened) {
            opened = true;
            void ts.admin(`/admin/keys/${old}/withdraw`, { method: 'POST' });
          }
          if (text.includes('event: key-withdrawn')) {
            res.destroy();
            resolve();
          }
        });
      })
        .on('error', reject)
        .end();
    });
    await received;
    const frame = text.slice(text.indexOf('event: key-withdrawn')).split('\n\n')[0]!;
    const data = JSON.parse(
      frame
        .split('\n')
        .find((l) => l.startsWith('data:'))!
        .slice(5),
    ) as { kid: string };
    assert.equal(data.kid, old);
    const after = (await (await fetch(`${ts.url}/.well-known/jwks.json`)).json()) as Jwks;
    assert.ok(!after.keys.some((k) => k.kid === old));

    // A stream opened later gets it in its backlog, before the cursor.
    const later = await new Promise<string>((resolve, reject) => {
      let body = '';
      request(`${ts.url}/revocations/stream`, { headers: { authorization: basic } }, (res) => {
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          body += chunk;
          if (body.includes('event: cursor')) {
            res.destroy();
            resolve(body);
          }
        });
      })
        .on('error', reject)
        .end();
    });
    assert.ok(
      later.indexOf('event: key-withdrawn') >= 0 &&
        later.indexOf('event: key-withdrawn') < later.indexOf('event: cursor'),
    );
  } finally {
    await ts.stop();
  }
});
