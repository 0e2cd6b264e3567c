import type { KeyInfo } from '../keys/create-key-ring.js';
import type { ServiceContext } from '../http/service-context.js';

/** `GET /admin/overview`: what the console's overview page shows of this service. */
export interface Overview {
  readonly issuer: string;
  /** This server's clock (ms), so a page can count down without trusting the browser's clock. */
  readonly now: number;
  readonly keys: readonly KeyInfo[];
  /** When the next key takes over (ISO 8601); absent when automatic rotation is off and none is scheduled. */
  readonly nextRotationAt?: string;
  readonly rotationIntervalSeconds: number;
  /** Token requests since this replica started: issued, and refused for any reason (counters, not rates). */
  readonly tokens: { readonly issued: number; readonly refused: number };
}

/**
 * The overview of this token service: its keys with the next rotation, and the token endpoint's
 * counters. The counters are this replica's own (a page samples them to draw a rate; nothing is
 * stored); `/metrics` on the operations listener has the same numbers for Prometheus.
 *
 * @example
 * ```ts
 * sendJson(res, 200, await describeOverview(ctx));
 * ```
 */
export async function describeOverview(ctx: ServiceContext): Promise<Overview> {
  const keys = ctx.keyRing.list();
  const interval = ctx.config.keys.rotationIntervalSeconds;
  const next = nextRotation(keys, interval);
  let issued = 0;
  let refused = 0;
  for (const { labels, value } of (await ctx.metrics.tokenRequests.get()).values) {
    if (labels.outcome === 'issued') issued += value;
    else refused += value;
  }
  return {
    issuer: ctx.issuerUrl(),
    now: ctx.clock(),
    keys,
    ...(next === undefined ? {} : { nextRotationAt: new Date(next).toISOString() }),
    rotationIntervalSeconds: interval,
    tokens: { issued, refused },
  };
}

/**
 * When the next key starts signing: a published `next` key's `activateAt`, else the active key's
 * activation plus the rotation interval (0: no automatic rotation).
 */
function nextRotation(keys: readonly KeyInfo[], intervalSeconds: number): number | undefined {
  const scheduled = keys.find((k) => k.state === 'next' && k.activateAt !== undefined);
  if (scheduled?.activateAt !== undefined) return Date.parse(scheduled.activateAt);
  const active = keys.find((k) => k.state === 'active');
  if (active === undefined || intervalSeconds === 0) return undefined;
  return Date.parse(active.activatedAt ?? active.createdAt) + intervalSeconds * 1000;
}
