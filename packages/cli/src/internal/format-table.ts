/**
 * Renders rows as a plain-text table with a header and aligned columns. With `maxWidth`, the
 * widest columns are narrowed until the table fits, and their cells wrap onto continuation lines
 * (at spaces where they can, else mid-word); the first cell of each row stays on its first line,
 * so the table is still read row by row.
 *
 * @example
 * ```ts
 * out(formatTable(['scenario', 'call'], rows, { maxWidth: 100 }));
 * ```
 */
export function formatTable(
  headers: readonly string[],
  rows: readonly (readonly string[])[],
  options: { readonly maxWidth?: number } = {},
): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const separators = 3 * (headers.length - 1);
  const maxWidth = options.maxWidth ?? Infinity;
  // Narrow the widest column, one character at a time, down to a floor of 12 (or its header).
  while (widths.reduce((a, b) => a + b, 0) + separators > maxWidth) {
    const widest = widths.indexOf(Math.max(...widths));
    if (widths[widest]! <= Math.max(12, headers[widest]!.length)) break;
    widths[widest]! -= 1;
  }
  const line = (cells: readonly string[]) => {
    const wrapped = cells.map((c, i) => wrap(c, widths[i]!));
    const height = Math.max(...wrapped.map((w) => w.length));
    const out: string[] = [];
    for (let n = 0; n < height; n++)
      out.push(
        wrapped
          .map((w, i) => (w[n] ?? '').padEnd(widths[i]!))
          .join(' | ')
          .trimEnd(),
      );
    return out.join('\n');
  };
  return [line(headers), widths.map((w) => '-'.repeat(w)).join('-|-'), ...rows.map(line)].join('\n');
}

/** Splits `text` into lines of at most `width` characters, at spaces where possible. */
function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let rest = text;
  while (rest.length > width) {
    const space = rest.lastIndexOf(' ', width);
    const cut = space > 0 ? space : width;
    lines.push(rest.slice(0, cut));
    rest = rest.slice(space > 0 ? cut + 1 : cut);
  }
  lines.push(rest);
  return lines;
}
