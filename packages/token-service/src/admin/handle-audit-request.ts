import type { ServerResponse } from 'node:http';
import { tokenServiceErrors } from '../errors.js';
import { sendJson } from '../http/send-json.js';
import type { ServiceContext } from '../http/service-context.js';
import type { AuditQuery } from '../storage/index.js';

/** The filters both audit endpoints take from the query: `actor`, `action` (a prefix), `since` (ms). */
function filtersOf(query: URLSearchParams): Pick<AuditQuery, 'actor' | 'actionPrefix' | 'since'> {
  const actor = query.get('actor') ?? undefined;
  const action = query.get('action') ?? undefined;
  const since = query.get('since') ?? undefined;
  if (since !== undefined && !/^\d{1,15}$/.test(since))
    throw tokenServiceErrors.create('ERR_ADMIN_BAD_REQUEST', 'since is a time in ms since the epoch');
  return {
    ...(actor === undefined || actor === '' ? {} : { actor }),
    ...(action === undefined || action === '' ? {} : { actionPrefix: action }),
    ...(since === undefined ? {} : { since: Number(since) }),
  };
}

/** A page cursor: the `seq` the next page starts before. */
function cursorOf(value: string | null): number | undefined {
  if (value === null || value === '') return undefined;
  if (!/^\d{1,15}$/.test(value))
    throw tokenServiceErrors.create('ERR_ADMIN_BAD_REQUEST', 'cursor is not one this API gave');
  return Number(value);
}

/**
 * The audit log for the admin API and the console:
 * - `GET /admin/audit?limit=N&cursor=C&actor=A&action=P&since=MS`: newest first, `limit` (1–1000,
 *   default 100) at a time; `next` is the cursor of the following page, absent on the last;
 * - `GET /admin/audit/export?actor=A&action=P&since=MS`: every matching record, oldest first, as
 *   JSON lines (`application/x-ndjson`), read from the store a thousand at a time and streamed.
 *
 * @example
 * ```ts
 * if (parts[0] === 'audit') return handleAuditRequest(ctx, res, parts, query);
 * ```
 */
export async function handleAuditRequest(
  ctx: ServiceContext,
  res: ServerResponse,
  parts: readonly string[],
  query: URLSearchParams,
): Promise<void> {
  const filters = filtersOf(query);
  if (parts.length === 1) {
    const limit = Math.min(1000, Math.max(1, Number(query.get('limit') ?? 100) || 100));
    const before = cursorOf(query.get('cursor'));
    const entries = await ctx.storage.audit.list({
      ...filters,
      limit,
      order: 'desc',
      ...(before === undefined ? {} : { beforeSeq: before }),
    });
    const last = entries.at(-1);
    return sendJson(res, 200, {
      entries,
      ...(entries.length === limit && last !== undefined ? { next: String(last.seq) } : {}),
    });
  }
  if (parts.length === 2 && parts[1] === 'export') {
    // The first page is read before the headers go out, so a store error is still a problem answer.
    let page = await ctx.storage.audit.list({ ...filters, limit: 1000 });
    res.writeHead(200, {
      'content-type': 'application/x-ndjson; charset=utf-8',
      'content-disposition': 'attachment; filename="tessera-audit.jsonl"',
      'cache-control': 'no-store',
    });
    while (page.length > 0) {
      const ok = res.write(page.map((e) => `${JSON.stringify(e)}\n`).join(''));
      if (!ok) await new Promise((resolve) => res.once('drain', resolve));
      if (page.length < 1000 || res.destroyed) break;
      page = await ctx.storage.audit.list({ ...filters, limit: 1000, afterSeq: page.at(-1)!.seq });
    }
    res.end();
    return;
  }
  throw tokenServiceErrors.create('ERR_ADMIN_NOT_FOUND', 'no such admin endpoint');
}
