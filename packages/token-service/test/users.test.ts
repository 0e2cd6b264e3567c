// People in the token service: users declared at the top level of the configuration, seeded into
// the user store with argon2id hashes, and the password grant reading that store (issue "People").
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isTesseraError } from '@tessera/core';
import { hashSecret, loadConfig } from '../src/index.js';
import { decode, postForm, startService } from './helpers.js';

const web = { id: 'web', secret: 'the-secret-of-the-web-client-0123' };
const login = (username: string, password: string) => ({ grant_type: 'password', username, password });

function storedUsers(dataDir: string): { userId: string; username: string; passwordHash?: string }[] {
  return (JSON.parse(readFileSync(join(dataDir, 'users.json'), 'utf8')) as { users: never[] }).users;
}

test('top-level users: a plain password is stored as argon2id, kept across restarts; the token names the user id, groups and roles', async () => {
  const config = {
    clients: [{ id: web.id, secret: web.secret, grantTypes: ['password'], audiences: ['api'] }],
    grants: { password: { enabled: true } },
    users: [
      {
        id: 'u-alice',
        username: 'alice',
        password: 'alice-password-123',
        name: 'Alice Liddell',
        email: 'alice@example.test',
        groups: ['staff'],
        roles: ['tessera:viewer'],
      },
    ],
  };
  const first = await startService(config);
  let hash: string | undefined;
  try {
    const [alice] = storedUsers(first.dataDir);
    assert.equal(alice?.userId, 'u-alice');
    assert.match(alice?.passwordHash ?? '', /^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    assert.ok(!readFileSync(join(first.dataDir, 'users.json'), 'utf8').includes('alice-password-123'));
    hash = alice?.passwordHash;
    const issued = await postForm(`${first.url}/token`, login('alice', 'alice-password-123'), web);
    assert.equal(issued.status, 200, JSON.stringify(issued.body));
    const { payload } = decode(issued.body['access_token'] as string);
    assert.equal(payload['sub'], 'u-alice');
    assert.deepEqual(payload['groups'], ['staff']);
    assert.deepEqual(payload['roles'], ['tessera:viewer']);
    assert.equal((await postForm(`${first.url}/token`, login('alice', 'wrong'), web)).status, 400);
  } finally {
    await first.stop({ keepData: true });
  }
  // A restart with the same file keeps the hash (no churn, no new audit record).
  const second = await startService(config, { dataDir: first.dataDir });
  try {
    assert.equal(storedUsers(second.dataDir)[0]?.passwordHash, hash);
  } finally {
    await second.stop();
  }
});

test('grants.password.users still works, with a warning; its scrypt hash is replaced by argon2id at the first login', async () => {
  const service = await startService({
    clients: [{ id: web.id, secret: web.secret, grantTypes: ['password'], audiences: ['api'] }],
    grants: {
      password: {
        enabled: true,
        users: [{ username: 'bob', passwordHash: await hashSecret('bob-password-123'), scopes: ['read'] }],
      },
    },
  });
  try {
    assert.match(storedUsers(service.dataDir)[0]?.passwordHash ?? '', /^scrypt\$/);
    const issued = await postForm(`${service.url}/token`, { ...login('bob', 'bob-password-123'), scope: 'read' }, web);
    assert.equal(issued.status, 200);
    assert.equal(
      decode(issued.body['access_token'] as string).payload['sub'],
      'bob',
      'its id is its username, as before',
    );
    for (let i = 0; i < 100 && !storedUsers(service.dataDir)[0]?.passwordHash?.startsWith('$argon2id$'); i++)
      await new Promise((r) => setTimeout(r, 20));
    assert.match(storedUsers(service.dataDir)[0]?.passwordHash ?? '', /^\$argon2id\$/);
    // The upgraded hash still takes the same password.
    assert.equal((await postForm(`${service.url}/token`, login('bob', 'bob-password-123'), web)).status, 200);
  } finally {
    await service.stop();
  }
});

test('a disabled user cannot log in, with the same answer as a wrong password', async () => {
  const service = await startService({
    clients: [{ id: web.id, secret: web.secret, grantTypes: ['password'], audiences: ['api'] }],
    grants: { password: { enabled: true } },
    users: [{ username: 'carol', password: 'carol-password-123', disabled: true }],
  });
  try {
    const refused = await postForm(`${service.url}/token`, login('carol', 'carol-password-123'), web);
    const unknown = await postForm(`${service.url}/token`, login('nobody', 'carol-password-123'), web);
    assert.equal(refused.status, 400);
    assert.deepEqual(refused.body, unknown.body);
  } finally {
    await service.stop();
  }
});

test('the configuration refuses a malformed password hash, both password and passwordHash, and names the field', () => {
  for (const [user, message] of [
    [
      { username: 'a', passwordHash: '$argon2id$v=19$m=19456,t=2,p=1$short' },
      /users\.0\.passwordHash: not a password hash/,
    ],
    [
      { username: 'a', passwordHash: '$argon2id$v=19$m=1024,t=1,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaA' },
      /below m=8192/,
    ],
    [
      {
        username: 'a',
        password: 'x',
        passwordHash: '$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaA',
      },
      /password or passwordHash, not both/,
    ],
  ] as const) {
    assert.throws(
      () => loadConfig({ object: { users: [user] } }),
      (e: unknown) =>
        isTesseraError(e) && e.code === 'ERR_TOKEN_SERVICE_CONFIG_INVALID' && message.test((e as Error).message),
    );
  }
});

test('applications people log in to: redirect URIs checked at load, a public client holds no secret and uses only code and refresh', () => {
  const client = (extra: Record<string, unknown>) => ({ clients: [{ id: 'webui', ...extra }] });
  const loaded = loadConfig({
    object: client({
      public: true,
      grantTypes: ['authorization_code', 'refresh_token'],
      redirectUris: ['http://localhost:3000/callback'],
      firstParty: true,
    }),
  });
  assert.equal(loaded.clients[0]?.public, true);
  for (const [extra, message] of [
    [
      { redirectUris: ['http://webui.example/cb'] },
      /clients\.0\.redirectUris\.0: http is allowed only to a loopback host/,
    ],
    [
      { public: true, secret: 'a-secret-of-sixteen-chars', grantTypes: ['authorization_code'] },
      /clients\.0\.public: a public client has no secret/,
    ],
    [
      { public: true, grantTypes: ['authorization_code', 'client_credentials'] },
      /clients\.0\.grantTypes: a public client may not use client_credentials/,
    ],
  ] as const)
    assert.throws(
      () => loadConfig({ object: client(extra) }),
      (e: unknown) => isTesseraError(e) && message.test((e as Error).message),
    );
});

test('users in the file: an id or a username given twice is refused at load, naming the entry', () => {
  assert.throws(
    () =>
      loadConfig({
        object: { users: [{ username: 'alice' }, { username: 'bob', id: 'alice' }, { username: 'bob' }] },
      }),
    (e: unknown) =>
      isTesseraError(e) &&
      /users\.1\.id: duplicate user id "alice"/.test(e.message) &&
      /users\.2\.username: duplicate username "bob"/.test(e.message),
  );
});
