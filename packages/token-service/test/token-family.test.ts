// Revoking a token revokes its family (hardening issue: revoking a subject token left the tokens
// already exchanged from it valid). Each exchanged token is linked to its subject token, and a
// revocation (RFC 7009) walks the links: every descendant becomes a revocation entry of its own,
// on the feed and the stream, and introspects as inactive. Links point one way: revoking a child
// leaves its parent alone.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { ACCESS_TOKEN_TYPE, EXCHANGE, decode, postForm, startService, type TestService } from './helpers.js';

const APP = { id: 'app', secret: 'app-secret-0123456789' };
const B = { id: 'svc-b', secret: 'svc-b-secret-0123456789' };
const C = { id: 'svc-c', secret: 'svc-c-secret-0123456789' };
const READER = { id: 'gateway', secret: 'gateway-secret-0123456789' };

let ts: TestService;

before(async () => {
  ts = await startService({
    clients: [
      { id: APP.id, secret: APP.secret, audiences: ['svc-b'], introspect: true },
      {
        id: B.id,
        secret: B.secret,
        audiences: ['svc-c'],
        grantTypes: ['client_credentials', EXCHANGE],
        exchange: { targetAudiences: ['svc-c'] },
        introspect: true,
      },
      {
        id: C.id,
        secret: C.secret,
        audiences: ['svc-d'],
        grantTypes: ['client_credentials', EXCHANGE],
        exchange: { targetAudiences: ['svc-d'] },
        introspect: true,
      },
      { id: READER.id, secret: READER.secret, revocations: true },
    ],
    rateLimit: { enabled: false },
  });
});
after(() => ts.stop());

const basic = ({ id, secret }: { id: string; secret: string }) =>
  `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`;

async function appToken(): Promise<string> {
  const r = await postForm(`${ts.url}/token`, { grant_type: 'client_credentials', audience: 'svc-b' }, APP);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body['access_token'] as string;
}

/** `client` exchanges `subject` for a token for `audience`, acting with its own token (delegation). */
async function exchange(client: { id: string; secret: string }, subject: string, audience: string) {
  const actor = (await postForm(`${ts.url}/token`, { grant_type: 'client_credentials' }, client)).body[
    'access_token'
  ] as string;
  return postForm(
    `${ts.url}/token`,
    {
      grant_type: EXCHANGE,
      subject_token: subject,
      subject_token_type: ACCESS_TOKEN_TYPE,
      actor_token: actor,
      actor_token_type: ACCESS_TOKEN_TYPE,
      audience,
    },
    client,
  );
}

async function exchanged(client: { id: string; secret: string }, subject: string, audience: string): Promise<string> {
  const r = await exchange(client, subject, audience);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body['access_token'] as string;
}

const jtiOf = (token: string) => decode(token).payload['jti'] as string;

async function feed(): Promise<string[]> {
  const res = await fetch(`${ts.url}/revocations`, { headers: { authorization: basic(READER) } });
  assert.equal(res.status, 200);
  return ((await res.json()) as { revocations: { jti: string }[] }).revocations.map((r) => r.jti);
}

async function active(client: { id: string; secret: string }, token: string): Promise<boolean> {
  const r = await postForm(`${ts.url}/introspect`, { token }, client);
  assert.equal(r.status, 200);
  return r.body['active'] === true;
}

async function revoke(client: { id: string; secret: string }, token: string): Promise<void> {
  assert.equal((await postForm(`${ts.url}/revoke`, { token }, client)).status, 200);
}

test('exchange A → B → C (delegation chain), revoke A: B and C are on the feed and the stream, and inactive', async () => {
  const a = await appToken();
  const b = await exchanged(B, a, 'svc-c');
  const c = await exchanged(C, b, 'svc-d');
  assert.deepEqual(decode(c).payload['act'], { sub: 'svc-c', act: { sub: 'svc-b' } });
  const otherFamily = await exchanged(B, await appToken(), 'svc-c');
  assert.equal(await active(B, b), true);
  assert.equal(await active(C, c), true);

  await revoke(APP, a);

  const listed = await feed();
  for (const [name, token] of [
    ['A', a],
    ['B', b],
    ['C', c],
  ] as const)
    assert.ok(listed.includes(jtiOf(token)), `${name} is on the revocation feed, as an entry of its own`);
  assert.equal(await active(APP, a), false);
  assert.equal(await active(B, b), false, 'the child introspects as inactive');
  assert.equal(await active(C, c), false, 'the grandchild introspects as inactive');
  assert.equal(await active(B, otherFamily), true, 'a token of another family is untouched');
  assert.ok(!listed.includes(jtiOf(otherFamily)));
  const again = await exchange(C, b, 'svc-d');
  assert.equal(again.body['error'], 'invalid_request', 'a revoked child cannot be exchanged again');

  // The stream starts with the backlog: the children are there too, so gateways on the stream reject them.
  const controller = new AbortController();
  const res = await fetch(`${ts.url}/revocations/stream`, {
    headers: { authorization: basic(READER) },
    signal: controller.signal,
  });
  assert.equal(res.status, 200);
  let text = '';
  const decoder = new TextDecoder();
  for await (const chunk of res.body!) {
    text += decoder.decode(chunk, { stream: true });
    if (text.includes('event: cursor')) break;
  }
  controller.abort();
  for (const token of [a, b, c]) assert.ok(text.includes(`"jti":"${jtiOf(token)}"`), 'on the stream');
});

test('revoking a child leaves its parent valid and off the feed', async () => {
  const a = await appToken();
  const b = await exchanged(B, a, 'svc-c');
  const c = await exchanged(C, b, 'svc-d');

  await revoke(B, b);

  const listed = await feed();
  assert.ok(listed.includes(jtiOf(b)));
  assert.ok(listed.includes(jtiOf(c)), "the child's own child goes with it");
  assert.ok(!listed.includes(jtiOf(a)), 'the parent is not revoked');
  assert.equal(await active(APP, a), true);
  assert.equal(await active(B, b), false);
  // The parent can still be exchanged: a fresh child is valid.
  assert.equal(await active(B, await exchanged(B, a, 'svc-c')), true);
});
