import type { RevocationStore, TokenLink } from '../storage/index.js';

/**
 * How deep below the revoked token the walk goes: a delegation chain user → gateway → service →
 * service is 3; anything near 16 is a loop of exchanges, not a design.
 */
export const TOKEN_FAMILY_MAX_DEPTH = 16;

/** How many tokens one revocation revokes at most (the token itself included). */
export const TOKEN_FAMILY_MAX_TOKENS = 1000;

/** Options of {@link revokeTokenFamily}. */
export interface RevokeTokenFamilyOptions {
  readonly revocations: Pick<RevocationStore, 'revoke' | 'listChildren'>;
  /** The token being revoked: its `jti` and `exp` in ms. */
  readonly root: TokenLink;
  /** Recorded on every entry: the client that asked for the revocation. */
  readonly clientId?: string;
  /** Default {@link TOKEN_FAMILY_MAX_DEPTH}. */
  readonly maxDepth?: number;
  /** Default {@link TOKEN_FAMILY_MAX_TOKENS}. */
  readonly maxTokens?: number;
}

/** What {@link revokeTokenFamily} did. */
export interface TokenFamilyRevocation {
  /** The entries this call added (`exp` in ms), the root first when it was not revoked before; each is published on its own. */
  readonly added: readonly (TokenLink & { readonly depth: number })[];
  /** How many tokens the walk reached, the root included (revoked now or before). */
  readonly reached: number;
  /** True when a bound (depth or count) stopped the walk before the whole family was reached. */
  readonly truncated: boolean;
}

/**
 * Revokes a token and every token exchanged from it, breadth first: children, grandchildren… Each
 * one becomes a revocation entry of its own (so `GET /revocations`, the stream and the gateways
 * carry it), and a child is walked even when it was revoked already, so a retry after a storage
 * failure finishes the job. Links point from parent to child only: revoking a child never touches
 * its parent. The walk is bounded in depth and count, so one revocation cannot run away; past a
 * bound it stops and says so (`truncated`).
 *
 * @example
 * ```ts
 * const { added, truncated } = await revokeTokenFamily({ revocations: storage.revocations, root: { jti, exp: exp * 1000 }, clientId });
 * ```
 */
export async function revokeTokenFamily(options: RevokeTokenFamilyOptions): Promise<TokenFamilyRevocation> {
  const { revocations, root } = options;
  const maxDepth = options.maxDepth ?? TOKEN_FAMILY_MAX_DEPTH;
  const maxTokens = options.maxTokens ?? TOKEN_FAMILY_MAX_TOKENS;
  const revokeOptions = options.clientId === undefined ? undefined : { clientId: options.clientId };
  const added: (TokenLink & { depth: number })[] = [];
  const seen = new Set<string>([root.jti]);
  let truncated = false;
  if (await revocations.revoke(root.jti, root.exp, revokeOptions)) added.push({ ...root, depth: 0 });
  let level: TokenLink[] = [root];
  for (let depth = 1; level.length > 0; depth += 1) {
    const next: TokenLink[] = [];
    for (const parent of level) {
      // One more than the budget tells a family that is exactly full from one that is cut short.
      const budget = Math.max(maxTokens - seen.size, 0);
      const children = await revocations.listChildren(parent.jti, Math.min(budget + 1, 10_000));
      for (const child of children) {
        if (seen.has(child.jti)) continue;
        if (depth > maxDepth || seen.size >= maxTokens) {
          truncated = true;
          break;
        }
        seen.add(child.jti);
        if (await revocations.revoke(child.jti, child.exp, revokeOptions)) added.push({ ...child, depth });
        next.push(child);
      }
      if (truncated) break;
    }
    if (truncated) break;
    level = next;
  }
  return { added, reached: seen.size, truncated };
}
