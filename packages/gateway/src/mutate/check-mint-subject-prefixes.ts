import type { PolicyDocument } from '@tessera/core';
import type { GatewayConfig } from '../config/load-gateway-config.js';
import { gatewayErrors } from '../errors.js';

// Documents without `metadata.namespace` are in this namespace (core's compilePolicies default,
// which the gateway keeps).
const DEFAULT_NAMESPACE = 'default';

/**
 * Refuses a policy set under which a `self`-minting route would accept callers of an issuer that
 * has no `minting.subjectPrefixes` entry: the minter could not name such a caller without risking
 * one issuer's `alice` being taken for another's. A route accepts the issuers of the `jwtRules` of
 * every RequestAuthentication that selects it, as Istio selects them: in the route's namespace or
 * the root namespace, with a `selector.matchLabels` the route's labels satisfy (or none). Throws
 * `ERR_GATEWAY_POLICY_LOAD_FAILED` naming the file, line, rule, route and issuer, so the policy set
 * is not applied (at start, the gateway does not start; on reload, the previous set stays).
 *
 * @example
 * ```ts
 * checkMintSubjectPrefixes(documents, config); // before compiling the documents
 * ```
 */
export function checkMintSubjectPrefixes(documents: readonly PolicyDocument[], config: GatewayConfig): void {
  const prefixes = config.minting.subjectPrefixes;
  const minting = config.routes.filter((r) => r.mutations.mint?.mode === 'self');
  if (minting.length === 0) return;
  for (const doc of documents) {
    if (doc.kind !== 'RequestAuthentication') continue;
    const namespace = doc.metadata.namespace ?? DEFAULT_NAMESPACE;
    const labels = Object.entries(doc.spec?.selector?.matchLabels ?? {});
    for (const route of minting) {
      if (namespace !== config.policies.rootNamespace && namespace !== route.namespace) continue;
      if (!labels.every(([k, v]) => route.labels[k] === v)) continue;
      (doc.spec?.jwtRules ?? []).forEach((rule, i) => {
        if (Object.hasOwn(prefixes, rule.issuer)) return;
        const where = `${doc.source?.file ?? '<policy>'}${doc.source?.line ? `:${doc.source.line}` : ''}`;
        throw gatewayErrors.create(
          'ERR_GATEWAY_POLICY_LOAD_FAILED',
          `${where}: spec.jwtRules[${i}].issuer: route "${route.name}" mints tokens for its callers (mint mode self), and the issuer ${JSON.stringify(rule.issuer)} has no subject prefix: add it to minting.subjectPrefixes in the gateway configuration, e.g. ${JSON.stringify(rule.issuer)}: "<name>:"`,
          {
            details: {
              file: doc.source?.file,
              line: doc.source?.line,
              field: `spec.jwtRules[${i}].issuer`,
              route: route.name,
              issuer: rule.issuer,
            },
          },
        );
      });
    }
  }
}
