import type { EnforcerFactoryInput } from '../policy/create-policy-store.js';
import { gatewayErrors } from '../errors.js';
import type { Enforcer } from './verdict.js';

/**
 * The default enforcer factory: compiles RequestAuthentication and AuthorizationPolicy documents
 * with `@tessera/core`'s policy engine.
 *
 * @example
 * ```ts
 * const enforcer = await createEnforcer({ files, config, clock: Date.now, logger, metrics, isRevoked: undefined });
 * ```
 */
export async function createEnforcer(input: EnforcerFactoryInput): Promise<Enforcer> {
  const allow = input.config.policies.defaultAction === 'allow';
  if (input.files.length > 0) throw gatewayErrors.create('ERR_GATEWAY_POLICY_LOAD_FAILED', 'policy engine not wired yet');
  return {
    evaluate: () => (allow
      ? { kind: 'allow', identity: undefined, reason: 'no policy selects the route; defaultAction allow', dryRun: undefined, headerNames: [] }
      : { kind: 'denied', reason: 'no policy selects the route; defaultAction deny', dryRun: undefined, headerNames: [] }),
    managedHeaders: new Set(),
    size: 0,
  };
}
