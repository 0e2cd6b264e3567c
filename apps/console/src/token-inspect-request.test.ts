import { test } from 'node:test';
import assert from 'node:assert/strict';
import { inspectRequest, type TokenInspectForm } from './token-inspect-request';

const FORM: TokenInspectForm = { token: '', keys: 'live', jwks: '', issuer: '', audience: '', subject: '', typ: '' };

test('only what was given is sent; line breaks pasted into the token are dropped', () => {
  assert.deepEqual(inspectRequest({ ...FORM, token: ' aaa.\nbbb.ccc \n' }), { body: { token: 'aaa.bbb.ccc' } });
  assert.deepEqual(
    inspectRequest({
      ...FORM,
      token: 'a.b.c',
      keys: 'pasted',
      jwks: '{"keys":[{"kty":"EC","kid":"k1"}]}',
      issuer: ' https://auth.example ',
      audience: 'orders',
      subject: 'alice',
      typ: 'at+jwt',
    }),
    {
      body: {
        token: 'a.b.c',
        jwks: { keys: [{ kty: 'EC', kid: 'k1' }] },
        issuer: 'https://auth.example',
        audience: 'orders',
        subject: 'alice',
        typ: 'at+jwt',
      },
    },
  );
  const several = inspectRequest({ ...FORM, token: 'a.b.c', audience: 'orders, billing' });
  assert.ok('body' in several);
  assert.deepEqual(several.body.audience, ['orders', 'billing']);
});

test('no token, or pasted keys that are not a key set, are said before anything is sent', () => {
  assert.ok('problem' in inspectRequest(FORM));
  assert.ok('problem' in inspectRequest({ ...FORM, token: 'a.b.c', keys: 'pasted', jwks: '{' }));
  assert.ok('problem' in inspectRequest({ ...FORM, token: 'a.b.c', keys: 'pasted', jwks: '{"keys":{}}' }));
  assert.ok('problem' in inspectRequest({ ...FORM, token: 'a.b.c', keys: 'pasted', jwks: '{"keys":[1]}' }));
});
