import { isTesseraError } from '../errors/tessera-error.js';
import type { PolicySet } from './compile-policies.js';
import type { Explanation, PolicyRequest } from './types.js';

/**
 * Explains a request end to end: authenticates it with the set's RequestAuthentication rules, then
 * explains the authorization; a token no rule accepts is said first (401 before any
 * AuthorizationPolicy), with the authorization that would follow without a principal.
 *
 * @example
 * ```ts
 * logger.info((await explainRequest(policySet, request)).text);
 * ```
 */
export async function explainRequest(set: PolicySet, request: PolicyRequest): Promise<Explanation> {
  try {
    return set.explain(request, await set.authenticate(request));
  } catch (error) {
    const why = isTesseraError(error) ? `${error.code}: ${error.message}` : 'an unexpected error';
    const explanation = set.explain(request, undefined);
    return {
      ...explanation,
      text: `authentication fails (${why}): 401 before any AuthorizationPolicy\n${explanation.text}`,
    };
  }
}
