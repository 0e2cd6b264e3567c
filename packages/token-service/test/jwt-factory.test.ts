// The jwt-factory endpoints (brief 002) inside the admin API: keys by id, issue (optionally
// expired), verify with expected aud/sub and jsonwebtoken's error names, public key, list, dump.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import jsonwebtoken from 'jsonwebtoken';
import { startService, type TestService } from './helpers.js';

let ts: TestService;
before(async () => {
  ts = await startService();
});
after(() => ts.stop());

/** A response's JSON body, typed as the test expects it (the assertions check it). */
const json = async <T = Record<string, unknown>>(res: Response): Promise<T> => (await res.json()) as T;

/** What `issueToken` answers. */
interface Issued {
  readonly token: string;
}

/** What `verify` answers: the claims when valid, jsonwebtoken's error otherwise. */
interface Verification {
  readonly valid: boolean;
  readonly claims: { readonly exp: number; readonly iat: number; readonly [name: string]: unknown };
  readonly error: { readonly name: string; readonly message: string; readonly expiredAt: string };
}

test('create keys, issue tokens, verify them like jsonwebtoken does', async () => {
  const created = await ts.admin('/admin/jwt-factory/keys/servicea');
  assert.equal(created.status, 201);
  assert.equal((await json(created))['keyId'], 'servicea');
  assert.equal(
    (await ts.admin('/admin/jwt-factory/keys/servicea')).status,
    200,
    'an existing key is returned, not replaced',
  );
  await ts.admin('/admin/jwt-factory/keys/serviceb');

  const issued = await json<Issued>(
    await ts.admin('/admin/jwt-factory/issueToken/servicea', {
      method: 'POST',
      body: JSON.stringify({ aud: 'serviceb' }),
    }),
  );
  const token = issued['token'];
  const ok = await json<Verification>(
    await ts.admin('/admin/jwt-factory/verify/servicea', {
      method: 'POST',
      body: JSON.stringify({ token, aud: 'serviceb', sub: 'servicea' }),
    }),
  );
  assert.equal(ok['valid'], true);
  assert.equal(ok['claims']['iss'], 'https://jwt-factory/');
  assert.equal(ok['claims']['sub'], 'servicea');
  assert.equal(ok['claims']['aud'], 'serviceb');
  assert.equal(ok['claims']['exp'] - ok['claims']['iat'], 3600);

  // The public key verifies with jsonwebtoken itself.
  const pub = await json<{ publicKey: string; pem: string }>(
    await ts.admin('/admin/jwt-factory/utils/publicKey/servicea'),
  );
  assert.equal(Buffer.from(pub['publicKey'], 'base64').toString(), pub['pem']);
  const decoded = jsonwebtoken.verify(token, pub['pem'], {
    audience: 'serviceb',
    subject: 'servicea',
    algorithms: ['RS256'],
  }) as Record<string, unknown>;
  assert.equal(decoded['sub'], 'servicea');

  const wrongAud = await json(
    await ts.admin('/admin/jwt-factory/verify/servicea', {
      method: 'POST',
      body: JSON.stringify({ token, aud: 'servicec', sub: 'servicea' }),
    }),
  );
  assert.deepEqual(wrongAud, {
    valid: false,
    error: { name: 'JsonWebTokenError', message: 'jwt audience invalid. expected: servicec' },
    claims: {},
  });
  const wrongSub = await json<Verification>(
    await ts.admin('/admin/jwt-factory/verify/servicea', {
      method: 'POST',
      body: JSON.stringify({ token, aud: 'serviceb', sub: 'mallory' }),
    }),
  );
  assert.equal(wrongSub['error']['message'], 'jwt subject invalid. expected: mallory');
  const wrongKey = await json(
    await ts.admin('/admin/jwt-factory/verify/serviceb', {
      method: 'POST',
      body: JSON.stringify({ token, aud: 'serviceb', sub: 'servicea' }),
    }),
  );
  assert.deepEqual(wrongKey['error'], { name: 'JsonWebTokenError', message: 'invalid signature' });
  const garbage = await json(
    await ts.admin('/admin/jwt-factory/verify/servicea', {
      method: 'POST',
      body: JSON.stringify({ token: 'nope', aud: 'serviceb', sub: 'servicea' }),
    }),
  );
  assert.deepEqual(garbage['error'], { name: 'JsonWebTokenError', message: 'jwt malformed' });

  const expired = await json<Issued>(
    await ts.admin('/admin/jwt-factory/issueToken/servicea?expired=1', {
      method: 'POST',
      body: JSON.stringify({ aud: 'serviceb' }),
    }),
  );
  const late = await json<Verification>(
    await ts.admin('/admin/jwt-factory/verify/servicea', {
      method: 'POST',
      body: JSON.stringify({ token: expired['token'], aud: 'serviceb', sub: 'servicea' }),
    }),
  );
  assert.equal(late['valid'], false);
  assert.equal(late['error']['name'], 'TokenExpiredError');
  assert.equal(late['error']['message'], 'jwt expired');
  assert.ok(Date.parse(late['error']['expiredAt']) < Date.now());
  assert.throws(() => jsonwebtoken.verify(expired['token'], pub['pem']), { name: 'TokenExpiredError' });

  const notYet = await json<Issued>(
    await ts.admin('/admin/jwt-factory/issueToken/servicea', {
      method: 'POST',
      body: JSON.stringify({ aud: 'serviceb', nbf: Math.floor(Date.now() / 1000) + 600 }),
    }),
  );
  const early = await json<Verification>(
    await ts.admin('/admin/jwt-factory/verify/servicea', {
      method: 'POST',
      body: JSON.stringify({ token: notYet['token'], aud: 'serviceb', sub: 'servicea' }),
    }),
  );
  assert.equal(early['error']['name'], 'NotBeforeError');
});

test('list key ids, dump PEM files (private ones 0600), unknown keys 404, bad ids 400', async () => {
  await ts.admin('/admin/jwt-factory/keys/servicec?alg=ES256');
  const list = await json<{ keys: string[] }>(await ts.admin('/admin/jwt-factory/utils/keys'));
  assert.deepEqual([...list['keys']].sort(), ['servicea', 'serviceb', 'servicec']);
  const dump = await json(await ts.admin('/admin/jwt-factory/utils/dump', { method: 'POST' }));
  assert.equal(dump['dir'], join(ts.dataDir, 'keys'));
  assert.equal(statSync(join(ts.dataDir, 'keys', 'servicea.private.pem')).mode & 0o777, 0o600);
  assert.match(readFileSync(join(ts.dataDir, 'keys', 'servicec.public.pem'), 'utf8'), /BEGIN PUBLIC KEY/);
  assert.equal((await ts.admin('/admin/jwt-factory/issueToken/nokey', { method: 'POST' })).status, 404);
  assert.equal((await ts.admin('/admin/jwt-factory/keys/..%2Fetc')).status, 400);
  const ring = ts.service.keyRing.list()[0]!.kid;
  assert.equal(
    (await ts.admin(`/admin/jwt-factory/issueToken/${ring}`, { method: 'POST' })).status,
    404,
    'ring keys are not factory keys',
  );
  const published = (await (await fetch(`${ts.url}/jwt-factory/jwks.json`)).json()) as {
    keys: { kid: string; d?: string }[];
  };
  assert.deepEqual(published.keys.map((k) => k.kid).sort(), ['servicea', 'serviceb', 'servicec']);
  assert.ok(
    published.keys.every((k) => k.d === undefined),
    'public halves only',
  );
  const audit = await json<{ entries: { action: string }[] }>(await ts.admin('/admin/audit'));
  assert.ok(audit['entries'].some((e) => e.action === 'factory.key.created'));
  assert.ok(audit['entries'].some((e) => e.action === 'factory.keys.dumped'));
});

test('issueToken refuses registered claims of the wrong type with a 400 that names them (never signs them)', async () => {
  await ts.admin('/admin/jwt-factory/keys/typed');
  const cases: [Record<string, unknown>, string][] = [
    [{ nbf: 'y', aud: 5 }, 'nbf'],
    [{ exp: 'soon' }, 'exp'],
    [{ iat: -1 }, 'iat'],
    [{ aud: [] }, 'aud'],
    [{ iss: 7 }, 'iss'],
    [{ sub: '' }, 'sub'],
    [{ jti: {} }, 'jti'],
  ];
  for (const [claims, name] of cases) {
    const res = await ts.admin('/admin/jwt-factory/issueToken/typed', { method: 'POST', body: JSON.stringify(claims) });
    assert.equal(res.status, 400, JSON.stringify(claims));
    const body = await json(res);
    assert.equal(body['code'], 'ERR_ADMIN_BAD_REQUEST');
    assert.match(String(body['detail'] ?? body['message']), new RegExp(`\\b${name}\\b`), JSON.stringify(body));
  }
  const fine = await ts.admin('/admin/jwt-factory/issueToken/typed', {
    method: 'POST',
    body: JSON.stringify({ aud: ['a', 'b'], exp: 4102444800, custom: { nested: true } }),
  });
  assert.equal(fine.status, 200);
});
