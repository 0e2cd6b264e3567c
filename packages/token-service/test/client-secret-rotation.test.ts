// A client's secret rotated with an overlap (issue "The web console": the brief's "deploy new
// credentials, then revoke the old ones"): POST /admin/clients/:id/secrets makes a new secret that
// works at once while the old one works until the date chosen; then it is refused. An earlier
// secret can be removed at once, the current one cannot; the secrets survive a restart.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { postForm, startService } from './helpers.js';

test('a rotation with an overlap: both secrets work until the date, then only the new one; removal; a restart keeps them', async () => {
  // The start of a TOTP step near the real time: the clock moves on from there in whole steps, and
  // what checks times against the real clock (openid-client, the browser) still agrees with it.
  let now = Math.floor(Date.now() / 30_000) * 30_000;
  const clock = () => now;
  let ts = await startService({}, { clock });
  const dataDir = ts.dataDir;
  try {
    const created = (await (
      await ts.admin('/admin/clients', { method: 'POST', body: JSON.stringify({ id: 'svc', audiences: ['api'] }) })
    ).json()) as { client_secret: string };
    const first = created.client_secret;
    const token = (secret: string) =>
      postForm(`${ts.url}/token`, { grant_type: 'client_credentials' }, { id: 'svc', secret }).then((r) => r.status);
    assert.equal(await token(first), 200);

    const until = new Date(now + 3_600_000).toISOString();
    const rotated = await ts.admin('/admin/clients/svc/secrets', {
      method: 'POST',
      body: JSON.stringify({ oldSecretsNotAfter: until }),
    });
    assert.equal(rotated.status, 201);
    const body = (await rotated.json()) as {
      client_secret: string;
      secretId: string;
      secrets: { id: string; notAfter?: string }[];
    };
    const second = body.client_secret;
    assert.notEqual(second, first);
    assert.deepEqual(body.secrets, [{ id: body.secretId }, { id: 'primary', notAfter: until }]);
    assert.doesNotMatch(JSON.stringify(body), /scrypt|argon/, 'no hash is shown');
    assert.equal(await token(second), 200, 'the new secret works at once');
    assert.equal(await token(first), 200, 'the old one still works, until the date');

    now += 3_600_001;
    assert.equal(await token(first), 401, 'past the date the old secret is refused');
    assert.equal(await token(second), 200);

    // Again, then the earlier one removed at once; the current one cannot be.
    const third = (await (await ts.admin('/admin/clients/svc/secrets', { method: 'POST', body: '{}' })).json()) as {
      client_secret: string;
      secretId: string;
    };
    assert.equal(await token(second), 200, 'the default overlap is a day');
    const view = (await (await ts.admin('/admin/clients/svc')).json()) as { secrets: { id: string }[] };
    assert.equal(view.secrets.length, 2, 'the expired one is gone');
    const older = view.secrets[1]!.id;
    assert.equal((await ts.admin(`/admin/clients/svc/secrets/${third.secretId}`, { method: 'DELETE' })).status, 409);
    assert.equal((await ts.admin(`/admin/clients/svc/secrets/${older}`, { method: 'DELETE' })).status, 204);
    assert.equal(await token(second), 401, 'removed: refused at once');
    assert.equal(await token(third.client_secret), 200);

    const past = await ts.admin('/admin/clients/svc/secrets', {
      method: 'POST',
      body: JSON.stringify({ oldSecretsNotAfter: new Date(now - 1000).toISOString() }),
    });
    assert.equal(past.status, 400);
    const audit = JSON.stringify(await (await ts.admin('/admin/audit?action=client.secret')).json());
    assert.match(audit, /client\.secret\.removed[\s\S]*client\.secret\.rotated/);
    assert.ok(audit.includes(`"id":"${older}"`), 'the log names the secret by id');
    assert.match(audit, /"previousUntil":"\d{4}-/, 'and the overlap by its date');
    assert.ok(!audit.includes('[redacted]') && !audit.includes('scrypt'), audit);

    await ts.stop({ keepData: true });
    ts = await startService({}, { clock, dataDir });
    assert.equal(await token(third.client_secret), 200, 'after a restart');
  } finally {
    await ts.stop();
  }
});
