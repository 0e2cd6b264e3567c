// The one contract every storage back-end passes (issue 3, "Storage"). Each `run…Contract` takes a
// name and a factory; the back-end's test file calls them with its own factory (a temp directory,
// a unique PostgreSQL schema, a unique Redis key prefix), so file, postgres and redis are held to
// exactly the same behaviour.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import type { Clock, Jwk } from '@tessera/core';
import type {
  AuditStore,
  ClientStore,
  EventBus,
  KeyStore,
  ReplayStore,
  RevocationStore,
  StorageEvent,
  StoredClient,
  StoredUser,
  UserStore,
  StateKind,
  StateLink,
  StateRecord,
  StateStore,
  StoredKey,
} from '../../src/storage/index.js';

/** A clock the test moves by hand. */
export interface ManualClock {
  readonly clock: Clock;
  set(ms: number): void;
  advance(ms: number): void;
}

/** A clock starting at a fixed time (2023-11-14T22:13:20Z). */
export function manualClock(start = 1_700_000_000_000): ManualClock {
  let now = start;
  return {
    clock: () => now,
    set: (ms) => {
      now = ms;
    },
    advance: (ms) => {
      now += ms;
    },
  };
}

/** What a back-end's factory hands to a contract: the store and how to dispose of it. */
export interface Harness<T> {
  readonly store: T;
  close(): Promise<void>;
}

/** Extra powers of a key store harness. */
export interface KeyHarness extends Harness<KeyStore> {
  /** Everything the back-end holds at rest, as text (file bytes, table rows). */
  rawDump(this: void): Promise<string>;
  /** A second store on the same data (restart, or another replica), optionally with another KEK. */
  reopen(this: void, kek?: string): Promise<Harness<KeyStore>>;
  /** Another replica sharing the data, when the back-end supports several processes. */
  replica?(this: void): Promise<Harness<KeyStore>>;
}

/** Extra powers of an audit store harness. */
export interface AuditHarness extends Harness<AuditStore> {
  rawDump(this: void): Promise<string>;
}

/** Two buses on the same channel through different connections. */
export interface EventHarness {
  readonly a: EventBus;
  readonly b: EventBus;
  close(): Promise<void>;
}

/** Runs one test body on a fresh store from `factory` with a manual clock, and disposes of it. */
function storeRunner<T>(factory: (clock: ManualClock) => Promise<Harness<T>>) {
  return async (fn: (store: T, clock: ManualClock) => Promise<void>): Promise<void> => {
    const c = manualClock();
    const h = await factory(c);
    try {
      await fn(h.store, c);
    } finally {
      await h.close();
    }
  };
}

/** A fresh base64url 32-byte key-encryption key. */
export function newKek(): string {
  return randomBytes(32).toString('base64url');
}

function codeOf(code: string) {
  return (err: unknown) => {
    assert.equal((err as { code?: string }).code, code, `expected ${code}, got ${(err as Error).message}`);
    return true;
  };
}

let keyCounter = 0;
/** A real EC key pair as a stored key record. */
export function sampleKey(overrides: Partial<StoredKey> = {}): StoredKey {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const privateJwk = privateKey.export({ format: 'jwk' }) as Jwk;
  const { d: _d, ...publicJwk } = privateJwk;
  keyCounter += 1;
  return {
    kid: `kid-${keyCounter}-${randomBytes(4).toString('hex')}`,
    purpose: 'ring',
    alg: 'ES256',
    state: 'next',
    createdAt: 1_700_000_000_000 + keyCounter,
    publicJwk: publicJwk,
    privateJwk,
    ...overrides,
  };
}

function sampleClient(clientId: string, at = 1_700_000_000_000): StoredClient {
  return {
    clientId,
    secretHash: 'scrypt$abc$def',
    allowedAudiences: ['ledger'],
    allowedScopes: ['read', 'write'],
    enabled: true,
    createdAt: at,
    updatedAt: at,
  };
}

/** Waits until `predicate` holds, polling; fails after `ms` (a hang guard, not a timing assertion). */
export async function eventually(predicate: () => boolean, what: string, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!predicate()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** The KeyStore contract. */
export function runKeyStoreContract(name: string, factory: (clock: ManualClock) => Promise<KeyHarness>): void {
  const withStore = async (fn: (h: KeyHarness, c: ManualClock) => Promise<void>) => {
    const c = manualClock();
    const h = await factory(c);
    try {
      await fn(h, c);
    } finally {
      await h.close();
    }
  };

  test(`${name} keys: create, get, list by purpose and age, delete`, () =>
    withStore(async ({ store }) => {
      const a = sampleKey();
      const b = sampleKey({ purpose: 'named', state: 'active' });
      const c = sampleKey({ createdAt: 1 });
      assert.deepEqual(await store.create(a), a);
      await store.create(b);
      await store.create(c);
      assert.deepEqual(await store.get(a.kid), a);
      assert.equal(await store.get('missing'), undefined);
      assert.deepEqual(
        (await store.list()).map((k) => k.kid),
        [c.kid, a.kid, b.kid],
      );
      assert.deepEqual(
        (await store.list({ purpose: 'ring' })).map((k) => k.kid),
        [c.kid, a.kid],
      );
      assert.deepEqual(
        (await store.list({ purpose: 'named' })).map((k) => k.kid),
        [b.kid],
      );
      const got = await store.get(a.kid);
      assert.deepEqual(got?.privateJwk, a.privateJwk, 'private JWK comes back decrypted');
      assert.equal(await store.delete(a.kid), true);
      assert.equal(await store.delete(a.kid), false);
      assert.equal(await store.get(a.kid), undefined);
    }));

  test(`${name} keys: create of an existing kid is ERR_STORE_CONFLICT (across purposes), put replaces`, () =>
    withStore(async ({ store }) => {
      const a = sampleKey();
      await store.create(a);
      await assert.rejects(store.create({ ...a, purpose: 'named' }), codeOf('ERR_STORE_CONFLICT'));
      const replaced = { ...a, state: 'active' as const, activatedAt: 5 };
      await store.put(replaced);
      assert.deepEqual(await store.get(a.kid), replaced);
    }));

  test(`${name} keys: updateState is a compare-and-set`, () =>
    withStore(async ({ store }) => {
      const a = sampleKey();
      await store.create(a);
      const active = await store.updateState(a.kid, 'next', { state: 'active', activatedAt: 10 });
      assert.equal(active.state, 'active');
      assert.equal(active.activatedAt, 10);
      await assert.rejects(store.updateState(a.kid, 'next', { state: 'active' }), (err: unknown) => {
        codeOf('ERR_STORE_CONFLICT')(err);
        assert.equal((err as { details?: { actual?: string } }).details?.actual, 'active');
        return true;
      });
      await assert.rejects(store.updateState('nope', 'next', { state: 'active' }), codeOf('ERR_STORE_NOT_FOUND'));
      await store.updateState(a.kid, 'active', { state: 'retired', retiredAt: 20, removeAfter: 30 });
      const removed = await store.updateState(a.kid, 'retired', { state: 'removed', dropPrivateKey: true });
      assert.equal(removed.privateJwk, undefined);
      assert.equal(removed.removeAfter, 30);
      assert.equal((await store.get(a.kid))?.privateJwk, undefined);
      assert.equal((await store.get(a.kid))?.state, 'removed');
    }));

  test(`${name} keys: of two concurrent rotations exactly one wins`, () =>
    withStore(async ({ store, replica: twin }) => {
      const a = sampleKey();
      await store.create(a);
      const replica = twin === undefined ? { store, close: () => Promise.resolve() } : await twin();
      try {
        const results = await Promise.allSettled([
          store.updateState(a.kid, 'next', { state: 'active', activatedAt: 1 }),
          replica.store.updateState(a.kid, 'next', { state: 'active', activatedAt: 2 }),
          store.updateState(a.kid, 'next', { state: 'active', activatedAt: 3 }),
        ]);
        assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
        for (const r of results) if (r.status === 'rejected') codeOf('ERR_STORE_CONFLICT')(r.reason);
      } finally {
        await replica.close();
      }
    }));

  test(`${name} keys: bad input is ERR_STORE_INPUT_INVALID and changes nothing`, () =>
    withStore(async ({ store }) => {
      const a = sampleKey();
      await assert.rejects(store.create({ ...a, kid: '' }), codeOf('ERR_STORE_INPUT_INVALID'));
      await assert.rejects(store.create({ ...a, publicJwk: a.privateJwk! }), codeOf('ERR_STORE_INPUT_INVALID'));
      await assert.rejects(store.create({ ...a, state: 'bogus' as never }), codeOf('ERR_STORE_INPUT_INVALID'));
      await assert.rejects(store.create({ ...a, createdAt: Number.NaN }), codeOf('ERR_STORE_INPUT_INVALID'));
      await assert.rejects(
        store.updateState(a.kid, 'next', { state: 'gone' as never }),
        codeOf('ERR_STORE_INPUT_INVALID'),
      );
      assert.deepEqual(await store.list(), []);
    }));

  test(`${name} keys: private keys are encrypted at rest`, () =>
    withStore(async ({ store, rawDump }) => {
      const a = sampleKey();
      await store.create(a);
      const dump = await rawDump();
      assert.ok(dump.includes(a.publicJwk.x!), 'the dump holds the record (public x)');
      assert.ok(!dump.includes(a.privateJwk!.d!), 'the private scalar d is not stored in clear');
    }));

  test(`${name} keys: a restart keeps everything; a wrong KEK is ERR_STORE_KEK_INVALID`, () =>
    withStore(async ({ store, reopen }) => {
      const a = sampleKey();
      await store.create(a);
      const again = await reopen();
      try {
        assert.deepEqual(await again.store.get(a.kid), a);
      } finally {
        await again.close();
      }
      await assert.rejects(async () => {
        const wrong = await reopen(newKek());
        try {
          await wrong.store.list();
        } finally {
          await wrong.close();
        }
      }, codeOf('ERR_STORE_KEK_INVALID'));
    }));
}

/** The ClientStore contract. */
export function runClientStoreContract(
  name: string,
  factory: (clock: ManualClock) => Promise<Harness<ClientStore>>,
): void {
  const withStore = storeRunner(factory);

  test(`${name} clients: create, get, list, delete, extra members round-trip`, () =>
    withStore(async (store) => {
      const b = {
        ...sampleClient('b'),
        grantTypes: ['client_credentials'],
        source: 'config',
        jwks: { keys: [sampleKey().publicJwk] },
      };
      await store.create(b);
      await store.create(sampleClient('a'));
      assert.deepEqual(await store.get('b'), b);
      assert.equal(await store.get('zzz'), undefined);
      assert.deepEqual(
        (await store.list()).map((c) => c.clientId),
        ['a', 'b'],
      );
      await assert.rejects(store.create(sampleClient('a')), codeOf('ERR_STORE_CONFLICT'));
      assert.equal(await store.delete('a'), true);
      assert.equal(await store.delete('a'), false);
      assert.deepEqual(
        (await store.list()).map((c) => c.clientId),
        ['b'],
      );
      await store.put({ ...b, enabled: false });
      assert.equal((await store.get('b'))?.enabled, false);
    }));

  test(`${name} clients: the introspect and revocations permissions round-trip and update`, () =>
    withStore(async (store) => {
      await store.create({ ...sampleClient('a'), introspect: true, revocations: false });
      assert.equal((await store.get('a'))?.introspect, true);
      assert.equal((await store.get('a'))?.revocations, false);
      await store.update('a', { introspect: false, revocations: true });
      const got = await store.get('a');
      assert.equal(got?.introspect, false);
      assert.equal(got?.revocations, true);
      await store.create(sampleClient('b'));
      assert.equal('introspect' in (await store.get('b'))!, false, 'absent stays absent (read as false)');
    }));

  test(`${name} clients: update merges, removes undefined members, stamps updatedAt, checks expectedUpdatedAt`, () =>
    withStore(async (store, c) => {
      const created = await store.create({ ...sampleClient('a'), tokenLifetimeSeconds: 60 });
      c.advance(1000);
      const updated = await store.update(
        'a',
        { enabled: false, tokenLifetimeSeconds: undefined },
        { expectedUpdatedAt: created.updatedAt },
      );
      assert.equal(updated.enabled, false);
      assert.equal('tokenLifetimeSeconds' in updated, false);
      assert.equal(updated.updatedAt, c.clock());
      assert.equal(updated.createdAt, created.createdAt);
      assert.deepEqual(await store.get('a'), updated);
      await assert.rejects(
        store.update('a', { enabled: true }, { expectedUpdatedAt: created.updatedAt }),
        codeOf('ERR_STORE_CONFLICT'),
      );
      await assert.rejects(store.update('missing', { enabled: true }), codeOf('ERR_STORE_NOT_FOUND'));
      await assert.rejects(store.update('a', { clientId: 'b' }), codeOf('ERR_STORE_INPUT_INVALID'));
      await assert.rejects(store.update('a', { allowedScopes: 'read' as never }), codeOf('ERR_STORE_INPUT_INVALID'));
      assert.deepEqual(await store.get('a'), updated, 'refused updates change nothing');
    }));

  test(`${name} clients: concurrent updates of different members lose nothing`, () =>
    withStore(async (store) => {
      await store.create(sampleClient('a'));
      await Promise.all(Array.from({ length: 10 }, (_, i) => store.update('a', { [`extra${i}`]: i })));
      const got = await store.get('a');
      for (let i = 0; i < 10; i += 1) assert.equal(got?.[`extra${i}`], i);
    }));

  test(`${name} clients: invalid records are ERR_STORE_INPUT_INVALID`, () =>
    withStore(async (store) => {
      await assert.rejects(
        store.create({ ...sampleClient('a'), enabled: 'yes' as never }),
        codeOf('ERR_STORE_INPUT_INVALID'),
      );
      await assert.rejects(store.create({ ...sampleClient('a'), clientId: 'a\nb' }), codeOf('ERR_STORE_INPUT_INVALID'));
      await assert.rejects(
        store.create({ ...sampleClient('a'), introspect: 'yes' as never }),
        codeOf('ERR_STORE_INPUT_INVALID'),
      );
      await assert.rejects(
        store.create({ ...sampleClient('a'), revocations: 1 as never }),
        codeOf('ERR_STORE_INPUT_INVALID'),
      );
      await assert.rejects(store.create({ ...sampleClient('a'), extra: () => 1 }), codeOf('ERR_STORE_INPUT_INVALID'));
      await assert.rejects(
        store.create({ ...sampleClient('a'), extra: Number.POSITIVE_INFINITY }),
        codeOf('ERR_STORE_INPUT_INVALID'),
      );
      await assert.rejects(
        store.create(
          JSON.parse(
            '{"clientId":"a","allowedAudiences":[],"allowedScopes":[],"enabled":true,"createdAt":1,"updatedAt":1,"x":{"__proto__":{"admin":true}}}',
          ) as StoredClient,
        ),
        codeOf('ERR_STORE_INPUT_INVALID'),
      );
      assert.deepEqual(await store.list(), []);
    }));
}

/** A user record for the contract tests. */
export function sampleUser(userId: string, username = userId): StoredUser {
  return {
    userId,
    username,
    email: `${username}@example.test`,
    profile: { name: username.toUpperCase(), nickname: username },
    groups: ['staff'],
    roles: ['tessera:viewer'],
    passwordHash: '$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0c2FsdA$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g',
    disabled: false,
    createdAt: 1_700_000_000_000,
    updatedAt: 1_700_000_000_000,
  };
}

/** The UserStore contract: clients' rules plus unique usernames. */
export function runUserStoreContract(name: string, factory: (clock: ManualClock) => Promise<Harness<UserStore>>): void {
  const withStore = storeRunner(factory);

  test(`${name} users: create, get, findByUsername, list, put, delete; extra members round-trip`, () =>
    withStore(async (store) => {
      const bob = { ...sampleUser('u-b', 'bob'), factors: { totp: false } };
      await store.create(bob);
      await store.create(sampleUser('u-a', 'alice'));
      assert.deepEqual(await store.get('u-b'), bob);
      assert.deepEqual(await store.findByUsername('bob'), bob);
      assert.equal(await store.findByUsername('Bob'), undefined, 'usernames match exactly');
      assert.equal(await store.get('nobody'), undefined);
      assert.deepEqual(
        (await store.list()).map((u) => u.userId),
        ['u-a', 'u-b'],
      );
      await store.put({ ...bob, disabled: true });
      assert.equal((await store.get('u-b'))?.disabled, true);
      assert.equal(await store.delete('u-a'), true);
      assert.equal(await store.delete('u-a'), false);
      assert.equal(await store.findByUsername('alice'), undefined);
    }));

  test(`${name} users: an id or a username is never given twice, by create, put or update`, () =>
    withStore(async (store) => {
      await store.create(sampleUser('u-a', 'alice'));
      await store.create(sampleUser('u-b', 'bob'));
      await assert.rejects(store.create(sampleUser('u-a', 'carol')), codeOf('ERR_STORE_CONFLICT'));
      await assert.rejects(store.create(sampleUser('u-c', 'alice')), codeOf('ERR_STORE_CONFLICT'));
      await assert.rejects(store.put(sampleUser('u-c', 'bob')), codeOf('ERR_STORE_CONFLICT'));
      await assert.rejects(store.update('u-b', { username: 'alice' }), codeOf('ERR_STORE_CONFLICT'));
      assert.equal((await store.get('u-b'))?.username, 'bob', 'a refused rename changes nothing');
      // Two creations of one name at once: exactly one wins.
      const raced = await Promise.allSettled([
        store.create(sampleUser('u-d', 'dave')),
        store.create(sampleUser('u-e', 'dave')),
      ]);
      assert.equal(raced.filter((r) => r.status === 'fulfilled').length, 1);
      const renamed = await store.update('u-b', { username: 'robert' });
      assert.equal(renamed.username, 'robert');
      assert.deepEqual(await store.findByUsername('robert'), renamed);
      assert.equal(await store.findByUsername('bob'), undefined, 'the old name is free again');
      await store.create(sampleUser('u-f', 'bob'));
    }));

  test(`${name} users: update merges, removes undefined members, stamps updatedAt, checks expectedUpdatedAt`, () =>
    withStore(async (store, c) => {
      const created = await store.create(sampleUser('u-a', 'alice'));
      c.advance(1000);
      const updated = await store.update(
        'u-a',
        { disabled: true, email: undefined, roles: ['tessera:admin'] },
        { expectedUpdatedAt: created.updatedAt },
      );
      assert.equal(updated.disabled, true);
      assert.equal('email' in updated, false);
      assert.deepEqual(updated.roles, ['tessera:admin']);
      assert.equal(updated.updatedAt, c.clock());
      assert.equal(updated.createdAt, created.createdAt);
      assert.deepEqual(await store.get('u-a'), updated);
      await assert.rejects(
        store.update('u-a', { disabled: false }, { expectedUpdatedAt: created.updatedAt }),
        codeOf('ERR_STORE_CONFLICT'),
      );
      await assert.rejects(store.update('missing', { disabled: false }), codeOf('ERR_STORE_NOT_FOUND'));
      await assert.rejects(store.update('u-a', { userId: 'u-b' }), codeOf('ERR_STORE_INPUT_INVALID'));
      assert.deepEqual(await store.get('u-a'), updated, 'refused updates change nothing');
    }));

  test(`${name} users: invalid records are ERR_STORE_INPUT_INVALID and nothing is stored`, () =>
    withStore(async (store) => {
      for (const bad of [
        { ...sampleUser('u-a'), username: '' },
        { ...sampleUser('u-a'), disabled: 'no' },
        { ...sampleUser('u-a'), groups: 'staff' },
        { ...sampleUser('u-a'), profile: [] },
        { ...sampleUser('u-a'), emailVerified: 1 },
        { ...sampleUser('u-a'), userId: 'a\nb' },
        { ...sampleUser('u-a'), passwordHash: '' },
      ])
        await assert.rejects(store.create(bad as never), codeOf('ERR_STORE_INPUT_INVALID'));
      assert.deepEqual(await store.list(), []);
    }));
}

/** A state record for the contract tests, live for a minute from `now`. */
function sampleState(kind: StateKind, key: string, now: number, extra: Partial<StateRecord> = {}): StateRecord {
  return { kind, key, data: { clientId: 'webui', scope: ['openid'], n: 1 }, expiresAt: now + 60_000, ...extra };
}

/** The StateStore contract: put/get/delete, use once, links, expiry by the clock. */
export function runStateStoreContract(
  name: string,
  factory: (clock: ManualClock) => Promise<Harness<StateStore>>,
): void {
  const withStore = storeRunner(factory);

  test(`${name} state: put, get, replace, delete; kinds are separate; data round-trips`, () =>
    withStore(async (store, c) => {
      const session = sampleState('session', 's-1', c.clock(), { userId: 'u-1' });
      await store.put(session);
      await store.put(sampleState('code', 's-1', c.clock()));
      assert.deepEqual(await store.get('session', 's-1'), session);
      assert.equal((await store.get('code', 's-1'))?.kind, 'code');
      assert.equal(await store.get('consent', 's-1'), undefined);
      await store.put({ ...session, data: { replaced: true } });
      assert.deepEqual((await store.get('session', 's-1'))?.data, { replaced: true });
      assert.equal(await store.delete('session', 's-1'), true);
      assert.equal(await store.delete('session', 's-1'), false);
      assert.equal(await store.get('session', 's-1'), undefined);
      assert.ok(await store.get('code', 's-1'));
    }));

  test(`${name} state: use is once — of 20 concurrent uses exactly one is first; later ones see usedAt`, () =>
    withStore(async (store, c) => {
      await store.put(sampleState('code', 'c-1', c.clock()));
      const uses = await Promise.all(Array.from({ length: 20 }, () => store.use('code', 'c-1')));
      assert.equal(uses.filter((u) => u?.first === true).length, 1);
      assert.ok(uses.every((u) => u?.record.usedAt !== undefined));
      c.advance(1000);
      const again = await store.use('code', 'c-1');
      assert.equal(again?.first, false);
      assert.equal((await store.get('code', 'c-1'))?.usedAt, uses.find((u) => u?.first)?.record.usedAt);
      assert.equal(await store.use('code', 'missing'), undefined);
      // Replacing a record starts it unused again.
      await store.put(sampleState('code', 'c-1', c.clock()));
      assert.equal((await store.use('code', 'c-1'))?.first, true);
    }));

  test(`${name} state: find and deleteLinked by user, session and family; every given link must match`, () =>
    withStore(async (store, c) => {
      const now = c.clock();
      await store.put(sampleState('refresh', 'r-1', now, { userId: 'u-1', sid: 's-1', familyId: 'f-1' }));
      await store.put(sampleState('refresh', 'r-2', now, { userId: 'u-1', sid: 's-1', familyId: 'f-2' }));
      await store.put(sampleState('refresh', 'r-3', now, { userId: 'u-1', sid: 's-2', familyId: 'f-3' }));
      await store.put(sampleState('refresh', 'r-4', now, { userId: 'u-2', sid: 's-3', familyId: 'f-4' }));
      await store.put(sampleState('session', 's-1', now, { userId: 'u-1' }));
      const keys = async (link: StateLink) => (await store.find('refresh', link)).map((r) => r.key);
      assert.deepEqual(await keys({ userId: 'u-1' }), ['r-1', 'r-2', 'r-3']);
      assert.deepEqual(await keys({ sid: 's-1' }), ['r-1', 'r-2']);
      assert.deepEqual(await keys({ userId: 'u-1', familyId: 'f-2' }), ['r-2']);
      assert.deepEqual(await keys({ userId: 'u-2', sid: 's-1' }), []);
      assert.equal(await store.deleteLinked('refresh', { sid: 's-1' }), 2);
      assert.deepEqual(await keys({ userId: 'u-1' }), ['r-3']);
      assert.equal(await store.deleteLinked('refresh', { familyId: 'nothing' }), 0);
      assert.deepEqual(
        (await store.find('session', { userId: 'u-1' })).map((r) => r.key),
        ['s-1'],
        'other kinds untouched',
      );
      await assert.rejects(store.find('refresh', {}), codeOf('ERR_STORE_INPUT_INVALID'));
    }));

  test(`${name} state: expiry by the clock hides a record from get, use, find and delete; purgeExpired drops it`, () =>
    withStore(async (store, c) => {
      const now = c.clock();
      await store.put(sampleState('consent', 'u-1:webui', now, { userId: 'u-1', expiresAt: now + 1000 }));
      await store.put(sampleState('consent', 'u-1:other', now, { userId: 'u-1', expiresAt: now + 120_000 }));
      c.advance(1000);
      assert.equal(await store.get('consent', 'u-1:webui'), undefined);
      assert.equal(await store.use('consent', 'u-1:webui'), undefined);
      assert.deepEqual(
        (await store.find('consent', { userId: 'u-1' })).map((r) => r.key),
        ['u-1:other'],
      );
      assert.equal(await store.delete('consent', 'u-1:webui'), false);
      await store.purgeExpired();
      assert.ok(await store.get('consent', 'u-1:other'));
    }));

  test(`${name} state: invalid records and keys are ERR_STORE_INPUT_INVALID and nothing is stored`, () =>
    withStore(async (store, c) => {
      const now = c.clock();
      for (const bad of [
        { ...sampleState('session', 's', now), kind: 'cookie' },
        { ...sampleState('session', 's', now), data: [] },
        { ...sampleState('session', 's', now), expiresAt: 'soon' },
        { ...sampleState('session', 's', now), userId: '' },
        { ...sampleState('session', 'a\nb', now) },
        { ...sampleState('session', 's', now), data: { f: () => 1 } },
      ])
        await assert.rejects(store.put(bad as never), codeOf('ERR_STORE_INPUT_INVALID'));
      await assert.rejects(store.get('cookie' as never, 's'), codeOf('ERR_STORE_INPUT_INVALID'));
      assert.equal(await store.get('session', 's'), undefined);
    }));
}

/** The RevocationStore contract. */
export function runRevocationStoreContract(
  name: string,
  factory: (clock: ManualClock) => Promise<Harness<RevocationStore>>,
): void {
  const withStore = storeRunner(factory);

  test(`${name} revocations: revoke, isRevoked, once only, expiry by the clock`, () =>
    withStore(async (store, c) => {
      const now = c.clock();
      assert.equal(await store.isRevoked('j1'), false);
      assert.equal(await store.revoke('j1', now + 60_000, { clientId: 'billing' }), true);
      assert.equal(await store.revoke('j1', now + 60_000), false);
      assert.equal(await store.isRevoked('j1'), true);
      assert.equal(await store.revoke('old', now - 1), false, 'an expired token is not recorded');
      assert.equal(await store.isRevoked('old'), false);
      c.advance(60_000);
      assert.equal(await store.isRevoked('j1'), false, 'gone once exp has passed');
      assert.deepEqual((await store.listSince('')).items, []);
    }));

  test(`${name} revocations: listSince pages in revocation order and never repeats`, () =>
    withStore(async (store, c) => {
      const now = c.clock();
      const first = await store.listSince();
      assert.deepEqual(first.items, []);
      for (let i = 0; i < 5; i += 1) {
        await store.revoke(`j${i}`, now + 100_000 + i, i === 0 ? { clientId: 'billing' } : undefined);
        c.advance(1);
      }
      const p1 = await store.listSince(first.cursor, 2);
      assert.deepEqual(
        p1.items.map((i) => i.jti),
        ['j0', 'j1'],
      );
      assert.deepEqual(p1.items[0], { jti: 'j0', exp: now + 100_000, revokedAt: now, clientId: 'billing' });
      const p2 = await store.listSince(p1.cursor, 2);
      assert.deepEqual(
        p2.items.map((i) => i.jti),
        ['j2', 'j3'],
      );
      const p3 = await store.listSince(p2.cursor);
      assert.deepEqual(
        p3.items.map((i) => i.jti),
        ['j4'],
      );
      const p4 = await store.listSince(p3.cursor);
      assert.deepEqual(p4, { items: [], cursor: p3.cursor });
      await store.revoke('j5', now + 100_000);
      assert.deepEqual(
        (await store.listSince(p3.cursor)).items.map((i) => i.jti),
        ['j5'],
      );
      await assert.rejects(store.listSince('not-a-cursor'), codeOf('ERR_STORE_INPUT_INVALID'));
      await assert.rejects(store.listSince('', 0), codeOf('ERR_STORE_INPUT_INVALID'));
    }));

  test(`${name} revocations: concurrent revocations are all listed, each once, in cursor order`, () =>
    withStore(async (store, c) => {
      const now = c.clock();
      const results = await Promise.all(Array.from({ length: 20 }, (_, i) => store.revoke(`c${i}`, now + 50_000)));
      assert.ok(results.every((r) => r));
      const seen: string[] = [];
      let cursor = '';
      for (let guard = 0; guard < 30; guard += 1) {
        const page = await store.listSince(cursor, 3);
        if (page.items.length === 0) break;
        seen.push(...page.items.map((i) => i.jti));
        cursor = page.cursor;
      }
      assert.equal(seen.length, 20);
      assert.equal(new Set(seen).size, 20);
    }));

  test(`${name} revocations: purgeExpired drops what the clock says is over`, () =>
    withStore(async (store, c) => {
      const now = c.clock();
      await store.revoke('short', now + 1000);
      await store.revoke('long', now + 1_000_000);
      c.advance(2000);
      const purged = await store.purgeExpired();
      assert.ok(purged <= 1, `purged ${purged}`);
      assert.equal(await store.isRevoked('short'), false);
      assert.equal(await store.isRevoked('long'), true);
      assert.deepEqual(
        (await store.listSince()).items.map((i) => i.jti),
        ['long'],
      );
    }));

  const jtis = (links: readonly { jti: string }[]) => links.map((l) => l.jti).sort();

  test(`${name} token families: linkChild, listChildren, one parent per child, expiry by the child's exp`, () =>
    withStore(async (store, c) => {
      const now = c.clock();
      assert.deepEqual(await store.listChildren('a'), []);
      await store.linkChild('a', 'b1', now + 10_000);
      await store.linkChild('a', 'b2', now + 60_000);
      await store.linkChild('b1', 'c1', now + 5_000);
      await store.linkChild('a', 'old', now - 1);
      assert.deepEqual(jtis(await store.listChildren('a')), ['b1', 'b2'], 'an already expired child is not linked');
      assert.deepEqual(await store.listChildren('b1'), [{ jti: 'c1', exp: now + 5_000 }]);
      assert.deepEqual(await store.listChildren('c1'), [], 'links point one way: a child does not list its parent');
      assert.equal((await store.listChildren('a', 1)).length, 1, 'limit');
      // A child has one parent: linking it again (a retry) changes nothing.
      await store.linkChild('a', 'b1', now + 10_000);
      await store.linkChild('other', 'b1', now + 10_000);
      assert.deepEqual(jtis(await store.listChildren('a')), ['b1', 'b2']);
      assert.deepEqual(await store.listChildren('other'), []);
      assert.equal(await store.isRevoked('b1'), false, 'a link is not a revocation');
      assert.deepEqual((await store.listSince()).items, [], 'links never appear in the revocation feed');

      c.advance(10_000);
      assert.deepEqual(jtis(await store.listChildren('a')), ['b2'], 'a link goes with its child exp');
      assert.deepEqual(await store.listChildren('b1'), []);
      await store.purgeExpired();
      assert.deepEqual(jtis(await store.listChildren('a')), ['b2']);
      c.advance(50_000);
      assert.deepEqual(await store.listChildren('a'), []);
    }));

  test(`${name} token families: concurrent links are all kept; bad input is ERR_STORE_INPUT_INVALID`, () =>
    withStore(async (store, c) => {
      const now = c.clock();
      await Promise.all(Array.from({ length: 20 }, (_, i) => store.linkChild('p', `k${i}`, now + 30_000 + i)));
      assert.equal((await store.listChildren('p')).length, 20);
      await assert.rejects(store.linkChild('', 'x', now + 1000), codeOf('ERR_STORE_INPUT_INVALID'));
      await assert.rejects(store.linkChild('p', '', now + 1000), codeOf('ERR_STORE_INPUT_INVALID'));
      await assert.rejects(store.linkChild('p', 'x', 1.5), codeOf('ERR_STORE_INPUT_INVALID'));
      await assert.rejects(store.listChildren(''), codeOf('ERR_STORE_INPUT_INVALID'));
      await assert.rejects(store.listChildren('p', 0), codeOf('ERR_STORE_INPUT_INVALID'));
    }));
}

/** The ReplayStore contract. */
export function runReplayStoreContract(
  name: string,
  factory: (clock: ManualClock) => Promise<Harness<ReplayStore>>,
): void {
  const withStore = storeRunner(factory);

  test(`${name} replay: first use true, then false; keys are independent`, () =>
    withStore(async (store, c) => {
      const exp = c.clock() + 60_000;
      assert.equal(await store.markUsed('a', exp), true);
      assert.equal(await store.markUsed('a', exp), false);
      assert.equal(await store.markUsed('b', exp), true);
      assert.equal(await store.markUsed('stale', c.clock() - 1), false, 'an expired id is refused (fail closed)');
      await assert.rejects(store.markUsed('', exp), codeOf('ERR_STORE_INPUT_INVALID'));
    }));

  test(`${name} replay: 20 parallel markUsed of one key, exactly one true`, () =>
    withStore(async (store, c) => {
      const exp = c.clock() + 60_000;
      const results = await Promise.all(Array.from({ length: 20 }, () => store.markUsed('race', exp)));
      assert.equal(results.filter((r) => r).length, 1);
    }));
}

/** The AuditStore contract. */
export function runAuditStoreContract(name: string, factory: (clock: ManualClock) => Promise<AuditHarness>): void {
  const withStore = async (fn: (h: AuditHarness, c: ManualClock) => Promise<void>) => {
    const c = manualClock();
    const h = await factory(c);
    try {
      await fn(h, c);
    } finally {
      await h.close();
    }
  };

  test(`${name} audit: append order, since, limit, desc`, () =>
    withStore(async ({ store }, c) => {
      const t0 = c.clock();
      const first = await store.append({ actor: 'admin', action: 'client.created', target: 'a', details: { n: 1 } });
      assert.equal(first.at, t0);
      c.advance(10);
      await store.append({ actor: 'admin', action: 'client.updated', target: 'a' });
      await store.append({ at: t0 + 20, actor: 'system', action: 'key.rotated' });
      const all = await store.list();
      assert.deepEqual(
        all.map((e) => e.action),
        ['client.created', 'client.updated', 'key.rotated'],
      );
      assert.ok(all[0]!.seq < all[1]!.seq && all[1]!.seq < all[2]!.seq);
      assert.deepEqual(all[0], {
        seq: first.seq,
        at: t0,
        actor: 'admin',
        action: 'client.created',
        target: 'a',
        details: { n: 1 },
      });
      assert.deepEqual(
        (await store.list({ since: t0 + 10 })).map((e) => e.action),
        ['client.updated', 'key.rotated'],
      );
      assert.deepEqual(
        (await store.list({ limit: 2, order: 'desc' })).map((e) => e.action),
        ['key.rotated', 'client.updated'],
      );
      assert.deepEqual(
        (await store.list({ limit: 1 })).map((e) => e.action),
        ['client.created'],
      );
      await assert.rejects(store.list({ limit: 0 }), codeOf('ERR_STORE_INPUT_INVALID'));
      await assert.rejects(store.append({ actor: '', action: 'x' }), codeOf('ERR_STORE_INPUT_INVALID'));
    }));

  test(`${name} audit: pages by seq (afterSeq, beforeSeq), filtered by actor and action prefix`, () =>
    withStore(async ({ store }) => {
      for (let i = 0; i < 7; i++)
        await store.append({ actor: i % 2 === 0 ? 'admin' : 'u-1', action: i < 4 ? `key.step${i}` : `client_${i}%` });
      const all = await store.list({ order: 'desc', limit: 1000 });
      assert.equal(all.length, 7);
      const first = await store.list({ order: 'desc', limit: 3 });
      const second = await store.list({ order: 'desc', limit: 3, beforeSeq: first.at(-1)!.seq });
      const third = await store.list({ order: 'desc', limit: 3, beforeSeq: second.at(-1)!.seq });
      assert.deepEqual(
        [...first, ...second, ...third].map((e) => e.seq),
        all.map((e) => e.seq),
      );
      const asc = await store.list({ limit: 4, afterSeq: all.at(-1)!.seq });
      assert.deepEqual(
        asc.map((e) => e.seq),
        all
          .slice(0, -1)
          .reverse()
          .slice(0, 4)
          .map((e) => e.seq),
      );
      assert.deepEqual(
        (await store.list({ actor: 'u-1', order: 'desc' })).map((e) => e.action),
        ['client_5%', 'key.step3', 'key.step1'],
      );
      assert.deepEqual(
        (await store.list({ actionPrefix: 'key.' })).map((e) => e.action),
        ['key.step0', 'key.step1', 'key.step2', 'key.step3'],
      );
      // LIKE's wildcards are text in a prefix.
      assert.deepEqual(await store.list({ actionPrefix: 'key%' }), []);
      assert.deepEqual(await store.list({ actionPrefix: 'client_' }), await store.list({ actionPrefix: 'client' }));
      assert.equal((await store.list({ actionPrefix: 'client_4%' })).length, 1);
      await assert.rejects(store.list({ beforeSeq: -1 }), codeOf('ERR_STORE_INPUT_INVALID'));
      await assert.rejects(store.list({ actor: 'x'.repeat(300) }), codeOf('ERR_STORE_INPUT_INVALID'));
    }));

  test(`${name} audit: concurrent appends get distinct seq and list in seq order`, () =>
    withStore(async ({ store }) => {
      const entries = await Promise.all(
        Array.from({ length: 20 }, (_, i) => store.append({ actor: 'c', action: 'token.issued', target: `t${i}` })),
      );
      const listed = await store.list({ limit: 100 });
      assert.equal(new Set(listed.map((e) => e.seq)).size, 20);
      assert.deepEqual(
        listed.map((e) => e.seq),
        [...listed.map((e) => e.seq)].sort((a, b) => a - b),
      );
      assert.deepEqual(
        listed.map((e) => e.seq),
        entries.map((e) => e.seq).sort((a, b) => a - b),
      );
    }));

  test(`${name} audit: secrets in details are redacted before they are stored`, () =>
    withStore(async ({ store, rawDump }) => {
      const jwt = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJlLXZhbHVl';
      const e = await store.append({
        actor: 'a',
        action: 'client.created',
        details: {
          client_secret: 's3cr3t-value',
          nested: { password: 'hunter2-pw', seen: jwt, header: `Bearer ${jwt}` },
          aud: 'ledger',
          host: 'api-gateway.production.internal',
        },
      });
      assert.deepEqual(e.details, {
        client_secret: '[redacted]',
        nested: { password: '[redacted]', seen: '[redacted]', header: '[redacted]' },
        aud: 'ledger',
        host: 'api-gateway.production.internal',
      });
      const dump = await rawDump();
      assert.ok(dump.includes('ledger'));
      for (const secret of ['s3cr3t-value', 'hunter2-pw', jwt])
        assert.ok(!dump.includes(secret), `${secret} is not stored`);
    }));
}

/** The EventBus contract: delivery across two connections. */
export function runEventBusContract(name: string, factory: () => Promise<EventHarness>): void {
  test(`${name} events: a publish reaches subscribers on both connections, stamped with its origin`, async () => {
    const h = await factory();
    try {
      const gotA: StorageEvent[] = [];
      const gotB: StorageEvent[] = [];
      const stopA = await h.a.subscribe((e) => gotA.push(e));
      const stopB = await h.b.subscribe((e) => gotB.push(e));
      await h.b.subscribe(() => {
        throw new Error('a broken handler');
      });
      await h.a.publish({ type: 'key.changed', at: 5, data: { kid: 'k1', state: 'active' } });
      await eventually(() => gotA.length === 1 && gotB.length === 1, 'delivery to both buses');
      assert.deepEqual(gotB[0], { type: 'key.changed', at: 5, data: { kid: 'k1', state: 'active' }, origin: h.a.id });
      assert.notEqual(h.a.id, h.b.id);
      await stopB();
      await h.b.publish({ type: 'revocation.added', data: { jti: 'j1' } });
      await eventually(() => gotA.length === 2, 'second delivery');
      assert.equal(gotA[1]!.origin, h.b.id);
      assert.equal(gotB.length, 1, 'an unsubscribed handler hears nothing more');
      await stopA();
      await assert.rejects(h.a.publish({ type: '' }), codeOf('ERR_STORE_INPUT_INVALID'));
    } finally {
      await h.close();
    }
  });
}
