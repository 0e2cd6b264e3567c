import type { IncomingMessage, ServerResponse } from 'node:http';
import { tokenServiceErrors } from '../errors.js';
import { sendJson } from '../http/send-json.js';
import type { ServiceContext } from '../http/service-context.js';
import { matchesDecision, type DecisionFilter } from './decision-buffer.js';
import { decisionGraph } from './decision-graph.js';
import { openDecisionStream } from './open-decision-stream.js';

const ACTIONS = new Set(['allow', 'deny', 'dry-run']);
const NO_STORE = { 'cache-control': 'no-store' };
/** The last graph each replica's hub drew, with the buffer state and filter it was drawn for. */
const graphs = new WeakMap<object, { readonly key: string; readonly graph: ReturnType<typeof decisionGraph> }>();

const badRequest = (message: string) => tokenServiceErrors.create('ERR_ADMIN_BAD_REQUEST', message);

/** A sequence number from the query or `Last-Event-ID`: digits only, a safe integer. */
function readSeq(value: string, what: string): number {
  if (!/^\d{1,15}$/.test(value)) throw badRequest(`${what} must be a sequence number (a decision's seq)`);
  return Number(value);
}

/** The filter members of the query (`action`, `route`, `gateway`, `source`, `destination`). */
function readFilter(query: URLSearchParams): DecisionFilter {
  const one = (name: string): string | undefined => {
    const values = query.getAll(name);
    if (values.length > 1) throw badRequest(`${name} may be given once`);
    const v = values[0];
    if (v !== undefined && (v.length === 0 || v.length > 1024)) throw badRequest(`${name} must be 1-1024 characters`);
    return v;
  };
  const action = one('action');
  if (action !== undefined && !ACTIONS.has(action)) throw badRequest('action must be allow, deny or dry-run');
  return {
    action,
    route: one('route'),
    gateway: one('gateway'),
    source: one('source'),
    destination: one('destination'),
  };
}

/**
 * The admin API's reads of what gateways report (issue 17), for the admin token or a console
 * session of either role (they are GETs). `parts` is the path below `/admin/`:
 *
 * - `GET /admin/gateways` → `{ gateways: [{ id, clientId, firstSeen, lastSeen, healthy, intervalMs?,
 *   counts: { allowed, denied, dryRun }, dropped, policyHash?, hasPolicies }] }` (times in ms;
 *   healthy = seen within three push intervals, or 30 s); `GET /admin/gateways/:id` → one of them;
 * - `GET /admin/gateways/:id/policies` → the latest policy set it reported, `{ hash, documents:
 *   [{ file, yaml }], receivedAt }` (404 when none arrived);
 * - `GET /admin/decisions?after=&limit=&action=&route=&gateway=&source=&destination=` → `{ decisions,
 *   next, dropped }`: with `after`, the decisions after that seq (oldest first, up to `limit`, 1–1000,
 *   default 100); without it, the newest `limit`. `next` is the cursor to ask with next; `dropped`
 *   how many after `after` had left the buffer already;
 * - `GET /admin/decisions/graph?gateway=&route=&action=` → the service graph of the decisions in the
 *   buffer (see `decisionGraph`), computed here, never only in the browser;
 * - `GET /admin/decisions/stream` → server-sent events (see `openDecisionStream`).
 *
 * @example
 * ```ts
 * if (parts[0] === 'decisions') return handleDecisionAdmin(ctx, req, res, parts, query, stillAllowed);
 * ```
 */
export function handleDecisionAdmin(
  ctx: ServiceContext,
  req: IncomingMessage,
  res: ServerResponse,
  parts: readonly string[],
  query: URLSearchParams,
  stillAllowed: () => Promise<boolean>,
): void {
  const { decisions: hub } = ctx;
  const method = req.method ?? 'GET';
  if (method !== 'GET') throw tokenServiceErrors.create('ERR_ADMIN_NOT_FOUND', 'no such admin endpoint');
  const now = ctx.clock();
  if (parts[0] === 'gateways') {
    if (parts.length === 1) return sendJson(res, 200, { gateways: hub.gateways.list(now) }, NO_STORE);
    const view = hub.gateways.get(parts[1]!, now);
    if (view === undefined)
      throw tokenServiceErrors.create('ERR_ADMIN_NOT_FOUND', 'no such gateway (it never pushed here)');
    if (parts.length === 2) return sendJson(res, 200, view, NO_STORE);
    if (parts.length === 3 && parts[2] === 'policies') {
      const set = hub.gateways.policies(parts[1]!);
      if (set === undefined)
        throw tokenServiceErrors.create(
          'ERR_ADMIN_NOT_FOUND',
          'this gateway has not reported its policy documents here yet (they come with its next push)',
        );
      return sendJson(res, 200, set, NO_STORE);
    }
  }
  if (parts[0] === 'decisions') {
    const filter = readFilter(query);
    if (parts.length === 1) {
      const limitText = query.get('limit');
      const limit = limitText === null ? 100 : readSeq(limitText, 'limit');
      if (limit < 1 || limit > 1000) throw badRequest('limit must be 1-1000');
      const after = query.get('after');
      const page =
        after === null ? hub.buffer.latest(limit, filter) : hub.buffer.after(readSeq(after, 'after'), limit, filter);
      return sendJson(res, 200, page, NO_STORE);
    }
    if (parts.length === 2 && parts[1] === 'graph') {
      // Every open console asks every few seconds: the graph is computed once per buffer state and filter.
      const key = `${hub.buffer.lastSeq}\u0000${JSON.stringify(filter)}`;
      let cached = graphs.get(hub);
      if (cached?.key !== key) {
        const all = hub.buffer.all();
        const kept = Object.values(filter).every((v) => v === undefined)
          ? all
          : all.filter((d) => matchesDecision(d, filter));
        cached = { key, graph: decisionGraph(kept) };
        graphs.set(hub, cached);
      }
      return sendJson(res, 200, cached.graph, NO_STORE);
    }
    if (parts.length === 2 && parts[1] === 'stream') {
      const lastEventId = req.headersDistinct['last-event-id'];
      if (lastEventId !== undefined && lastEventId.length > 1) throw badRequest('one Last-Event-ID, please');
      const after = lastEventId?.[0] ?? query.get('after') ?? undefined;
      return openDecisionStream(
        ctx,
        req,
        res,
        after === undefined ? undefined : readSeq(after, 'after'),
        filter,
        stillAllowed,
      );
    }
  }
  throw tokenServiceErrors.create('ERR_ADMIN_NOT_FOUND', 'no such admin endpoint');
}
