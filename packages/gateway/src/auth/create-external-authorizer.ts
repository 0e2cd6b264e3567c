import { request } from 'undici';
import type { ExternalAuthorizationResult, ExternalAuthorizer } from '@tessera/core';
import type { GatewayConfig } from '../config/load-gateway-config.js';

type Provider = GatewayConfig['policies']['extensionProviders'][number];

const SAFE_VALUE = /^[\x20-\x7e\t]*$/;

/**
 * The HTTP client for CUSTOM AuthorizationPolicies, in the manner of Envoy's ext_authz HTTP
 * service: the provider gets the original method, the original (normalized) path appended to its
 * URL path and the configured request headers, no body. A 2xx answer allows (listed headers go to
 * the upstream); any other answer denies with the provider's status, body and listed headers; a
 * timeout, a network error or an unknown provider denies (fail closed).
 *
 * @example
 * ```ts
 * const ext = createExternalAuthorizer(config.policies.extensionProviders);
 * const decision = await policySet.authorizeWithProviders(request, identity, ext);
 * ```
 */
export function createExternalAuthorizer(providers: readonly Provider[]): ExternalAuthorizer {
  const byName = new Map(providers.map((p) => [p.name, p]));
  return async ({ provider, request: r }): Promise<ExternalAuthorizationResult> => {
    const p = byName.get(provider);
    if (p === undefined) return { allowed: false, status: 403, body: 'RBAC: access denied' };
    const base = new URL(p.url);
    const url = new URL(`${base.pathname.replace(/\/+$/, '')}${r.path}${r.query ? `?${r.query}` : ''}`, base.origin);
    const headers: Record<string, string> = { host: r.host };
    for (const name of p.includeRequestHeaders) {
      const v = r.headers[name];
      if (typeof v === 'string') headers[name] = v;
    }
    const res = await request(url, {
      method: r.method as 'GET',
      headers,
      headersTimeout: p.timeoutMs,
      bodyTimeout: p.timeoutMs,
      signal: AbortSignal.timeout(p.timeoutMs),
    });
    const body = await res.body.text();
    const pick = (names: readonly string[]) => {
      const out: [string, string][] = [];
      for (const name of names) {
        const v = res.headers[name];
        for (const value of v === undefined ? [] : Array.isArray(v) ? v : [v])
          if (SAFE_VALUE.test(value)) out.push([name, value]);
      }
      return out;
    };
    if (res.statusCode >= 200 && res.statusCode < 300)
      return { allowed: true, headers: pick(p.headersToUpstreamOnAllow) };
    return {
      allowed: false,
      status: res.statusCode >= 400 && res.statusCode < 600 ? res.statusCode : 403,
      body: body.slice(0, 4096),
      headers: pick(p.headersToDownstreamOnDeny),
    };
  };
}
