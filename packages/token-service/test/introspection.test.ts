// Introspection (RFC 7662) is a client permission and reports a token's state now: a caller
// without `introspect: true`, or asking about a token it may not see (§4), gets exactly the
// `{"active": false}` an invalid token gets, and a token past its `exp` is inactive at once (no
// clock skew), all over HTTP (hardening issue, task 2).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { postForm, startService, type TestService } from './helpers.js';

const A = { id: 'svc-a', secret: 'svc-a-secret-0123456789' }; // holds tokens for svc-b; may not introspect
const B = { id: 'svc-b', secret: 'svc-b-secret-0123456789' }; // the resource server: may introspect
const C = { id: 'svc-c', secret: 'svc-c-secret-0123456789' }; // may introspect, but is neither holder nor audience
const D = { id: 'svc-d', secret: 'svc-d-secret-0123456789' }; // may introspect its own tokens

let ts: TestService;
let now = Date.UTC(2026, 0, 1);
let token: string;

before(async () => {
  ts = await startService(
    {
      clients: [
        { id: A.id, secret: A.secret, audiences: ['svc-b'] },
        { id: B.id, secret: B.secret, audiences: ['svc-c'], introspect: true },
        { id: C.id, secret: C.secret, audiences: ['svc-b'], introspect: true },
        { id: D.id, secret: D.secret, audiences: ['svc-b'], introspect: true },
      ],
      tokens: { defaultLifetimeSeconds: 300, clockSkewSeconds: 60 },
      rateLimit: { enabled: false },
    },
    { clock: () => now },
  );
  token = (await postForm(`${ts.url}/token`, { grant_type: 'client_credentials', audience: 'svc-b' }, A)).body[
    'access_token'
  ] as string;
});
after(() => ts.stop());

const introspect = (who: { id: string; secret: string }, t = token) =>
  postForm(`${ts.url}/introspect`, { token: t }, who);

/** The inactive answer, compared whole: status, body and the headers that matter. */
function assertInactive(r: Awaited<ReturnType<typeof introspect>>, why: string): void {
  assert.equal(r.status, 200, why);
  assert.deepEqual(r.body, { active: false }, why);
  assert.equal(r.headers.get('cache-control'), 'no-store', why);
}

test('the audience of a token may introspect it: active, with its claims', async () => {
  const r = await introspect(B);
  assert.equal(r.status, 200);
  assert.equal(r.body['active'], true);
  assert.equal(r.body['aud'], 'svc-b');
  assert.equal(r.body['client_id'], 'svc-a');
});

test('a client without introspect: true gets {"active": false}, even for its own valid token', async () => {
  assertInactive(await introspect(A), 'no introspect permission');
});

test('a client that may introspect, asking about a token neither issued to it nor addressed to it, gets {"active": false}', async () => {
  assertInactive(await introspect(C), 'not the holder, not the audience');
});

test('a client that may introspect sees tokens issued to it', async () => {
  const own = (await postForm(`${ts.url}/token`, { grant_type: 'client_credentials', audience: 'svc-b' }, D)).body[
    'access_token'
  ] as string;
  const r = await introspect(D, own);
  assert.equal(r.body['active'], true);
  assert.equal(r.body['client_id'], 'svc-d');
});

test('refused and invalid look the same: one answer, byte for byte', async () => {
  const answers = await Promise.all([introspect(A), introspect(C), introspect(B, 'not-a-token')]);
  for (const r of answers) assertInactive(r, 'inactive');
  const lengths = new Set(answers.map((r) => r.headers.get('content-length')));
  assert.equal(lengths.size, 1);
});

test('a token past its exp is inactive at once: no clock skew at introspection', async () => {
  const exp = (await introspect(B)).body['exp'] as number;
  now = exp * 1000 - 1000;
  assert.equal((await introspect(B)).body['active'], true, 'one second before exp');
  now = exp * 1000;
  assertInactive(await introspect(B), 'at exp');
  now = exp * 1000 + 30_000; // inside the 60 s skew other checks allow
  assertInactive(await introspect(B), '30 s after exp');
});
