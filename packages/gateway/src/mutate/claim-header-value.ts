import type { JwtPayload } from '@tessera/core';

/** `undefined`: the claim is absent or not a scalar/array of scalars; `null`: present but unsafe for a header. */
export type ClaimHeaderValue = string | undefined | null;

/**
 * The header value for a claim (`outputClaimToHeaders`, route `claimsToHeaders`). Dots select
 * nested members (`realm_access.roles`); strings, numbers and booleans are written as text; an array
 * of those is joined with `,` (Envoy cannot do arrays). Only printable ASCII may reach a header:
 * a value with CR, LF, another control character or a non-ASCII character returns `null` so the
 * caller rejects or drops it; it is never injected or silently rewritten.
 *
 * @example
 * ```ts
 * claimHeaderValue({ groups: ['a', 'b'] }, 'groups'); // 'a,b'
 * claimHeaderValue({ sub: 'x\r\nX-Admin: 1' }, 'sub'); // null
 * ```
 */
export function claimHeaderValue(payload: Readonly<JwtPayload>, claim: string): ClaimHeaderValue {
  let value: unknown = payload;
  for (const key of claim.split('.')) {
    if (value === null || typeof value !== 'object' || Array.isArray(value) || !Object.hasOwn(value, key))
      return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  let text: string;
  if (Array.isArray(value)) {
    const parts: string[] = [];
    for (const v of value) {
      const s = scalar(v);
      if (s === undefined) return undefined;
      parts.push(s);
    }
    text = parts.join(',');
  } else {
    const s = scalar(value);
    if (s === undefined) return undefined;
    text = s;
  }
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x20 || c > 0x7e) return null;
  }
  return text;
}

function scalar(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : undefined;
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  return undefined;
}
