import { isIP } from 'node:net';
import type { z } from 'zod';
import type { gatewayConfigSchema } from '../gateway-config-schema.js';

/** A cross-reference problem, with the path of the offending field. */
export interface ReferenceProblem {
  readonly path: readonly (string | number)[];
  readonly message: string;
}

/** Checks what a schema cannot: names that must be unique, references that must resolve. */
export function checkGatewayReferences(config: z.output<typeof gatewayConfigSchema>): ReferenceProblem[] {
  const problems: ReferenceProblem[] = [];
  const seen = new Set<string>();
  config.listeners.forEach((l, i) => {
    if (seen.has(l.name))
      problems.push({ path: ['listeners', i, 'name'], message: `duplicate listener name "${l.name}"` });
    seen.add(l.name);
    if (l.tls && (l.tls.requestCert || l.tls.requireClientCert) && !l.tls.clientCa) {
      problems.push({
        path: ['listeners', i, 'tls', 'clientCa'],
        message: 'mTLS (requestCert / requireClientCert) needs a clientCa',
      });
    }
    if (l.tls?.requireClientCert && !l.tls.requestCert) {
      problems.push({
        path: ['listeners', i, 'tls', 'requestCert'],
        message: 'requireClientCert needs requestCert: true',
      });
    }
  });
  const routes = new Set<string>();
  config.routes.forEach((r, i) => {
    if (routes.has(r.name)) problems.push({ path: ['routes', i, 'name'], message: `duplicate route name "${r.name}"` });
    routes.add(r.name);
    const u = new URL(r.upstream);
    if ((u.pathname !== '/' && u.pathname !== '') || u.search || u.hash || u.username || u.password) {
      problems.push({
        path: ['routes', i, 'upstream'],
        message: 'an upstream is scheme://host[:port] with no path, query or credentials',
      });
    }
    if (r.upstreamTls && u.protocol !== 'https:')
      problems.push({ path: ['routes', i, 'upstreamTls'], message: 'upstreamTls needs an https:// upstream' });
    if (r.upstreamTls && (r.upstreamTls.cert === undefined) !== (r.upstreamTls.key === undefined))
      problems.push({ path: ['routes', i, 'upstreamTls'], message: 'cert and key go together' });
    const mint = r.mutations.mint;
    if (mint?.mode === 'exchange') {
      if (!config.tokenService)
        problems.push({
          path: ['routes', i, 'mutations', 'mint', 'mode'],
          message: 'mode "exchange" needs a tokenService section',
        });
      else if (!config.tokenService.clientId || !config.tokenService.clientSecret) {
        const missing = config.tokenService.clientId ? 'clientSecret' : 'clientId';
        problems.push({
          path: ['tokenService', missing],
          message: `route "${r.name}" exchanges tokens: the gateway's client credentials are required (tokenService.clientId, and the secret in TESSERA_GATEWAY_CLIENT_SECRET or tokenService.clientSecret)`,
        });
      }
    }
    const mintHeader = mint?.header;
    for (const [j, c] of r.mutations.claimsToHeaders.entries()) {
      if (
        c.header === mintHeader ||
        c.header === r.mutations.payloadHeader ||
        c.header === 'authorization' ||
        c.header === 'host'
      ) {
        problems.push({
          path: ['routes', i, 'mutations', 'claimsToHeaders', j, 'header'],
          message: `header "${c.header}" is already set by the gateway`,
        });
      }
    }
  });
  const ts = config.tokenService;
  if (ts?.checkRevocations && (!ts.clientId || !ts.clientSecret)) {
    // The token service answers the revocation feed only to an authenticated client allowed to read it.
    problems.push({
      path: ['tokenService', ts.clientId ? 'clientSecret' : 'clientId'],
      message:
        "checkRevocations is on: the revocation feed needs the gateway's client credentials (tokenService.clientId, and the secret in TESSERA_GATEWAY_CLIENT_SECRET or tokenService.clientSecret) of a client with revocations: true at the token service; or set checkRevocations: false",
    });
  }
  if (ts?.decisions.enabled && (!ts.clientId || !ts.clientSecret)) {
    // The token service takes a push only from an authenticated client allowed to report.
    problems.push({
      path: ['tokenService', ts.clientId ? 'clientSecret' : 'clientId'],
      message:
        "decisions.enabled: pushing decisions needs the gateway's client credentials (tokenService.clientId, and the secret in TESSERA_GATEWAY_CLIENT_SECRET or tokenService.clientSecret) of a client with reportDecisions: true at the token service",
    });
  }
  config.trustedProxies.forEach((cidr, i) => {
    const [addr, bits, extra] = cidr.split('/');
    const family = isIP(addr ?? '');
    const max = family === 6 ? 128 : 32;
    if (
      family === 0 ||
      extra !== undefined ||
      (bits !== undefined && (!/^\d{1,3}$/.test(bits) || Number(bits) > max))
    ) {
      problems.push({ path: ['trustedProxies', i], message: `"${cidr}" is not an IP address or CIDR block` });
    }
  });
  const providers = new Set<string>();
  config.policies.extensionProviders.forEach((p, i) => {
    if (providers.has(p.name))
      problems.push({
        path: ['policies', 'extensionProviders', i, 'name'],
        message: `duplicate provider name "${p.name}"`,
      });
    providers.add(p.name);
  });
  if (config.decision.route !== undefined && !routes.has(config.decision.route)) {
    problems.push({ path: ['decision', 'route'], message: `unknown route "${config.decision.route}"` });
  }
  if (config.listeners.some((l) => l.decisionOnly) || config.decision.onProxyListeners) {
    // The decision API believes its caller about another request: name who that caller is.
    if (config.decision.proxy === undefined) {
      problems.push({
        path: ['decision', 'proxy'],
        message: 'the decision API is on: name the front proxy that calls it (nginx, traefik or envoy)',
      });
    }
    if (config.trustedProxies.length === 0) {
      problems.push({
        path: ['trustedProxies'],
        message: 'the decision API is on: list the addresses of the proxies that call it',
      });
    }
  }
  if (!config.listeners.some((l) => !l.decisionOnly) && config.routes.length > 0) {
    problems.push({ path: ['listeners'], message: 'routes are defined but every listener is decisionOnly' });
  }
  return problems;
}
