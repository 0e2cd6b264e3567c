// Scenario 8 of the brief: the JWKS generator, a small JWKS server, and a gateway JWT policy per
// domain (issuer, audiences, JWKS address, token passthrough, JWKS cache duration, fetch timeout) — with an HS256
// `oct` key (the brief's demo: the secret `k` signs tokens, as on jwt.io) and once with RS256.
import { createServer } from 'node:http';
import { importSigningKey, signJwt, type SigningKey } from '@tessera/core';
import { generateKeyOutput, startJwksServer, type JwksServer } from '@tessera/cli';
import { check } from '../internal/check.js';
import { httpCall } from '../internal/http-client.js';
import { closeServer, listen } from '../internal/listen.js';
import { runAsMain } from '../internal/run-as-main.js';
import { startGateway } from '../internal/start-gateway.js';
import type { ExampleOptions, RunningExample } from '../types.js';
import { jwtPolicyYaml } from './policies.js';

const HS_ISSUER = 'https://jwks-demo.example/hs';
const RS_ISSUER = 'https://jwks-demo.example/rs';

/**
 * Generates an HS256 key (256 bits, use sig, kid `hs-demo`) and an RS256 key with the JWKS
 * generator, publishes each on its own JWKS server, and starts a gateway with two domains
 * (`hs.demo.local` with token passthrough, `rs.demo.local` without) in front of an echo backend.
 *
 * @example
 * ```ts
 * const example = await start();
 * await example.close();
 * ```
 */
export async function start(options: ExampleOptions = {}): Promise<RunningExample> {
  // The JWKS generator: KeySize 256, KeyUse sig, Algorithm HS256, KeyID hs-demo.
  const hs = generateKeyOutput({ alg: 'HS256', size: 256, kid: 'hs-demo' });
  const rs = generateKeyOutput({ alg: 'RS256', kid: 'rs-demo' });
  const servers: JwksServer[] = [];
  const backend = createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' }).end(
      JSON.stringify({
        host: req.headers.host,
        path: req.url,
        tokenPassedThrough: req.headers.authorization !== undefined,
      }),
    );
  });
  try {
    // An oct key in a public JWKS is what the brief's demo does; only ever acceptable in a demo.
    servers.push(await startJwksServer({ jwks: hs.jwks, allowSymmetric: true, maxAgeSeconds: 60 }));
    servers.push(await startJwksServer({ jwks: rs.jwks, maxAgeSeconds: 300 }));
  } catch (error) {
    for (const s of servers) await s.close();
    throw error;
  }
  const [hsJwks, rsJwks] = servers as [JwksServer, JwksServer];
  const backendUrl = await listen(backend);
  const gw = await startGateway(
    {
      listeners: [{ name: 'main', host: '127.0.0.1', port: options.port ?? 0 }],
      // The brief's "token cache duration": how long a fetched JWKS is used before it is refreshed.
      policies: { jwks: { cacheMaxAgeMs: 300_000 } },
      routes: [
        {
          name: 'hs-remote-domain',
          host: 'hs-remote.demo.local',
          upstream: backendUrl,
          labels: { app: 'hs-remote-api' },
        },
        { name: 'hs-domain', host: 'hs.demo.local', upstream: backendUrl, labels: { app: 'hs-api' } },
        { name: 'rs-domain', host: 'rs.demo.local', upstream: backendUrl, labels: { app: 'rs-api' } },
      ],
    },
    {
      // The brief's set-up, a JWKS server publishing the HMAC secret: Tessera refuses it (RFC 8725
      // §3.5: whoever can fetch the set could forge tokens), so this domain fails closed...
      'hs-remote.yaml': jwtPolicyYaml({
        app: 'hs-remote-api',
        issuer: HS_ISSUER,
        audiences: ['demo-api'],
        jwksUri: hsJwks.url,
        passthrough: true,
        timeout: '2s',
      }),
      // ...and the HS256 key goes inline in the policy instead, where only the gateway reads it.
      'hs.yaml': jwtPolicyYaml({
        app: 'hs-api',
        issuer: HS_ISSUER,
        audiences: ['demo-api'],
        jwks: JSON.stringify(hs.jwks),
        passthrough: true,
        timeout: '2s',
      }),
      'rs.yaml': jwtPolicyYaml({
        app: 'rs-api',
        issuer: RS_ISSUER,
        audiences: ['demo-api', 'reports'],
        jwksUri: rsJwks.url,
        passthrough: false,
        timeout: '2s',
      }),
    },
  );
  // Anyone holding `k` signs, exactly as pasting it into jwt.io with "secret base64 encoded".
  const hsKey: SigningKey = importSigningKey(Buffer.from(hs.privateJwk.k as string, 'base64url'), 'HS256', {
    kid: 'hs-demo',
  });
  const rsKey: SigningKey = importSigningKey(rs.privateJwk, 'RS256', { kid: 'rs-demo' });
  const token = (key: SigningKey, issuer: string, audience = 'demo-api') =>
    signJwt({}, key, { issuer, subject: 'demo-user', audience, expiresIn: 300 });
  const call = async (host: string, bearer?: string) => {
    const res = await httpCall(`${gw.url}/anything`, {
      headers: { host, ...(bearer === undefined ? {} : { authorization: `Bearer ${bearer}` }) },
    });
    return res.status === 200
      ? `200 passthrough=${(res.json as { tokenPassedThrough?: boolean }).tokenPassedThrough}`
      : `${res.status} ${res.text.trim()}`;
  };
  return {
    id: '8',
    title: 'JWKS generator + JWKS server + gateway JWT policy (HS256 and RS256)',
    urls: { gateway: gw.url, 'HS256 JWKS': hsJwks.url, 'RS256 JWKS': rsJwks.url, backend: backendUrl },
    checks: [
      check('GET HS256 JWKS server /', '200 success', async () => {
        const res = await httpCall(`${hsJwks.origin}/`);
        return `${res.status} ${res.text}`;
      }),
      check('GET HS256 JWKS server /jwks', '200 kty=oct alg=HS256 use=sig kid=hs-demo k=256 bits', async () => {
        const res = await httpCall(hsJwks.url);
        const k = (res.json as { keys: Record<string, string>[] }).keys[0]!;
        return `${res.status} kty=${k['kty']} alg=${k['alg']} use=${k['use']} kid=${k['kid']} k=${Buffer.from(k['k'] ?? '', 'base64url').length * 8} bits`;
      }),
      check('GET RS256 JWKS server /jwks (public members only)', '200 kty=RSA alg=RS256 private=false', async () => {
        const res = await httpCall(rsJwks.url);
        const k = (res.json as { keys: Record<string, string>[] }).keys[0]!;
        return `${res.status} kty=${k['kty']} alg=${k['alg']} private=${'d' in k}`;
      }),
      check(
        'GET hs-remote.demo.local with an HS256 token (oct key from a remote JWKS)',
        '401 Jwks remote fetch is failed',
        async () => call('hs-remote.demo.local', token(hsKey, HS_ISSUER)),
      ),
      check(
        'GET hs.demo.local with an HS256 token signed with k (key inline in the policy)',
        '200 passthrough=true',
        async () => call('hs.demo.local', token(hsKey, HS_ISSUER)),
      ),
      check(
        'GET hs.demo.local with an audience the policy does not list',
        '401 Audiences in Jwt are not allowed',
        async () => call('hs.demo.local', token(hsKey, HS_ISSUER, 'other-api')),
      ),
      check('GET hs.demo.local without a token', '403 RBAC: access denied', async () => call('hs.demo.local')),
      check('GET rs.demo.local with an RS256 token (no passthrough)', '200 passthrough=false', async () =>
        call('rs.demo.local', token(rsKey, RS_ISSUER, 'reports')),
      ),
      check('GET rs.demo.local with the HS256 token (other issuer)', '401 Jwt issuer is not configured', async () =>
        call('rs.demo.local', token(hsKey, HS_ISSUER)),
      ),
    ],
    hints: [
      `node packages/cli/bin/tessera.js keys generate --alg HS256 --size 256 --kid hs-demo --format jwks`,
      `curl ${hsJwks.url}`,
      `curl -H 'Host: hs.demo.local' ${gw.url}/anything    # 403 without a token`,
    ],
    async close() {
      await gw.close();
      await closeServer(backend);
      for (const s of servers) await s.close();
    },
  };
}

runAsMain(import.meta.url, start);
