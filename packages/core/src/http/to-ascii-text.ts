// Header values and OAuth error descriptions are ASCII (RFC 6750 §3, RFC 6749 §5.2), but Tessera's
// messages cite RFCs with "§" and use a few typographic characters. Spelled out here, they stay
// readable instead of turning into "?".
const SPELLED: Readonly<Record<string, string>> = {
  '§': 'section ',
  '→': '->',
  '←': '<-',
  '…': '...',
  '–': '-',
  '—': '-',
  '‘': "'",
  '’': "'",
  '“': "'",
  '”': "'",
  '×': 'x',
  '≥': '>=',
  '≤': '<=',
  '≠': '!=',
  '\u00a0': ' ',
};

/**
 * Replaces the typographic characters Tessera's messages use with ASCII spellings (`§7.1` →
 * `section 7.1`, `→` → `->`); other characters are left for the caller's own filter.
 *
 * @example
 * ```ts
 * toAsciiText('not a compact JWS (RFC 7515 §7.1)'); // 'not a compact JWS (RFC 7515 section 7.1)'
 * ```
 */
export function toAsciiText(text: string): string {
  return text.replace(/[§→←…–—‘’“”×≥≤≠\u00a0]/g, (c) => SPELLED[c] ?? c);
}
