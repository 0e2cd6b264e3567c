import { LineCounter, parseAllDocuments, isNode } from 'yaml';
import { coreErrors } from '../errors/errors.js';
import { formatFieldPath, locateField } from './field-position.js';
import { validateDocument } from './internal/validate.js';
import type { PolicyDocument, PolicyIssue } from './types.js';

/**
 * Options of {@link parsePolicies}.
 *
 * @example
 * ```ts
 * parsePolicies(text, { file: 'policies/allow.yaml' });
 * ```
 */
export interface ParsePoliciesOptions {
  /** File name used in issues and in each document's `source`. */
  readonly file?: string;
}

/**
 * What {@link parsePolicies} and `loadPolicies` return.
 *
 * @example
 * ```ts
 * const { documents, warnings }: ParsedPolicies = parsePolicies(text);
 * ```
 */
export interface ParsedPolicies {
  /** Validated, frozen documents in file order (other kinds skipped). */
  readonly documents: readonly PolicyDocument[];
  /** Non-fatal findings: skipped documents of other kinds, ignored fields. */
  readonly warnings: readonly PolicyIssue[];
}

const MAX_LISTED = 20;

/**
 * Builds the ERR_POLICY_INVALID error for a list of issues (message lists the first ones).
 *
 * @example
 * ```ts
 * throw policyInvalid([{ file: 'a.yaml', line: 3, path: 'spec.action', message: 'unknown action' }]);
 * ```
 */
export function policyInvalid(issues: readonly PolicyIssue[]): Error {
  const lines = issues.slice(0, MAX_LISTED).map(formatIssue);
  if (issues.length > MAX_LISTED) lines.push(`… and ${issues.length - MAX_LISTED} more`);
  return coreErrors.create('ERR_POLICY_INVALID', `invalid policy:\n  ${lines.join('\n  ')}`, { details: { issues } });
}

/**
 * Formats an issue as `file:line:column: path: message`.
 *
 * @example
 * ```ts
 * formatIssue({ file: 'a.yaml', line: 7, column: 3, path: 'spec.action', message: 'bad' }); // 'a.yaml:7:3: spec.action: bad'
 * ```
 */
export function formatIssue(issue: PolicyIssue): string {
  const where =
    issue.file === undefined
      ? issue.line === undefined
        ? ''
        : `line ${issue.line}: `
      : `${issue.file}${issue.line === undefined ? '' : `:${issue.line}:${issue.column ?? 1}`}: `;
  return `${where}${issue.path}: ${issue.message}`;
}

/**
 * Parses Istio `RequestAuthentication` and `AuthorizationPolicy` YAML (one or many documents
 * separated by `---`; JSON works too) and validates every document. Documents of other kinds are
 * skipped with a warning, so a folder of Kubernetes manifests can be read as is. Duplicate keys
 * are errors (as with `kubectl apply`'s strict field validation), since the last one would
 * otherwise silently win.
 *
 * Throws `ERR_POLICY_INVALID` listing every problem as `file:line:column: field.path: message`;
 * `error.details.issues` holds them as {@link PolicyIssue} objects.
 *
 * @example
 * ```ts
 * const { documents } = parsePolicies(readFileSync('policies.yaml', 'utf8'), { file: 'policies.yaml' });
 * const set = compilePolicies(documents);
 * ```
 */
export function parsePolicies(text: string, options: ParsePoliciesOptions = {}): ParsedPolicies {
  const file = options.file;
  const lineCounter = new LineCounter();
  const docs = parseAllDocuments(text, { lineCounter, uniqueKeys: true, prettyErrors: false });
  const documents: PolicyDocument[] = [];
  const issues: PolicyIssue[] = [];
  const warnings: PolicyIssue[] = [];
  const at = (line: number | undefined, column: number | undefined, path: string, message: string): PolicyIssue => ({
    ...(file === undefined ? {} : { file }),
    ...(line === undefined ? {} : { line, column: column ?? 1 }),
    path,
    message,
  });
  const list = Array.isArray(docs) ? docs : [docs];
  list.forEach((doc, index) => {
    if (doc.errors.length > 0) {
      for (const e of doc.errors) {
        const pos = e.linePos?.[0] ?? lineCounter.linePos(e.pos[0]);
        issues.push(at(pos.line, pos.col, `(document ${index + 1})`, `YAML: ${e.message.split('\n')[0]}`));
      }
      return;
    }
    if (doc.contents === null) return; // an empty document, e.g. after a trailing `---`
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: 100 });
    } catch (error) {
      issues.push(at(undefined, undefined, `(document ${index + 1})`, `YAML: ${(error as Error).message}`));
      return;
    }
    if (value === null || value === undefined) return; // `---` followed by nothing
    const start = isNode(doc.contents) && doc.contents.range ? lineCounter.linePos(doc.contents.range[0]) : undefined;
    const source = {
      ...(file === undefined ? {} : { file }),
      ...(start === undefined ? {} : { line: start.line, column: start.col }),
    };
    const result = validateDocument(value, source);
    for (const issue of result.issues) {
      const pos = locateField(doc, issue.path, lineCounter);
      issues.push(at(pos?.line, pos?.column, formatFieldPath(issue.path), issue.message));
    }
    for (const warning of result.warnings) {
      const pos = locateField(doc, warning.path, lineCounter);
      warnings.push(at(pos?.line, pos?.column, formatFieldPath(warning.path), warning.message));
    }
    if (result.skipped !== undefined)
      warnings.push(at(start?.line, start?.col, '(document)', `skipped: ${result.skipped}`));
    if (result.document !== undefined) documents.push(result.document);
  });
  if (issues.length > 0) throw policyInvalid(issues);
  return { documents, warnings };
}
