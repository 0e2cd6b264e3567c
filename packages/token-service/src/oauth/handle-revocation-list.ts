import type { ServerResponse } from 'node:http';
import { sendJson } from '../http/send-json.js';
import type { ServiceContext } from '../http/service-context.js';
import { readPaging } from './internal/read-paging.js';

/**
 * `GET /revocations?since=<cursor>&limit=N`: the revocations gateways poll (issue 3: revoked tokens
 * are denied before they expire). Answers `{ revocations: [{ jti, exp }], cursor, withdrawnKeys }`
 * with `exp` in seconds, oldest first; pass `cursor` back as `since` to get only what is new.
 * `withdrawnKeys: [{ kid, at }]` (seconds) lists the signing keys withdrawn in an emergency whose
 * tokens may still be about, whatever the cursor: a gateway drops them from its key sets. Not public: the
 * route runs it only after `authorizeRevocationReader` (HTTP Basic client authentication and the
 * client's `revocations` permission; hardening issue).
 *
 * @example
 * ```ts
 * const basic = Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64');
 * const res = await fetch(`${issuer}/revocations?since=${last}`, { headers: { authorization: `Basic ${basic}` } });
 * const { revocations, cursor } = await res.json();
 * ```
 */
export async function handleRevocationList(
  ctx: ServiceContext,
  res: ServerResponse,
  query: URLSearchParams,
): Promise<void> {
  const paging = readPaging(query);
  if (paging === undefined)
    return sendJson(res, 400, {
      error: 'invalid_request',
      error_description: 'since must be a cursor from a previous answer, limit 1-1000',
    });
  const page = await ctx.storage.revocations.listSince(paging.since, paging.limit);
  sendJson(
    res,
    200,
    {
      revocations: page.items.map((r) => ({ jti: r.jti, exp: Math.floor(r.exp / 1000) })),
      cursor: page.cursor,
      // Not paged by the cursor: the whole (short) list every time, so a gateway that polls or
      // restarts always knows every key it must not trust.
      withdrawnKeys: ctx.keyRing.withdrawnKeys(),
    },
    { 'cache-control': 'no-store' },
  );
}
