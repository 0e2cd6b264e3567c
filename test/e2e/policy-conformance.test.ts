// The policy engine's conformance tables held against the three other places that enforce the
// same YAML: the service middleware (`createAuthenticator({ policies })`), the gateway (real HTTP)
// and `tessera policy check`. Each case's identity becomes a real token signed for it, verified by
// a RequestAuthentication added in the root namespace; every place must allow exactly when the
// engine's table says so. A case a place cannot express (an mTLS peer or SNI at the gateway's
// plain listener, a non-canonical path, a peer namespace apart from its principal, a root
// namespace `policy check` has no option for) is left out for that place, and the counts are printed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { request } from 'undici';
import {
  compilePolicies,
  createAuthenticator,
  generateKey,
  normalizePath,
  parsePolicies,
  signJwt,
  type AuthRequest,
  type PolicyRequest,
} from '@tessera/core';
import { createGateway, loadGatewayConfig } from '@tessera/gateway';
import { runCli } from '@tessera/cli';
import {
  identityFrom,
  loadConformanceTables,
  requestFrom,
  type Case,
  type Group,
  type IdentitySpec,
} from '../../packages/core/test/policy/conformance-tables.js';
import { echoUpstream } from './internal/orders-stack.js';

const key = generateKey('ES256', { kid: 'conformance' });
const silent = pino({ level: 'silent' });

function tokenFor(spec: IdentitySpec): string {
  return signJwt(
    {
      ...spec.claims,
      sub: spec.sub,
      ...(spec.aud === undefined ? {} : { aud: spec.aud }),
      ...(spec.azp === undefined ? {} : { azp: spec.azp }),
    },
    key.signingKey,
    { issuer: spec.iss, expiresIn: 600 },
  );
}

/** A RequestAuthentication in the root namespace trusting the test key for every issuer of the group. */
function requestAuthentication(group: Group): string {
  const issuers = [...new Set(group.cases.flatMap((c) => (c.identity === undefined ? [] : [c.identity.iss])))];
  if (issuers.length === 0) return '';
  const jwks = JSON.stringify({ keys: [key.publicJwk] });
  const rules = issuers.map((iss) => `    - issuer: "${iss}"\n      jwks: '${jwks}'`).join('\n');
  return `\n---\napiVersion: security.istio.io/v1\nkind: RequestAuthentication\nmetadata: { name: conformance-jwt, namespace: ${group.options?.rootNamespace ?? 'istio-system'} }\nspec:\n  jwtRules:\n${rules}\n`;
}

/** The request a client sends for this case: its headers, with the token when there is an identity. */
function headersOf(request: PolicyRequest, c: Case): Record<string, string> {
  const headers: Record<string, string> = { ...(request.headers as Record<string, string>), host: request.host };
  if (c.identity !== undefined) headers['authorization'] = `Bearer ${tokenFor(c.identity)}`;
  return headers;
}

/** The connection the middleware sees: addresses, port, and a verified mTLS peer when the case has one. */
function socketOf(request: PolicyRequest): AuthRequest['socket'] {
  const tls =
    request.peerPrincipal === undefined && request.sni === undefined
      ? {}
      : {
          encrypted: true,
          authorized: request.peerPrincipal !== undefined,
          servername: request.sni,
          getPeerCertificate: () => ({ subjectaltname: `URI:spiffe://${request.peerPrincipal}` }),
        };
  return {
    remoteAddress: request.sourceIp ?? '127.0.0.1',
    localAddress: request.destinationIp ?? '127.0.0.1',
    localPort: request.port,
    ...tls,
  } as unknown as AuthRequest['socket'];
}

const target = (request: PolicyRequest) => `${request.path}${request.query === undefined ? '' : `?${request.query}`}`;

/** A path the HTTP front ends would rewrite or refuse cannot be compared with the engine's verdict. */
function canonical(request: PolicyRequest): boolean {
  try {
    return normalizePath(target(request)).path === request.path;
  } catch {
    return false;
  }
}

async function policyCheck(args: string[]): Promise<number> {
  // The CLI writes its explanation to stdout and its error line to stderr: keep them out of the report.
  const out = process.stdout.write.bind(process.stdout);
  const err = process.stderr.write.bind(process.stderr);
  process.stdout.write = () => true;
  process.stderr.write = () => true;
  try {
    return await runCli(['node', 'tessera', ...args]);
  } finally {
    process.stdout.write = out;
    process.stderr.write = err;
  }
}

test('the middleware, the gateway and `tessera policy check` decide every conformance case as the engine does', async (t) => {
  const upstream = await echoUpstream();
  const dir = mkdtempSync(join(tmpdir(), 'tessera-conformance-'));
  const counts = { cases: 0, middleware: 0, gateway: 0, cli: 0 };
  try {
    let n = 0;
    for (const { file, groups } of loadConformanceTables()) {
      for (const group of groups) {
        const yaml = `${group.policies ?? ''}${requestAuthentication(group)}`;
        const reference = compilePolicies(parsePolicies(group.policies ?? '').documents, group.options);
        const enforced = compilePolicies(parsePolicies(yaml).documents, group.options);
        const folder = join(dir, `group-${n++}`);
        writeFileSync(`${folder}.yaml`, yaml);
        const base = requestFrom(group.request);
        // A CUSTOM policy needs a configured provider at the gateway: its own tests cover that.
        const gatewayUsable = !/action:\s*CUSTOM/.test(group.policies ?? '');
        const gateway = createGateway(
          loadGatewayConfig({
            object: {
              listeners: [{ port: 0 }],
              admin: { enabled: false },
              routes: [
                {
                  name: 'conformance',
                  upstream: upstream.url,
                  labels: base.routeLabels ?? {},
                  ...(base.routeNamespace === undefined ? {} : { namespace: base.routeNamespace }),
                },
              ],
              policies: {
                sources: [`${folder}.yaml`],
                watch: false,
                ...(group.options?.defaultAction === undefined ? {} : { defaultAction: group.options.defaultAction }),
                ...(group.options?.rootNamespace === undefined ? {} : { rootNamespace: group.options.rootNamespace }),
              },
            },
          }),
          { logger: silent },
        );
        if (gatewayUsable) await gateway.listen();
        try {
          for (const c of group.cases) {
            const where = `${file} › ${group.name} › ${c.name}`;
            const pr = requestFrom(group.request, c.request);
            const expected = reference.authorize(
              pr,
              c.identity === undefined ? undefined : identityFrom(c.identity),
            ).allowed;
            counts.cases++;
            // A peer namespace given apart from the principal is not something a connection can carry.
            const explicitNamespace = c.request?.['peerNamespace'] ?? group.request?.['peerNamespace'];
            if (!canonical(pr) || explicitNamespace !== undefined) continue;
            const headers = headersOf(pr, c);

            // The middleware, in process, with the case's connection.
            const auth = createAuthenticator({
              policies: enforced,
              ...(pr.routeLabels === undefined ? {} : { labels: pr.routeLabels }),
              ...(pr.routeNamespace === undefined ? {} : { namespace: pr.routeNamespace }),
              ...(pr.remoteIp !== undefined && pr.remoteIp !== pr.sourceIp ? { trustedProxies: 1 } : {}),
            });
            const viaProxy = pr.remoteIp !== undefined && pr.remoteIp !== pr.sourceIp;
            const result = await auth.authenticate({
              method: pr.method,
              url: target(pr),
              headers: viaProxy ? { ...headers, 'x-forwarded-for': pr.remoteIp } : headers,
              socket: socketOf(pr),
            });
            assert.equal(result.ok, expected, `middleware: ${where}: ${result.ok ? 'allowed' : result.body}`);
            counts.middleware++;

            // The gateway over HTTP: the connection is the test's, so only cases about the request itself.
            const sameRoute =
              JSON.stringify(pr.routeLabels ?? {}) === JSON.stringify(base.routeLabels ?? {}) &&
              pr.routeNamespace === base.routeNamespace;
            const plainConnection =
              pr.peerPrincipal === undefined &&
              pr.sni === undefined &&
              pr.sourceIp === undefined &&
              pr.remoteIp === undefined &&
              pr.port === 80 &&
              !/\b(ports|ipBlocks|remoteIpBlocks|principals|namespaces)\b|destination\.|source\.|remote\.ip|connection\./.test(
                group.policies ?? '',
              );
            if (gatewayUsable && sameRoute && plainConnection) {
              const res = await request(`${gateway.urls.main}${target(pr)}`, { method: pr.method, headers });
              await res.body.dump();
              assert.equal(res.statusCode === 200, expected, `gateway: ${where}: ${res.statusCode}`);
              counts.gateway++;
            }

            // `tessera policy check`: the options it has (no SNI, no separate remote address, no root namespace).
            // (`--peer-principal` takes a SPIFFE ID with or without `spiffe://`, as a certificate names it.)
            const cliExpressible =
              pr.sni === undefined &&
              !viaProxy &&
              group.options?.rootNamespace === undefined &&
              pr.peerPrincipal?.startsWith('spiffe://') !== true;
            if (cliExpressible) {
              const args = [
                'policy',
                'check',
                '--policies',
                `${folder}.yaml`,
                '--method',
                pr.method,
                '--path',
                target(pr),
              ];
              args.push('--host', pr.host, '--port', String(pr.port), '--namespace', pr.routeNamespace ?? 'default');
              args.push('--default-action', group.options?.defaultAction ?? 'deny');
              if (pr.sourceIp !== undefined) args.push('--source-ip', pr.sourceIp);
              if (pr.peerPrincipal !== undefined) args.push('--peer-principal', pr.peerPrincipal);
              for (const [k, v] of Object.entries(pr.routeLabels ?? {})) args.push('--label', `${k}=${v}`);
              for (const [k, v] of Object.entries(pr.headers)) if (v !== undefined) args.push('--header', `${k}: ${v}`);
              if (c.identity !== undefined) args.push('--token', tokenFor(c.identity));
              const code = await policyCheck(args);
              assert.equal(code, expected ? 0 : 1, `policy check: ${where}: exit ${code}`);
              counts.cli++;
            }
          }
        } finally {
          await gateway.close();
        }
      }
    }
  } finally {
    await upstream.close();
    rmSync(dir, { recursive: true, force: true });
  }
  t.diagnostic(
    `${counts.cases} cases: middleware ${counts.middleware}, gateway ${counts.gateway}, policy check ${counts.cli}`,
  );
  // Most of the tables must be comparable, or this test says little.
  assert.ok(counts.middleware >= counts.cases * 0.9, JSON.stringify(counts));
  assert.ok(counts.gateway >= counts.cases * 0.4, JSON.stringify(counts));
  assert.ok(counts.cli >= counts.cases * 0.8, JSON.stringify(counts));
});
