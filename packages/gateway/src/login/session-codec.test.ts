import { test } from 'node:test';
import assert from 'node:assert/strict';
import { deflateRawSync } from 'node:zlib';
import { decodeSession, encodeSession } from './session-codec.js';
import type { LoginSession } from './login-session.js';

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const jwt = (payload: object, signature = 'c2lnbmF0dXJl') =>
  `${b64({ alg: 'RS256', kid: 'k1', typ: 'JWT' })}.${b64(payload)}.${signature}`;

const session: LoginSession = {
  tokens: {
    accessToken: jwt({ iss: 'https://id.example', sub: 'u-alice', aud: 'backend-api', exp: 2_000_000_000 }),
    idToken: jwt({ iss: 'https://id.example', sub: 'u-alice', aud: 'webui', name: 'Alice Liddell', ü: 'ñ' }),
    refreshToken: 'opaque-refresh',
    expiresAt: 2_000_000_000,
  },
  sid: 'sid-1',
  sub: 'u-alice',
  at: 1_900_000_000,
};

test('a session encodes to fewer bytes than its JSON and decodes to the very same tokens', () => {
  const bytes = encodeSession(session);
  assert.deepEqual(decodeSession(bytes), session);
  assert.ok(bytes.length < JSON.stringify(session).length * 0.8, `${bytes.length} bytes`);
  const bare: LoginSession = {
    ...session,
    tokens: { ...session.tokens, refreshToken: undefined, accessToken: 'an-opaque-access-token' },
    sid: undefined,
    sub: undefined,
  };
  assert.deepEqual(decodeSession(encodeSession(bare)), bare);
});

test('a token whose segments would not encode back the same is kept whole', () => {
  // Non-canonical base64url (the last character's unused bits set) decodes to the same bytes as "…A".
  const odd = `${b64({ alg: 'RS256' })}.${b64({ sub: 'x' }).slice(0, -1)}B.sig`;
  const s: LoginSession = { ...session, tokens: { ...session.tokens, idToken: odd } };
  assert.equal(decodeSession(encodeSession(s))?.tokens.idToken, odd);
});

test('bytes that are not an encoded session decode to nothing', () => {
  assert.equal(decodeSession(Buffer.from('not deflate')), undefined);
  assert.equal(decodeSession(deflateRawSync('{"tokens":{}}')), undefined, 'another format');
  assert.equal(decodeSession(deflateRawSync(JSON.stringify([2, 'a', 'b', null, 1, null, null, 1]))), undefined);
  assert.equal(decodeSession(deflateRawSync(JSON.stringify([1, 7, 'b', null, 1, null, null, 1]))), undefined);
  assert.equal(decodeSession(deflateRawSync(' '.repeat(1_000_000))), undefined, 'inflating past the bound');
});
