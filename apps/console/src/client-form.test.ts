import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  EMPTY_CLIENT_FORM,
  clientCreateBodyOf,
  clientFormOf,
  clientPatchOf,
  exchangeBodyOf,
  exchangeFormOf,
  toggled,
  unappliedFields,
  type ClientView,
} from './client-form';

const TOKEN_EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange';

const client: ClientView = {
  id: 'billing',
  audiences: ['ledger', 'invoices'],
  scopes: ['read'],
  grantTypes: ['client_credentials', TOKEN_EXCHANGE],
  tokenLifetimeSeconds: 600,
  exchange: {
    subjectIssuers: ['https://idp.example'],
    subjectAudiences: ['billing'],
    targetAudiences: ['ledger'],
    delegation: true,
    impersonation: false,
  },
  introspect: false,
  revocations: true,
  reportDecisions: false,
  enabled: true,
  public: false,
  redirectUris: [],
  postLogoutRedirectUris: [],
  firstParty: false,
  requireSecondFactor: false,
  source: 'admin',
  hasSecret: true,
  createdAt: '2030-01-01T00:00:00.000Z',
  updatedAt: '2030-01-01T00:00:00.000Z',
};

test('an untouched form patches nothing', () => {
  assert.deepEqual(clientPatchOf(clientFormOf(client), client), { body: {} });
});

test('the exchange form round-trips and sends all five members when one changes', () => {
  assert.deepEqual(exchangeBodyOf(exchangeFormOf(client.exchange)), client.exchange);
  const form = clientFormOf(client);
  const result = clientPatchOf(
    { ...form, exchange: { ...form.exchange, targetAudiences: 'ledger\n  reports ,audit\n\n', impersonation: true } },
    client,
  );
  // The API fills a missing member with its default (delegation on): the whole object goes.
  assert.deepEqual(result, {
    body: {
      exchange: {
        subjectIssuers: ['https://idp.example'],
        subjectAudiences: ['billing'],
        targetAudiences: ['ledger', 'reports', 'audit'],
        delegation: true,
        impersonation: true,
      },
    },
  });
});

test('only the changed fields are sent; list order counts (the first audience is the default)', () => {
  const form = clientFormOf(client);
  const result = clientPatchOf(
    { ...form, audiences: 'invoices\nledger', introspect: true, tokenLifetimeSeconds: ' 900 ' },
    client,
  );
  assert.deepEqual(result, {
    body: { audiences: ['invoices', 'ledger'], tokenLifetimeSeconds: 900, introspect: true },
  });
});

test('grant types keep their order when toggled, so an unchanged set is no change', () => {
  const form = clientFormOf(client);
  const off = toggled(form.grantTypes, TOKEN_EXCHANGE, false);
  assert.deepEqual(off, ['client_credentials']);
  assert.deepEqual(clientPatchOf({ ...form, grantTypes: off }, client), {
    body: { grantTypes: ['client_credentials'] },
  });
  const back = toggled(off, TOKEN_EXCHANGE, true);
  assert.deepEqual(clientPatchOf({ ...form, grantTypes: back }, client), { body: {} });
  assert.deepEqual(toggled(back, TOKEN_EXCHANGE, true), back, 'checking twice adds nothing');
});

test('what a PATCH cannot express is a problem, not a silent no-op', () => {
  const form = clientFormOf({ ...client, backchannelLogoutUri: 'https://app.example/logout' });
  const result = clientPatchOf(
    { ...form, tokenLifetimeSeconds: '', backchannelLogoutUri: '' },
    { ...client, backchannelLogoutUri: 'https://app.example/logout' },
  );
  assert.equal(result.problems?.length, 2);
  assert.match(result.problems[0]!, /lifetime/i);
  assert.match(result.problems[1]!, /back-channel/i);
  assert.deepEqual(clientPatchOf({ ...clientFormOf(client), tokenLifetimeSeconds: '1.5' }, client).problems, [
    'Token lifetime: a whole number of seconds.',
  ]);
});

test('the create body: a generated secret by default, public, or keys', () => {
  const form = { ...EMPTY_CLIENT_FORM, audiences: 'ledger', scopes: 'read write' };
  const secret = clientCreateBodyOf({ id: ' billing ', auth: 'secret', jwks: '', enabled: true }, form);
  assert.deepEqual(secret, {
    body: {
      id: 'billing',
      enabled: true,
      audiences: ['ledger'],
      scopes: ['read write'],
      grantTypes: ['client_credentials'],
      exchange: {
        subjectIssuers: [],
        subjectAudiences: [],
        targetAudiences: [],
        delegation: true,
        impersonation: false,
      },
      introspect: false,
      revocations: false,
      reportDecisions: false,
      redirectUris: [],
      postLogoutRedirectUris: [],
      firstParty: false,
      requireSecondFactor: false,
    },
  });
  const pub = clientCreateBodyOf({ id: 'spa', auth: 'public', jwks: '', enabled: true }, form);
  assert.equal(pub.body?.public, true);
  const keys = clientCreateBodyOf(
    { id: 'signer', auth: 'jwks', jwks: '{"keys":[{"kty":"EC","crv":"P-256","x":"a","y":"b"}]}', enabled: false },
    { ...form, tokenLifetimeSeconds: '300', backchannelLogoutUri: ' https://app.example/bc ' },
  );
  assert.deepEqual(keys.body?.jwks, { keys: [{ kty: 'EC', crv: 'P-256', x: 'a', y: 'b' }] });
  assert.equal(keys.body?.tokenLifetimeSeconds, 300);
  assert.equal(keys.body?.backchannelLogoutUri, 'https://app.example/bc');
  assert.equal(keys.body?.enabled, false);
});

test('the create form refuses a missing id and a JWKS that is not one', () => {
  assert.deepEqual(clientCreateBodyOf({ id: '  ', auth: 'secret', jwks: '', enabled: true }, EMPTY_CLIENT_FORM), {
    problems: ['Client ID: required.'],
  });
  for (const jwks of ['', 'not json', '{"keys":[]}', '{"keys":["x"]}', 'null'])
    assert.equal(
      clientCreateBodyOf({ id: 'a', auth: 'jwks', jwks, enabled: true }, EMPTY_CLIENT_FORM).problems?.length,
      1,
      jwks,
    );
});

test('unappliedFields names what the answer does not show as sent', () => {
  const patch = {
    tokenLifetimeSeconds: 99_999,
    redirectUris: ['https://app.example/cb'],
    introspect: true,
    exchange: client.exchange,
  };
  const answer: ClientView = { ...client, tokenLifetimeSeconds: 3600, introspect: true };
  assert.deepEqual(unappliedFields(patch, answer), ['tokenLifetimeSeconds', 'redirectUris']);
  assert.deepEqual(unappliedFields({}, answer), []);
});
