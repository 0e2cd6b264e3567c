import { api, ApiError } from './api';
import type { ReportedPolicies, ReportingGateway } from './simulator-report';

/**
 * The gateways whose live policy set the simulator can load: those reporting a policy set this
 * service holds. A service without the gateway registry answers 404: that is "none", not an error,
 * and the simulator keeps its paste path.
 *
 * @example
 * ```ts
 * const gateways = await gatewaysWithPolicies(); // [] when none reports (or the API has no registry)
 * ```
 */
export async function gatewaysWithPolicies(): Promise<readonly ReportingGateway[]> {
  try {
    const { gateways } = await api<{ gateways?: readonly ReportingGateway[] }>('/admin/gateways');
    return (gateways ?? []).filter((g) => g.hasPolicies ?? g.policyHash !== undefined);
  } catch (err) {
    if (err instanceof ApiError && err.status === 404) return [];
    throw err;
  }
}

/**
 * The policy files a gateway last reported, as one YAML text for the editor: each file's documents
 * after a `# file:` comment, files separated by `---`. What the linter then says is at the lines of
 * this text, the one on screen.
 *
 * @example
 * ```ts
 * const { hash, yaml } = await gatewayPolicyYaml('gw-1');
 * ```
 */
export async function gatewayPolicyYaml(id: string): Promise<{ readonly hash: string; readonly yaml: string }> {
  const reported = await api<ReportedPolicies>(`/admin/gateways/${encodeURIComponent(id)}/policies`);
  return { hash: reported.hash, yaml: joinPolicyFiles(reported.documents) };
}

/**
 * Policy files as one multi-document YAML text. A file's name goes in a comment with its line
 * breaks removed (a comment cannot end early); every file ends in a newline before the next `---`.
 *
 * @example
 * ```ts
 * joinPolicyFiles([{ file: 'a.yaml', yaml: 'kind: A' }, { file: 'b.yaml', yaml: 'kind: B\n' }]);
 * // '# file: a.yaml\nkind: A\n---\n# file: b.yaml\nkind: B\n'
 * ```
 */
export function joinPolicyFiles(files: readonly { readonly file: string; readonly yaml: string }[]): string {
  return files
    .map(({ file, yaml }) => `# file: ${file.replace(/[\r\n]+/g, ' ')}\n${yaml.endsWith('\n') ? yaml : `${yaml}\n`}`)
    .join('---\n');
}
