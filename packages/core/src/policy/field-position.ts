import { isNode, type Document, type LineCounter } from 'yaml';

/** A field's path in a YAML document: keys and list indexes. */
export type YamlFieldPath = readonly (string | number)[];

/**
 * `spec.rules[0].to[1]` from `['spec', 'rules', 0, 'to', 1]`; `(document)` for the empty path.
 * Every loader of policy YAML (Istio's, and the gateway's ExtAuthPolicy) names fields this way.
 *
 * @example
 * ```ts
 * formatFieldPath(['spec', 'rules', 0]); // 'spec.rules[0]'
 * ```
 */
export function formatFieldPath(path: YamlFieldPath): string {
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : out.length === 0 ? p : `.${p}`;
  return out.length === 0 ? '(document)' : out;
}

/**
 * The line and column of the node at `path`, or of its nearest existing ancestor, so a missing
 * field points at its parent.
 *
 * @example
 * ```ts
 * const pos = locateField(doc, ['spec', 'jwtRules', 0], lineCounter); // { line: 7, column: 5 }
 * ```
 */
export function locateField(
  doc: Document.Parsed,
  path: YamlFieldPath,
  lines: LineCounter,
): { line: number; column: number } | undefined {
  for (let n = path.length; n >= 0; n--) {
    const node = n === 0 ? doc.contents : doc.getIn(path.slice(0, n), true);
    if (isNode(node) && node.range) {
      const pos = lines.linePos(node.range[0]);
      return { line: pos.line, column: pos.col };
    }
  }
  return undefined;
}
