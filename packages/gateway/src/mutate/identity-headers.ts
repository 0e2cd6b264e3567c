import type { GatewayIdentity } from '../auth/verdict.js';
import type { Prepared } from '../request/prepare-request.js';
import { claimHeaderValue } from './claim-header-value.js';

/**
 * The headers the gateway adds for a verified caller: claims (jwtRule `outputClaimToHeaders` and
 * route `claimsToHeaders`), the payload header, and the minted token. Used for the upstream request
 * and for the decision API's 200 answer.
 */
export function identityHeaders(
  p: Prepared,
  identity: GatewayIdentity | undefined,
  minted: string | undefined,
): { ok: true; headers: string[] } | { ok: false; reason: string } {
  const out: string[] = [];
  const m = p.route.config.mutations;
  if (identity !== undefined) {
    // jwtRules `outputClaimToHeaders`: the same printable-ASCII rule as the route's claim headers.
    for (const [name, value] of identity.headersToAdd) {
      if (!isPrintableAscii(value)) {
        if (m.onUnsafeClaim === 'reject')
          return { ok: false, reason: `header ${name} from a claim holds characters a header cannot carry` };
        continue;
      }
      out.push(name, value);
    }
    for (const rule of m.claimsToHeaders) {
      const v = claimHeaderValue(identity.payload, rule.claim);
      if (v === undefined) continue;
      if (v === null) {
        if (m.onUnsafeClaim === 'reject')
          return { ok: false, reason: `claim ${rule.claim} holds characters a header cannot carry` };
        continue;
      }
      out.push(rule.header, v);
    }
    if (m.payloadHeader !== undefined) {
      // Envoy forwards the token's own base64url payload segment.
      const first = identity.token.indexOf('.');
      out.push(m.payloadHeader, identity.token.slice(first + 1, identity.token.indexOf('.', first + 1)));
    }
  }
  if (minted !== undefined) {
    const h = m.mint!.header;
    out.push(h, h === 'authorization' ? `Bearer ${minted}` : minted);
  }
  return { ok: true, headers: out };
}

function isPrintableAscii(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x20 || c > 0x7e) return false;
  }
  return true;
}
