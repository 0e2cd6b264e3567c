import type { GatewayConfig } from '../config/load-gateway-config.js';
import type { Enforcer } from '../auth/verdict.js';
import type { CompiledRoute } from '../request/route-table.js';
import type { Prepared } from '../request/prepare-request.js';
import { connectionNamed } from '../proxy/hop-headers.js';
import { badRequest, type Outcome } from '../respond/outcome.js';

/** Headers the gateway sets itself on the upstream request; a client copy of any of them is dropped. */
const ALWAYS_MANAGED = [
  'x-forwarded-for',
  'x-forwarded-proto',
  'x-forwarded-host',
  'x-forwarded-port',
  'forwarded',
  'x-real-ip',
  'x-envoy-external-address',
  'x-tessera-principal',
  'x-tessera-request-principal',
  'x-tessera-route',
  'expect',
  'host',
  // Identity headers a client must never bring, because upstreams may trust them: Envoy's
  // (SANITIZE_SET for x-forwarded-client-cert; x-envoy-* is dropped by prefix in upstreamHeaders),
  // Envoy jwt_authn's payload and verification markers, and the decision API's descriptions of an
  // original request (an upstream behind nginx or Traefik may read them).
  'x-forwarded-client-cert',
  'x-jwt-payload',
  'x-jwt-signature-verified',
  'x-original-uri',
  'x-original-method',
  'x-original-host',
  'x-forwarded-uri',
  'x-forwarded-method',
];

/** Credentials the client sends and the upstream may need (a forwarded token, a session cookie). */
const CREDENTIALS = ['authorization', 'proxy-authorization', 'cookie'];

/**
 * The first header that `Connection` names and the gateway must not let it remove (RFC 9110
 * §7.6.1 has a proxy drop what `Connection` lists): a credential, or a header the gateway
 * manages. `Connection: authorization` would otherwise silently strip a forwarded token, so the
 * request is refused instead; `undefined` when `Connection` names none of them.
 *
 */
function connectionRemoves(named: ReadonlySet<string>, managed: ReadonlySet<string>): string | undefined {
  for (const name of named) {
    if (CREDENTIALS.includes(name) || managed.has(name) || name.startsWith('x-envoy-')) return name;
  }
  return undefined;
}

/** The set of header names to drop from the client's request for this route and identity rules. */
export function managedHeaders(route: CompiledRoute, enforcer: Enforcer, config: GatewayConfig): Set<string> {
  const set = new Set<string>(ALWAYS_MANAGED);
  for (const p of config.policies.extensionProviders) for (const h of p.headersToUpstreamOnAllow) set.add(h);
  for (const h of enforcer.managedHeaders) set.add(h);
  const m = route.config.mutations;
  for (const c of m.claimsToHeaders) set.add(c.header);
  if (m.payloadHeader) set.add(m.payloadHeader);
  if (m.mint) set.add(m.mint.header);
  return set;
}

/**
 * {@link managedHeaders} computed once per (policy set, route): the set depends on both, and a
 * reload builds a new policy set, so the cache is keyed by the enforcer and dies with it.
 *
 * @example
 * ```ts
 * const managedFor = createManagedHeaders(config);
 * const drop = managedFor(prepared);
 * ```
 */
export function createManagedHeaders(config: GatewayConfig): (p: Prepared) => ReadonlySet<string> {
  const cache = new WeakMap<Enforcer, Set<string>[]>();
  return (p) => {
    let perRoute = cache.get(p.state.enforcer);
    if (perRoute === undefined) cache.set(p.state.enforcer, (perRoute = []));
    let set = perRoute[p.route.index];
    if (set === undefined) perRoute[p.route.index] = set = managedHeaders(p.route, p.state.enforcer, config);
    return set;
  };
}

/**
 * The 400 for a request whose `Connection` header names a credential or a managed header (see
 * {@link connectionRemoves}); `undefined` when it names none. Both forwarding entries (HTTP and
 * WebSocket) ask this before the pipeline runs.
 *
 * @example
 * ```ts
 * const refused = connectionRefusal(req.headers.connection, managedFor(p));
 * if (refused) return pipeline.respond(entry, x, refused);
 * ```
 */
export function connectionRefusal(
  connection: string | readonly string[] | undefined,
  managed: ReadonlySet<string>,
): Outcome | undefined {
  const named = connectionNamed(connection);
  const removed = named === undefined ? undefined : connectionRemoves(named, managed);
  return removed === undefined ? undefined : badRequest(`Connection names ${removed}, which the gateway must not drop`);
}
