import { listOf } from './format';
import { parseLabels, type PolicyForm } from './policy-form';
import type { SimulatorRequestForm } from './simulator-request';

/**
 * The request the simulator starts with for the JWT policy form's YAML: a request to the routes
 * the policies select (their labels and namespace), to the first host and the first exact path
 * named, if any (a pattern names no one request).
 *
 * @example
 * ```ts
 * simulatorRequestFor({ ...EMPTY_POLICY_FORM, labels: 'app=orders', paths: '/api/orders' });
 * // { labels: 'app=orders', namespace: 'default', path: '/api/orders' }
 * ```
 */
export function simulatorRequestFor(form: PolicyForm): Partial<SimulatorRequestForm> {
  const labels = Object.entries(parseLabels(form.labels))
    .map(([k, v]) => `${k}=${v}`)
    .join('\n');
  const namespace = form.namespace.trim();
  const host = form.authorization === 'none' ? undefined : listOf(form.hosts).find((h) => !h.includes('*'));
  const path =
    form.authorization === 'none' ? undefined : listOf(form.paths).find((p) => p.startsWith('/') && !/[*{]/.test(p));
  const method = form.authorization === 'none' ? undefined : listOf(form.methods)[0];
  return {
    labels,
    ...(namespace === '' ? {} : { namespace }),
    ...(host === undefined ? {} : { host }),
    ...(path === undefined ? {} : { path }),
    ...(method === undefined ? {} : { method }),
  };
}
