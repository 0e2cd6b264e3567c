// What both policy kinds share in `spec`: the workload selector, and the Kubernetes-only
// `targetRef(s)` that Tessera refuses rather than ignores.
import type { WorkloadSelector } from '../types.js';
import { fieldsOf, type FieldChecker, type FieldPath } from './field-checker.js';

const SELECTOR_FIELDS = fieldsOf<WorkloadSelector>()(['matchLabels']);

/** Validates `spec.selector` (only `matchLabels`, string values); undefined when absent or not a mapping. */
export function validateSelector(c: FieldChecker, value: unknown, path: FieldPath): WorkloadSelector | undefined {
  const obj = c.object(value, path, 'selector');
  if (obj === undefined) return undefined;
  c.keys(obj, path, SELECTOR_FIELDS, 'selector (only matchLabels is supported)');
  const matchLabels = c.stringMap(obj.matchLabels, [...path, 'matchLabels'], 'selector.matchLabels');
  return matchLabels === undefined ? {} : { matchLabels };
}

/**
 * `targetRef` / `targetRefs` select Gateway API resources; applied here they would silently widen
 * (or drop) a policy, so they are errors.
 */
export function rejectTargetRefs(c: FieldChecker, spec: Record<string, unknown>, path: FieldPath): void {
  for (const k of ['targetRef', 'targetRefs']) {
    if (spec[k] !== undefined)
      c.error(
        [...path, k],
        `${k} selects Kubernetes Gateway API resources and is not supported outside Kubernetes; select routes with selector.matchLabels (route labels) instead`,
      );
  }
}
