import { createHash } from 'node:crypto';
import { readdir, readFile, realpath, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';

/** A policy file as the gateway enforces it: its path and its text. */
export interface PolicyDocumentText {
  readonly file: string;
  readonly yaml: string;
}

/** The policy set a gateway reports: its files and a hash that changes when any of them does. */
export interface PolicySnapshot {
  /** `sha256-` + base64url of SHA-256 over every file name and text, in order. */
  readonly hash: string;
  readonly documents: readonly PolicyDocumentText[];
}

// The files core's `loadPolicies` reads from a folder: the same rule, so the reported set is the
// enforced one.
const POLICY_FILE = /\.(ya?ml|json)$/i;
/**
 * The kinds reported: the Istio policies the simulator evaluates. A policy folder may hold any
 * Kubernetes manifest (the enforcer skips other kinds), a `Secret` too: only these documents leave
 * the gateway, each written again from its parse, never a file's raw text.
 */
const REPORTED_KINDS = new Set(['AuthorizationPolicy', 'RequestAuthentication']);

/** The file's documents of the reported kinds, as YAML; undefined when it has none. */
function reportedText(text: string): string | undefined {
  const kept = parseAllDocuments(text)
    .filter((doc) => doc.errors.length === 0 && REPORTED_KINDS.has(String(doc.get('kind'))))
    .map((doc) => doc.toString());
  return kept.length === 0 ? undefined : kept.join('---\n');
}

/** Files larger than this are reported by name with a note instead of their text. */
const MAX_FILE_BYTES = 4 * 1024 * 1024;
const MAX_FILES = 1000;

async function listFiles(path: string, out: string[], visited: Set<string>): Promise<void> {
  const info = await stat(path);
  if (!info.isDirectory()) {
    out.push(path);
    return;
  }
  // Followed through symlinks (Kubernetes ConfigMap mounts are symlinks); a loop is cut.
  const real = await realpath(path);
  if (visited.has(real)) return;
  visited.add(real);
  for (const name of (await readdir(path)).sort()) {
    if (name.startsWith('.')) continue; // editor swap files, Kubernetes ..data symlinks
    const child = join(path, name);
    if ((await stat(child)).isDirectory()) await listFiles(child, out, visited);
    else if (POLICY_FILE.test(name)) out.push(child);
  }
}

/**
 * Reads the policy files of `sources` (files, and folders recursively: every `.yaml`, `.yml` and
 * `.json` in name order, dot-files skipped, as the enforcer loads them), keeps their
 * `AuthorizationPolicy` and `RequestAuthentication` documents (nothing else of a file is sent) and
 * hashes them, for the
 * decision reporter: the token service keeps the latest set of every gateway, and the console's
 * policy simulator can load it (issue 17). Read after the set compiled, so it is the set in force
 * (a file changed in between is caught by the reload that change triggers).
 *
 * @example
 * ```ts
 * const { hash, documents } = await readPolicyDocuments(config.policies.sources);
 * ```
 */
export async function readPolicyDocuments(sources: readonly string[]): Promise<PolicySnapshot> {
  const files: string[] = [];
  const visited = new Set<string>();
  for (const source of sources) await listFiles(source, files, visited);
  const documents: PolicyDocumentText[] = [];
  const hash = createHash('sha256');
  for (const file of files.slice(0, MAX_FILES)) {
    const size = (await stat(file)).size;
    const yaml = size > MAX_FILE_BYTES ? `# not reported: ${size} bytes\n` : reportedText(await readFile(file, 'utf8'));
    if (yaml === undefined) continue;
    documents.push({ file, yaml });
    // Length-prefixed, so no two different sets can join into the same bytes.
    hash.update(`${Buffer.byteLength(file)}:${file}${Buffer.byteLength(yaml)}:`).update(yaml);
  }
  return { hash: `sha256-${hash.digest('base64url')}`, documents };
}
