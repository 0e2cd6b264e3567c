// Renders the Kustomize overlays of deploy/kubernetes with a real kubectl, for the manifest test and
// the scale-out test. kubectl is `$TESSERA_TEST_KUBECTL` (.ci/run points it at Debian 12's kubectl
// 1.20, whose kustomize v2.0.3 is the oldest the manifests promise to render with), else `kubectl`
// on the PATH.
import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { parseAllDocuments } from 'yaml';

const run = promisify(execFile);

/** The repository's deploy/kubernetes folder. */
export const kubernetesDir = new URL('../../../deploy/kubernetes/', import.meta.url).pathname;

/** A rendered Kubernetes object (as parsed YAML). */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [field: string]: unknown;
}

/** The kubectl to render with and its version, or why there is none (the tests then skip). */
export function findKubectl(): { path: string; version: string } | { missing: string } {
  const path = process.env['TESSERA_TEST_KUBECTL'] ?? 'kubectl';
  try {
    const out = execFileSync(path, ['version', '--client'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    // 1.20 prints `version.Info{… GitVersion:"v1.20.2" …}`, newer ones `Client Version: v1.32.4`.
    const version = /GitVersion:"(v[^"]+)"/.exec(out)?.[1] ?? /Client Version: (v\S+)/.exec(out)?.[1];
    return { path, version: version ?? 'unknown' };
  } catch {
    return { missing: `no kubectl (${path}): install Debian's kubernetes-client, or set TESSERA_TEST_KUBECTL` };
  }
}

/** `kubectl kustomize <deploy/kubernetes/relative>`, parsed into objects. */
export async function renderKustomization(kubectl: string, relative: string): Promise<KubeObject[]> {
  const { stdout } = await run(kubectl, ['kustomize', `${kubernetesDir}${relative}`], { maxBuffer: 16 * 1024 * 1024 });
  return parseAllDocuments(stdout)
    .map((doc) => doc.toJS() as KubeObject | null)
    .filter((o): o is KubeObject => o !== null);
}
