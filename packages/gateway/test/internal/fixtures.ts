// Test fixtures built at run time: an RS256 issuer with a real JWKS endpoint on 127.0.0.1:0, and
// a temporary policy folder.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { generateKey, signJwt, type JwtPayload, type SignJwtOptions } from '@tessera/core';
import { createGateway, loadGatewayConfig, type Gateway } from '@tessera/gateway';
import { startEchoUpstream, type EchoUpstream } from './echo-upstream.js';

export const ISSUER = 'https://issuer.tessera.test';
export const silent = pino({ level: 'silent' });

export interface Issuer {
  readonly jwksUrl: string;
  readonly jwksJson: string;
  /** Number of JWKS fetches served. */
  fetches(): number;
  sign(payload: JwtPayload, options?: SignJwtOptions): string;
  close(): Promise<void>;
}

export async function startIssuer(): Promise<Issuer> {
  const key = generateKey('RS256', { kid: 'k1' });
  const jwksJson = JSON.stringify({ keys: [{ ...key.publicJwk, alg: 'RS256', use: 'sig' }] });
  let fetches = 0;
  const server: Server = createServer((req, res) => {
    fetches++;
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(jwksJson);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    jwksUrl: `http://127.0.0.1:${port}/jwks.json`,
    jwksJson,
    fetches: () => fetches,
    sign: (payload, options = {}) =>
      signJwt(payload, key.signingKey, {
        issuer: ISSUER,
        ...(payload.exp === undefined ? { expiresIn: '1h' } : {}),
        ...options,
      }),
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

export function policyDir(files: Record<string, string>): {
  dir: string;
  write(name: string, text: string): void;
  remove(): void;
} {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-gw-policies-'));
  const write = (name: string, text: string) => writeFileSync(join(dir, name), text);
  for (const [name, text] of Object.entries(files)) write(name, text);
  return { dir, write, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

export function requestAuthentication(jwksUri: string, extra = ''): string {
  return `apiVersion: security.istio.io/v1
kind: RequestAuthentication
metadata: { name: jwt, namespace: default }
spec:
  selector: { matchLabels: { app: echo } }
  jwtRules:
    - issuer: ${ISSUER}
      jwksUri: ${jwksUri}
${extra}`;
}

export interface Stack {
  readonly issuer: Issuer;
  readonly upstream: EchoUpstream;
  readonly gateway: Gateway;
  readonly url: string;
  readonly policies: ReturnType<typeof policyDir>;
  close(): Promise<void>;
}

/** Issuer + echo upstream + gateway with the given policy files (`{{JWKS}}` → the issuer's JWKS URL). */
export async function startStack(
  files: Record<string, string>,
  extra: Record<string, unknown> = {},
  routeExtra: Record<string, unknown> = {},
  logger: pino.Logger = silent,
): Promise<Stack> {
  const issuer = await startIssuer();
  const upstream = await startEchoUpstream();
  const policies = policyDir(
    Object.fromEntries(Object.entries(files).map(([k, v]) => [k, v.replaceAll('{{JWKS}}', issuer.jwksUrl)])),
  );
  const config = loadGatewayConfig({
    object: {
      listeners: [{ name: 'main', port: 0 }],
      admin: { port: 0 },
      routes: [{ name: 'echo', upstream: upstream.url, labels: { app: 'echo' }, ...routeExtra }],
      ...extra,
      // `extra.policies` adds to the policy settings (extension providers, ...), keeping the sources.
      policies: { sources: [policies.dir], watch: false, ...(extra.policies as Record<string, unknown> | undefined) },
    },
  });
  const gateway = createGateway(config, { logger });
  await gateway.listen();
  return {
    issuer,
    upstream,
    gateway,
    policies,
    url: gateway.urls.main!,
    close: async () => {
      await gateway.close();
      await upstream.close();
      await issuer.close();
      policies.remove();
    },
  };
}
