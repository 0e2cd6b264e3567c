/** A problem found in YAML text, at its line when known (core's `PolicyIssue` fits). */
export interface YamlIssue {
  /** 1-based. */
  readonly line?: number | undefined;
  /** 1-based. */
  readonly column?: number | undefined;
  /** The field, e.g. `spec.rules[0].to[0].operation.paths[1]`. */
  readonly path?: string | undefined;
  readonly message: string;
}

/**
 * The character offset where a 1-based line (and column) starts in `text`, clamped to the text:
 * where the caret goes when an issue is clicked.
 *
 * @example
 * ```ts
 * lineOffset('a\nbc\n', 2, 2); // 3
 * ```
 */
export function lineOffset(text: string, line: number, column = 1): number {
  let offset = 0;
  for (let n = 1; n < line; n++) {
    const next = text.indexOf('\n', offset);
    if (next === -1) return text.length;
    offset = next + 1;
  }
  const end = text.indexOf('\n', offset);
  const lineEnd = end === -1 ? text.length : end;
  return Math.min(offset + Math.max(column, 1) - 1, lineEnd);
}

/**
 * The lines that have issues, each with its messages joined: what the editor's gutter flags.
 *
 * @example
 * ```ts
 * flaggedLines([{ line: 3, message: 'bad' }]).get(3); // 'bad'
 * ```
 */
export function flaggedLines(issues: readonly YamlIssue[]): Map<number, string> {
  const lines = new Map<number, string>();
  for (const issue of issues) {
    if (issue.line === undefined) continue;
    const text = issue.path === undefined ? issue.message : `${issue.path}: ${issue.message}`;
    const earlier = lines.get(issue.line);
    lines.set(issue.line, earlier === undefined ? text : `${earlier}\n${text}`);
  }
  return lines;
}

/**
 * Line count and longest line of `text`: the editor grows to fit them, so the gutter and the text
 * scroll as one in its frame.
 *
 * @example
 * ```ts
 * textExtent('ab\nc'); // { lines: 2, longest: 2 }
 * ```
 */
export function textExtent(text: string): { readonly lines: number; readonly longest: number } {
  const lines = text.split('\n');
  return { lines: lines.length, longest: Math.max(...lines.map((l) => l.length)) };
}
