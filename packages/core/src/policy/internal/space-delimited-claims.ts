// Space-delimited claims, as Istio configures Envoy's jwt_authn (`normalize_payload_in_metadata`):
// a top-level claim of these names whose value is a string is matched as the list of its
// space-separated parts, so `request.auth.claims[scope]` with `orders:write` matches the OAuth
// scope "orders:read orders:write" (RFC 6749 §3.3 separates scope tokens with spaces).

/** Claims Istio always treats as space-delimited, whatever a jwtRule says. */
export const DEFAULT_SPACE_DELIMITED_CLAIMS: ReadonlySet<string> = new Set(['scope', 'permission']);

/**
 * The set one compiled jwtRule hands to its identities: the defaults plus the rule's
 * `spaceDelimitedClaims`. Built once per rule; a rule without extras shares the default set.
 *
 * @example
 * ```ts
 * spaceDelimitedClaimSet(['roles']); // Set { 'scope', 'permission', 'roles' }
 * ```
 */
export function spaceDelimitedClaimSet(extra: readonly string[] | undefined): ReadonlySet<string> {
  if (extra === undefined || extra.every((name) => DEFAULT_SPACE_DELIMITED_CLAIMS.has(name)))
    return DEFAULT_SPACE_DELIMITED_CLAIMS;
  return new Set([...DEFAULT_SPACE_DELIMITED_CLAIMS, ...extra]);
}

/**
 * A space-delimited claim value as its parts: split on the space character only, empty parts
 * dropped, as Envoy does (`absl::StrSplit(value, ' ', absl::SkipEmpty())`), so `"a  b "` gives
 * `["a", "b"]`. A value with no part (`""`, `"  "`) stays the one string it was: Envoy only
 * replaces the claim when the split yields an element, and Istio then matches the string itself.
 *
 * @example
 * ```ts
 * splitSpaceDelimited('orders:read orders:write'); // ['orders:read', 'orders:write']
 * ```
 */
export function splitSpaceDelimited(value: string): readonly string[] {
  // The common case, one scope or none, allocates nothing but the result.
  if (!value.includes(' ')) return [value];
  const parts = value.split(' ').filter((part) => part.length > 0);
  return parts.length === 0 ? [value] : parts;
}
