import { readdir, readFile, realpath, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { isTesseraError } from '../errors/tessera-error.js';
import { parsePolicies, policyInvalid, type ParsedPolicies } from './parse-policies.js';
import type { PolicyDocument, PolicyIssue } from './types.js';

/**
 * What {@link loadPolicies} returns: the documents, warnings, and the files read (to watch for reloads).
 *
 * @example
 * ```ts
 * const { files } = await loadPolicies('./policies'); // watch these for hot reload
 * ```
 */
export interface LoadedPolicies extends ParsedPolicies {
  readonly files: readonly string[];
}

const POLICY_FILE = /\.(ya?ml|json)$/i;

async function listFiles(path: string, out: string[], visited = new Set<string>()): Promise<void> {
  const info = await stat(path);
  if (!info.isDirectory()) {
    out.push(path);
    return;
  }
  // Folders are followed through symlinks (Kubernetes ConfigMap mounts are symlinks); a link back
  // to an ancestor must not loop.
  const real = await realpath(path);
  if (visited.has(real)) return;
  visited.add(real);
  const names = (await readdir(path)).sort();
  for (const name of names) {
    if (name.startsWith('.')) continue; // editor swap files, Kubernetes ..data symlinks
    const child = join(path, name);
    const childInfo = await stat(child);
    if (childInfo.isDirectory()) await listFiles(child, out, visited);
    else if (POLICY_FILE.test(name)) out.push(child);
  }
}

/**
 * Reads policies from files and folders (folders recursively: every `.yaml`, `.yml` and `.json`,
 * in name order; dot-files skipped). Every file is parsed and validated before anything is
 * returned; problems from all files are reported together in one `ERR_POLICY_INVALID` with file,
 * line and field path, so a reload that fails can keep the old set and say why.
 *
 * @example
 * ```ts
 * const { documents, warnings } = await loadPolicies(['./policies', './extra.yaml']);
 * const set = compilePolicies(documents, { rootNamespace: 'istio-system' });
 * ```
 */
export async function loadPolicies(paths: string | readonly string[]): Promise<LoadedPolicies> {
  const roots = typeof paths === 'string' ? [paths] : paths;
  const files: string[] = [];
  const issues: PolicyIssue[] = [];
  for (const root of roots) {
    try {
      await listFiles(root, files);
    } catch (error) {
      issues.push({
        file: root,
        path: '(file)',
        message: `cannot read: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
      });
    }
  }
  const documents: PolicyDocument[] = [];
  const warnings: PolicyIssue[] = [];
  for (const file of files) {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (error) {
      issues.push({
        file,
        path: '(file)',
        message: `cannot read: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
      });
      continue;
    }
    try {
      const parsed = parsePolicies(text, { file });
      documents.push(...parsed.documents);
      warnings.push(...parsed.warnings);
    } catch (error) {
      if (isTesseraError(error, 'ERR_POLICY_INVALID'))
        issues.push(...((error.details?.issues as PolicyIssue[] | undefined) ?? []));
      else throw error;
    }
  }
  if (issues.length > 0) throw policyInvalid(issues);
  return { documents, warnings, files };
}
