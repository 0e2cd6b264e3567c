// Strict JSON for JOSE headers and JWT claim sets. JSON.parse does the parsing (fast, and correct
// about the grammar); two cheap passes add what it does not give us:
// - a scan of the text that counts member separators (`:` outside strings) and bounds nesting depth;
// - a walk of the result that counts members and rejects `__proto__` keys.
// JSON.parse keeps only the last of duplicate member names (RFC 7515 §5.2 and RFC 7519 §4 let a
// verifier reject them instead, which we do), so duplicates show up as fewer members in the result
// than separators in the text.

/**
 * Counts `:` outside strings; -1 when nesting exceeds maxDepth. Assumes `bytes` is valid UTF-8 JSON
 * (multi-byte sequences are all ≥ 0x80, so they never look like structure). A plain loop over the
 * bytes is faster here than jumping from quote to quote with indexOf.
 */
function scan(bytes: Uint8Array, maxDepth: number): number {
  let depth = 0;
  let colons = 0;
  const length = bytes.length;
  for (let i = 0; i < length; i++) {
    const c = bytes[i]!;
    if (c === 34 /* " */) {
      for (i++; i < length; i++) {
        const d = bytes[i]!;
        if (d === 92 /* \ */)
          i++; // skip the escaped character
        else if (d === 34) break;
      }
    } else if (c === 58 /* : */) {
      colons++;
    } else if (c === 123 /* { */ || c === 91 /* [ */) {
      if (++depth > maxDepth) return -1;
    } else if (c === 125 /* } */ || c === 93 /* ] */) {
      depth--;
    }
  }
  return colons;
}

/** Number of object members in `value`, or -1 when a `__proto__` member is found. */
function countMembers(value: unknown): number {
  if (typeof value !== 'object' || value === null) return 0;
  let count = 0;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const n = countMembers(value[i]);
      if (n < 0) return -1;
      count += n;
    }
    return count;
  }
  for (const key in value) {
    if (key === '__proto__') return -1;
    count++;
    const member = (value as Record<string, unknown>)[key];
    if (typeof member === 'object' && member !== null) {
      const n = countMembers(member);
      if (n < 0) return -1;
      count += n;
    }
  }
  return count;
}

/**
 * Parses `text` (the UTF-8 decoding of `bytes`) as a JSON object, or returns a reason string when
 * it is not valid JSON, not an object, nested deeper than `maxDepth`, or has duplicate member names
 * or a `__proto__` member. The caller checks that the bytes are valid UTF-8.
 */
export function parseJsonObject(text: string, bytes: Uint8Array, maxDepth: number): Record<string, unknown> | string {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return 'not valid JSON';
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'not a JSON object';
  const separators = scan(bytes, maxDepth);
  if (separators < 0) return `nested deeper than ${maxDepth}`;
  const members = countMembers(value);
  if (members < 0) return 'has a __proto__ member';
  if (members !== separators) return 'has duplicate member names';
  return value as Record<string, unknown>;
}
