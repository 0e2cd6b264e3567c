// The token service over HTTPS (server.tls): discovery names https endpoints and a verifier that
// trusts the certificate fetches the JWKS and verifies the tokens. The certificate is made by the
// openssl CLI at run time; without it the test skips.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request, Agent } from 'undici';
import { createRemoteJwks, createVerifier, isTesseraError } from '@tessera/core';
import { loadConfig } from '../src/index.js';
import { startService } from './helpers.js';

function selfSigned(dir: string): { cert: string; key: string } | undefined {
  const r = spawnSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-days',
      '1',
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
      '-keyout',
      join(dir, 'key.pem'),
      '-out',
      join(dir, 'cert.pem'),
    ],
    { stdio: 'ignore' },
  );
  return r.status === 0 ? { cert: join(dir, 'cert.pem'), key: join(dir, 'key.pem') } : undefined;
}

const dir = mkdtempSync(join(tmpdir(), 'tessera-ts-tls-'));
const files = selfSigned(dir);
const A = { id: 'svc-a', secret: 'svc-a-secret-0123456789' };

test(
  'HTTPS listener: https issuer and endpoints, tokens verified over TLS',
  { skip: files === undefined ? 'the openssl CLI is not available to make a test certificate' : false },
  async (t) => {
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const ts = await startService({
      server: { tls: files },
      clients: [{ id: A.id, secret: A.secret, audiences: ['svc-b'] }],
    });
    t.after(() => ts.stop());
    assert.match(ts.url, /^https:\/\/127\.0\.0\.1:\d+$/);
    const ca = (await import('node:fs')).readFileSync(files!.cert);
    const dispatcher = new Agent({ connect: { ca } });
    t.after(() => dispatcher.close());
    const discovery = (await (
      await request(`${ts.url}/.well-known/openid-configuration`, { dispatcher })
    ).body.json()) as Record<string, string>;
    assert.equal(discovery['issuer'], ts.url);
    assert.equal(discovery['token_endpoint'], `${ts.url}/token`);
    const basic = 'Basic ' + Buffer.from(`${A.id}:${A.secret}`).toString('base64');
    const res = await request(`${ts.url}/token`, {
      method: 'POST',
      dispatcher,
      headers: { authorization: basic, 'content-type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=client_credentials',
    });
    const { access_token } = (await res.body.json()) as { access_token: string };
    assert.equal(res.statusCode, 200);
    const verifier = createVerifier({
      issuer: ts.url,
      audience: 'svc-b',
      keys: createRemoteJwks(discovery['jwks_uri']!, { ca }),
    });
    assert.equal((await verifier.verify(access_token)).payload.sub, A.id);
    // Without the CA the certificate is not trusted: fail closed.
    const untrusting = createVerifier({ issuer: ts.url, keys: createRemoteJwks(discovery['jwks_uri']!), cache: false });
    await assert.rejects(untrusting.verify(access_token), (e: unknown) => isTesseraError(e, 'ERR_JWKS_FETCH_FAILED'));
  },
);

test('server.tls paths in a file resolve next to it; an unreadable file is a clear error', () => {
  const cfgDir = mkdtempSync(join(tmpdir(), 'tessera-ts-cfg-'));
  try {
    const file = join(cfgDir, 'tessera.yaml');
    writeFileSync(file, 'server:\n  tls: { cert: certs/c.pem, key: certs/k.pem }\n');
    const config = loadConfig({ file });
    assert.deepEqual(config.server.tls, { cert: join(cfgDir, 'certs/c.pem'), key: join(cfgDir, 'certs/k.pem') });
    writeFileSync(file, 'server:\n  tls: { cert: certs/c.pem }\n');
    assert.throws(() => loadConfig({ file }), /tessera\.yaml:2: server\.tls\.key/);
  } finally {
    rmSync(cfgDir, { recursive: true, force: true });
  }
});
