// A known admin resource asked with a method it does not answer gets 405 and `Allow` (RFC 9110
// §15.5.6), not a 404 that says the resource does not exist (polish issue).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startService } from './helpers.js';

test('GET on a POST-only admin endpoint is 405 with Allow; unknown paths stay 404', async () => {
  const ts = await startService();
  try {
    const kid = ts.service.keyRing.list()[0]!.kid;
    const cases: [string, string, string][] = [
      ['GET', '/admin/keys/rotate', 'POST'],
      ['GET', `/admin/keys/${kid}/withdraw`, 'POST'],
      ['DELETE', '/admin/keys', 'GET'],
      ['PUT', '/admin/clients/some-client', 'GET, PATCH, DELETE'],
      ['GET', '/admin/jwt-factory/issueToken/servicea', 'POST'],
      ['DELETE', '/admin/jwt-factory/keys/servicea', 'GET, POST'],
    ];
    for (const [method, path, allow] of cases) {
      const res = await ts.admin(path, { method });
      assert.equal(res.status, 405, `${method} ${path}`);
      assert.equal(res.headers.get('allow'), allow);
      assert.equal(((await res.json()) as { code: string }).code, 'ERR_ADMIN_METHOD_NOT_ALLOWED');
    }
    const unknown = await ts.admin('/admin/no-such-thing');
    assert.equal(unknown.status, 404);
    await unknown.body?.cancel();
    const unauthenticated = await fetch(`${ts.url}/admin/keys/rotate`);
    assert.equal(unauthenticated.status, 401, 'the admin token is checked first');
    await unauthenticated.body?.cancel();
  } finally {
    await ts.stop();
  }
});
