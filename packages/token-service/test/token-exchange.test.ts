// RFC 8693 with a trusted external issuer (a real JWKS server on 127.0.0.1): may_act (§4.4) decides
// who may act, prior actors nest inside the new act (§4.1), issuers are allowed per client, exp
// never exceeds the subject token's, and a subject of the external issuer gets the issuer's
// `subjectPrefix` and an RFC 9493 `sub_id`.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SignJWT, exportJWK, generateKeyPair } from 'jose';
import { loadConfig } from '../src/index.js';
import { ACCESS_TOKEN_TYPE, EXCHANGE, decode, postForm, startService, type TestService } from './helpers.js';

const IDP = 'https://idp.example';
let idp: Server;
let idpKey: CryptoKey;
let ts: TestService;
const orders = { id: 'orders', secret: 'orders-secret-0123456789' };
const billing = { id: 'billing', secret: 'billing-secret-0123456789' };
const inventory = { id: 'inventory', secret: 'inventory-secret-0123456789' };

before(async () => {
  const pair = await generateKeyPair('ES256');
  idpKey = pair.privateKey;
  const jwks = JSON.stringify({
    keys: [{ ...(await exportJWK(pair.publicKey)), kid: 'idp-1', alg: 'ES256', use: 'sig' }],
  });
  idp = createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(jwks));
  await new Promise<void>((r) => idp.listen(0, '127.0.0.1', r));
  const jwksUri = `http://127.0.0.1:${(idp.address() as AddressInfo).port}/jwks`;
  ts = await startService({
    grants: { tokenExchange: { trustedIssuers: [{ issuer: IDP, jwksUri, subjectPrefix: 'idp:' }] } },
    clients: [
      {
        id: 'orders',
        secret: orders.secret,
        audiences: ['inventory'],
        grantTypes: ['client_credentials', EXCHANGE],
        exchange: { subjectIssuers: [IDP], targetAudiences: ['inventory'] },
      },
      {
        id: 'billing',
        secret: billing.secret,
        audiences: ['ledger'],
        grantTypes: ['client_credentials', EXCHANGE],
        exchange: { targetAudiences: ['ledger'], subjectAudiences: ['orders'] },
      },
      {
        id: 'inventory',
        secret: inventory.secret,
        audiences: ['warehouse'],
        grantTypes: ['client_credentials', EXCHANGE],
        exchange: { targetAudiences: ['warehouse'] },
      },
    ],
    rateLimit: { enabled: false },
  });
});
after(async () => {
  await ts.stop();
  await new Promise((r) => idp.close(r));
});

async function userToken(claims: Record<string, unknown>, lifetime = 600): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ scope: 'buy view', ...claims })
    .setProtectedHeader({ alg: 'ES256', kid: 'idp-1', typ: 'at+jwt' })
    .setIssuer(IDP)
    .setSubject('alice')
    .setAudience('orders')
    .setIssuedAt(now)
    .setExpirationTime(now + lifetime)
    .setJti(crypto.randomUUID())
    .sign(idpKey);
}

async function exchange(
  client: { id: string; secret: string },
  subject: string,
  audience: string,
  extra: Record<string, string> = {},
) {
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
      ...extra,
    },
    client,
  );
}

test('may_act naming the client: delegation with act, exp capped by the subject token, scope narrowed', async () => {
  const subject = await userToken({ may_act: { sub: 'orders' } }, 120);
  const r = await exchange(orders, subject, 'inventory', { scope: 'view' });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  const claims = decode(r.body['access_token'] as string).payload;
  assert.equal(claims['sub'], 'idp:alice', "the external issuer's subjectPrefix");
  assert.equal(claims['iss'], ts.service.issuer);
  assert.deepEqual(claims['act'], { sub: 'orders' });
  assert.equal(claims['scope'], 'view');
  assert.ok((claims['exp'] as number) <= (decode(subject).payload['exp'] as number));
  assert.ok((r.body['expires_in'] as number) <= 120);
});

test('may_act naming someone else refuses the exchange (invalid_request)', async () => {
  const r = await exchange(orders, await userToken({ may_act: { sub: 'billing' } }), 'inventory');
  assert.equal(r.status, 400);
  assert.equal(r.body['error'], 'invalid_request');
});

test('prior actors nest inside the new act; the exchanged token can be exchanged again by the next hop', async () => {
  const subject = await userToken({ act: { sub: 'web-gateway' } });
  const first = await exchange(orders, subject, 'inventory');
  assert.deepEqual(decode(first.body['access_token'] as string).payload['act'], {
    sub: 'orders',
    act: { sub: 'web-gateway' },
  });
  // billing may exchange tokens addressed to "orders" only; this one is for inventory.
  const refused = await exchange(billing, first.body['access_token'] as string, 'ledger');
  assert.equal(refused.body['error'], 'invalid_request');
});

test('an external issuer not allowed for the client, or an unknown issuer, is refused', async () => {
  const r = await exchange(billing, await userToken({}), 'ledger');
  assert.equal(r.body['error'], 'invalid_request');
  const other = await new SignJWT({})
    .setProtectedHeader({ alg: 'ES256', kid: 'idp-1' })
    .setIssuer('https://unknown.example')
    .setSubject('alice')
    .setAudience('orders')
    .setExpirationTime('5m')
    .sign(idpKey);
  assert.equal((await exchange(orders, other, 'inventory')).body['error'], 'invalid_request');
  const expired = await userToken({}, -120);
  assert.equal((await exchange(orders, expired, 'inventory')).body['error'], 'invalid_request');
});

test("a subject of another issuer gets its issuer's subjectPrefix and an RFC 9493 sub_id; the act chain is unchanged", async () => {
  const r = await exchange(orders, await userToken({ act: { sub: 'web-gateway' } }), 'inventory');
  assert.equal(r.status, 200, JSON.stringify(r.body));
  const claims = decode(r.body['access_token'] as string).payload;
  assert.equal(claims['sub'], 'idp:alice');
  assert.deepEqual(claims['sub_id'], { format: 'iss_sub', iss: IDP, sub: 'alice' });
  assert.deepEqual(claims['act'], { sub: 'orders', act: { sub: 'web-gateway' } });

  // Exchanged again (now a token of this service): the prefix is not applied twice, sub_id goes on.
  const again = await exchange(inventory, r.body['access_token'] as string, 'warehouse');
  assert.equal(again.status, 200, JSON.stringify(again.body));
  const next = decode(again.body['access_token'] as string).payload;
  assert.equal(next['sub'], 'idp:alice');
  assert.deepEqual(next['sub_id'], { format: 'iss_sub', iss: IDP, sub: 'alice' });
  assert.deepEqual(next['act'], { sub: 'inventory', act: { sub: 'orders', act: { sub: 'web-gateway' } } });
});

test("this service's own subjects keep their sub and get no sub_id", async () => {
  const own = (await postForm(`${ts.url}/token`, { grant_type: 'client_credentials', audience: 'inventory' }, orders))
    .body['access_token'] as string;
  const r = await exchange(inventory, own, 'warehouse');
  assert.equal(r.status, 200, JSON.stringify(r.body));
  const claims = decode(r.body['access_token'] as string).payload;
  assert.equal(claims['sub'], 'orders');
  assert.equal(claims['sub_id'], undefined);
});

test('the loader refuses a trusted issuer without subjectPrefix, naming the field, and prefixes that start one another', () => {
  const load = (trustedIssuers: unknown[]) => () =>
    loadConfig({ object: { grants: { tokenExchange: { trustedIssuers } } } });
  assert.throws(load([{ issuer: IDP, jwksUri: 'https://idp.example/jwks' }]), (err: Error & { code?: string }) => {
    assert.equal(err.code, 'ERR_TOKEN_SERVICE_CONFIG_INVALID');
    assert.match(err.message, /grants\.tokenExchange\.trustedIssuers\.0\.subjectPrefix: subjectPrefix is required/);
    return true;
  });
  assert.throws(
    load([{ issuer: IDP, jwksUri: 'https://idp.example/jwks', subjectPrefix: '' }]),
    /trustedIssuers\.0\.subjectPrefix/,
  );
  assert.throws(
    load([
      { issuer: IDP, jwksUri: 'https://idp.example/jwks', subjectPrefix: 'idp:' },
      { issuer: 'https://other.example', jwksUri: 'https://other.example/jwks', subjectPrefix: 'idp:x' },
    ]),
    /trustedIssuers\.1\.subjectPrefix: "idp:x" starts with the subjectPrefix of https:\/\/idp\.example/,
  );
  loadConfig({
    object: {
      grants: {
        tokenExchange: {
          trustedIssuers: [
            { issuer: IDP, jwksUri: 'https://idp.example/jwks', subjectPrefix: 'idp:' },
            { issuer: 'https://other.example', jwksUri: 'https://other.example/jwks', subjectPrefix: 'other:' },
          ],
        },
      },
    },
  });
});
