// The two halves of the strict base64url check (see ../base64url.ts), split so the verifier can run
// the first once over the whole token instead of once per segment: native scans over a flat string
// are cheap, over sliced segments they first copy them.

// Value of each base64url character (only consulted for the final character of a segment).
const VALUES = new Int8Array(128).fill(-1);
for (let i = 0; i < 64; i++)
  VALUES['ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'.charCodeAt(i)] = i;

/**
 * False when `input` holds a character node:crypto's base64url decoder would accept but that is
 * not canonical base64url (`+`, `/`, `=`), or any non-ASCII code unit (the decoder truncates those
 * to a byte, which could land on a valid character). `.` and every other ASCII byte pass here and
 * are caught by {@link decodeSegment}'s length check.
 */
export function isUrlSafeAscii(input: string): boolean {
  return (
    input.indexOf('+') === -1 &&
    input.indexOf('/') === -1 &&
    input.indexOf('=') === -1 &&
    Buffer.byteLength(input, 'utf8') === input.length
  );
}

/**
 * Decodes one segment already known to pass {@link isUrlSafeAscii} (itself or the string it was
 * cut from), or returns `undefined`: length 1 modulo 4, a character outside the alphabet (node
 * skips it, so the output comes out short of 3 bytes per 4 characters) or set unused bits in the
 * last character (RFC 4648 §3.5; only then is the encoding unique).
 */
export function decodeSegment(input: string): Buffer | undefined {
  const length = input.length;
  const rest = length & 3;
  if (rest === 1) return undefined;
  const bytes = Buffer.from(input, 'base64url');
  if (bytes.length !== (length * 3) >>> 2) return undefined;
  if (rest !== 0 && (VALUES[input.charCodeAt(length - 1)]! & (rest === 2 ? 0x0f : 0x03)) !== 0) return undefined;
  return bytes;
}
