export type * from './types.js';
export { cookieValues, splitCookies, type SplitCookies } from './cookie-values.js';
export { formatFieldPath, locateField, type YamlFieldPath } from './field-position.js';
export { parsePolicies, formatIssue, type ParsePoliciesOptions, type ParsedPolicies } from './parse-policies.js';
export { loadPolicies, type LoadedPolicies } from './load-policies.js';
export {
  compilePolicies,
  type CompilePoliciesOptions,
  type PolicySet,
  type PolicySummary,
  type JwtKeySourceRequest,
  type KeySourceFactory,
} from './compile-policies.js';
export { createPolicyWatcher, type PolicyWatcher, type PolicyWatcherOptions } from './create-policy-watcher.js';
export { watchPolicySources } from './watch-policy-sources.js';
export { explainRequest } from './explain-request.js';
export { simulateDecision, type AssumedPrincipal, type SimulatedDecision } from './simulate-decision.js';
