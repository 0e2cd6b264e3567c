import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createJwtSigner, decodeJwt, generateKey } from '@tessera/core';
import type { KeyRing } from '../keys/create-key-ring.js';
import { createAccessTokenIssuer } from './create-access-token-issuer.js';

const key = generateKey('ES256');
const signer = createJwtSigner(key.signingKey);
// The issuer uses only `signer()` of the ring.
const keyRing = { signer: () => signer } as unknown as KeyRing;
const request = { subject: 'idp:alice', audience: 'svc-c', scope: [], clientId: 'svc-b', lifetimeSeconds: 300 };

function families(revokedParents: string[]) {
  const links: [string, string, number][] = [];
  return {
    links,
    store: {
      linkChild: (parent: string, child: string, exp: number) => {
        links.push([parent, child, exp]);
        return Promise.resolve();
      },
      isRevoked: (jti: string) => Promise.resolve(revokedParents.includes(jti)),
    },
  };
}

test('an exchanged token is linked to its parent (with its jti and exp) before it is handed out, and carries sub_id', async () => {
  const f = families([]);
  const issuer = createAccessTokenIssuer({
    issuer: () => 'https://ts.test',
    keyRing,
    clock: () => 1_700_000_000_000,
    families: f.store,
  });
  const subjectId = { format: 'iss_sub', iss: 'https://idp.example', sub: 'alice' } as const;
  const issued = await issuer.issue({ ...request, parentJti: 'parent-1', subjectId });
  assert.deepEqual(f.links, [['parent-1', issued.jti, issued.exp * 1000]]);
  const { payload } = decodeJwt(issued.token);
  assert.equal(payload.sub, 'idp:alice');
  assert.deepEqual(payload['sub_id'], subjectId);
});

test('a parent revoked while its child was being issued: the child is never handed out', async () => {
  const f = families(['parent-1']);
  const issuer = createAccessTokenIssuer({
    issuer: () => 'https://ts.test',
    keyRing,
    clock: Date.now,
    families: f.store,
  });
  await assert.rejects(issuer.issue({ ...request, parentJti: 'parent-1' }), (err: Error & { code?: string }) => {
    assert.equal(err.code, 'ERR_OAUTH_INVALID_REQUEST');
    return true;
  });
  assert.equal(f.links.length, 1, 'the link was written first, so a revocation walking now finds the child');
});

test('without a store for the links, a token with a parent is refused (fail closed); one without is issued', async () => {
  const issuer = createAccessTokenIssuer({ issuer: () => 'https://ts.test', keyRing, clock: Date.now });
  await assert.rejects(issuer.issue({ ...request, parentJti: 'parent-1' }), {
    code: 'ERR_TOKEN_SERVICE_CONFIG_INVALID',
  });
  assert.equal(decodeJwt((await issuer.issue(request)).token).payload['sub_id'], undefined);
});
