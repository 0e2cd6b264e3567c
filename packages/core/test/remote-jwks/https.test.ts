// HTTPS with a self-signed certificate (as the examples use): trusted through `ca` or `agent`,
// refused otherwise. The certificate is made by the openssl CLI at run time; without it the test skips.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { Agent, createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRemoteJwks, discoverIssuer, generateKey, isTesseraError } from '@tessera/core';

function selfSigned(): { key: string; cert: string } | undefined {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-tls-'));
  try {
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
    if (r.status !== 0) return undefined;
    return { key: readFileSync(join(dir, 'key.pem'), 'utf8'), cert: readFileSync(join(dir, 'cert.pem'), 'utf8') };
  } catch {
    return undefined;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const tls = selfSigned();
const jwk = generateKey('ES256', { kid: 'k1' }).publicJwk;
const clock = () => Date.UTC(2026, 0, 1);

test(
  'remote JWKS and discovery over https with a private CA',
  { skip: tls === undefined ? 'the openssl CLI is not available to make a test certificate' : false },
  async (t) => {
    let jwksUri = '';
    let base = '';
    const server = createServer({ key: tls!.key, cert: tls!.cert }, (req, res) => {
      res.setHeader('content-type', 'application/json');
      if (req.url === '/.well-known/openid-configuration')
        return void res.end(JSON.stringify({ issuer: base, jwks_uri: jwksUri }));
      if (req.url === '/jwks') return void res.end(JSON.stringify({ keys: [jwk] }));
      res.writeHead(404).end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    t.after(
      () =>
        new Promise<void>((r) => {
          server.closeAllConnections();
          server.close(() => r());
        }),
    );
    base = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
    jwksUri = `${base}/jwks`;

    const trusted = createRemoteJwks(jwksUri, { ca: tls!.cert, clock });
    t.after(() => trusted.close());
    await trusted.refresh();
    assert.deepEqual(
      trusted.keys.map((k) => k.kid),
      ['k1'],
    );

    const untrusted = createRemoteJwks(jwksUri, { clock });
    t.after(() => untrusted.close());
    await assert.rejects(
      untrusted.refresh(),
      (e: unknown) =>
        isTesseraError(e, 'ERR_JWKS_FETCH_FAILED') && (e.details as { reason?: string }).reason === 'network',
    );

    const agent = new Agent({ ca: tls!.cert });
    t.after(() => agent.destroy());
    const discovered = createRemoteJwks({ issuer: base, agent, clock });
    t.after(() => discovered.close());
    await discovered.warmup();
    assert.equal(discovered.stats().url, jwksUri);

    // An https issuer must not send us to plain http for its keys.
    jwksUri = 'http://127.0.0.1:1/jwks';
    await assert.rejects(
      discoverIssuer(base, { agent }),
      (e: unknown) => isTesseraError(e, 'ERR_DISCOVERY_FAILED') && /scheme http:/.test(e.message),
    );
  },
);
