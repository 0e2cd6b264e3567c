/** A policy file a gateway enforces, as it reported it. */
export interface PolicyDocumentText {
  readonly file: string;
  readonly yaml: string;
}

/** The policy set a gateway last reported (`GET /admin/gateways/:id/policies`). */
export interface ReportedPolicySet {
  readonly hash: string;
  readonly documents: readonly PolicyDocumentText[];
  /** When it arrived (ms). */
  readonly receivedAt: number;
}

/** Decisions counted by action. */
export interface DecisionCounts {
  readonly allowed: number;
  readonly denied: number;
  readonly dryRun: number;
}

/** What one push tells about its gateway (the heartbeat of the overview). */
export interface GatewayHeartbeat {
  readonly gatewayId: string;
  /** The client that pushed (the gateway's `tokenService.clientId`). */
  readonly clientId: string;
  /** When the push arrived (ms). */
  readonly at: number;
  /** How often the gateway says it pushes (ms), when it says. */
  readonly intervalMs?: number | undefined;
  /** The decisions of this push, by action. */
  readonly counts: DecisionCounts;
  /** Decisions the gateway dropped (its queue was full) since its previous accepted push. */
  readonly dropped: number;
  readonly policyHash?: string | undefined;
}

/** A gateway as `GET /admin/gateways` shows it. */
export interface GatewayView {
  readonly id: string;
  readonly clientId: string;
  /** First and last push seen by this replica (ms). */
  readonly firstSeen: number;
  readonly lastSeen: number;
  /** Seen within three of its push intervals (30 s when it declared none). */
  readonly healthy: boolean;
  readonly intervalMs?: number;
  /** Decisions reported since this replica first saw it, by action. */
  readonly counts: DecisionCounts;
  /** Decisions the gateway reported it had to drop, in total. */
  readonly dropped: number;
  readonly policyHash?: string;
  /** True when the documents of `policyHash` are here (`GET /admin/gateways/:id/policies`). */
  readonly hasPolicies: boolean;
}

/** The gateways that report to this replica, with their heartbeats and latest policy sets. */
export interface GatewayRegistry {
  /** Merges one push's heartbeat (counts add up; first and last seen widen). */
  heartbeat(h: GatewayHeartbeat): void;
  /**
   * Whether a push from `gatewayId` may be taken: a known gateway always; a new one while the
   * registry has room or the gateway seen longest ago is silent (it is forgotten for the new one).
   * A registry full of live gateways takes no new ids, so pushes under new ids cannot push a live
   * gateway out (and then take its id).
   */
  hasRoom(gatewayId: string, now: number): boolean;
  /** Keeps `set` as the gateway's latest policy set (a gateway not seen yet is ignored). */
  setPolicies(gatewayId: string, set: ReportedPolicySet): void;
  /** The latest policy set of a gateway, if its documents arrived. */
  policies(gatewayId: string): ReportedPolicySet | undefined;
  /** True when the documents of `hash` are here for the gateway (else the next push is asked for them). */
  hasPolicies(gatewayId: string, hash: string): boolean;
  /**
   * The client another live gateway of this id reports with, when it is not `clientId`: a second
   * client cannot speak for a gateway that is alive (its heartbeat would be forged). After the
   * gateway has been silent past its health window, another client may take the id over.
   */
  claimedByOther(gatewayId: string, clientId: string, now: number): string | undefined;
  list(now: number): GatewayView[];
  get(gatewayId: string, now: number): GatewayView | undefined;
}

/** How long a gateway counts as healthy after a push: three intervals, or this when it declared none. */
export const DEFAULT_HEALTH_WINDOW_MS = 30_000;

interface Entry {
  id: string;
  clientId: string;
  firstSeen: number;
  lastSeen: number;
  intervalMs: number | undefined;
  counts: { allowed: number; denied: number; dryRun: number };
  dropped: number;
  policyHash: string | undefined;
  policies: ReportedPolicySet | undefined;
}

const healthWindow = (e: Entry) => (e.intervalMs === undefined ? DEFAULT_HEALTH_WINDOW_MS : 3 * e.intervalMs);

/**
 * Creates the gateway registry of one replica. At most `maxGateways` are remembered: a new one
 * beyond that makes the registry forget the gateway seen longest ago, so ids pushed by a
 * misbehaving client cannot grow memory without end.
 *
 * @example
 * ```ts
 * const gateways = createGatewayRegistry({ maxGateways: 1000 });
 * gateways.heartbeat({ gatewayId: 'gw-1', clientId: 'gateway', at: Date.now(), counts, dropped: 0 });
 * gateways.list(Date.now());
 * ```
 */
export function createGatewayRegistry(options: { readonly maxGateways: number }): GatewayRegistry {
  const entries = new Map<string, Entry>();

  const view = (e: Entry, now: number): GatewayView => ({
    id: e.id,
    clientId: e.clientId,
    firstSeen: e.firstSeen,
    lastSeen: e.lastSeen,
    healthy: now - e.lastSeen <= healthWindow(e),
    ...(e.intervalMs === undefined ? {} : { intervalMs: e.intervalMs }),
    counts: { ...e.counts },
    dropped: e.dropped,
    ...(e.policyHash === undefined ? {} : { policyHash: e.policyHash }),
    hasPolicies: e.policyHash !== undefined && e.policies?.hash === e.policyHash,
  });

  const oldestEntry = (): Entry | undefined => {
    let oldest: Entry | undefined;
    for (const e of entries.values()) if (oldest === undefined || e.lastSeen < oldest.lastSeen) oldest = e;
    return oldest;
  };
  const evictOldest = () => {
    const oldest = oldestEntry();
    if (oldest !== undefined) entries.delete(oldest.id);
  };

  return {
    heartbeat(h) {
      let e = entries.get(h.gatewayId);
      if (e === undefined) {
        if (entries.size >= options.maxGateways) evictOldest();
        e = {
          id: h.gatewayId,
          clientId: h.clientId,
          firstSeen: h.at,
          lastSeen: h.at,
          intervalMs: h.intervalMs,
          counts: { allowed: 0, denied: 0, dryRun: 0 },
          dropped: 0,
          policyHash: h.policyHash,
          policies: undefined,
        };
        entries.set(h.gatewayId, e);
      }
      e.firstSeen = Math.min(e.firstSeen, h.at);
      // Relayed heartbeats may arrive out of order: the newest one says who and what is current.
      if (h.at >= e.lastSeen) {
        e.lastSeen = h.at;
        e.clientId = h.clientId;
        if (h.intervalMs !== undefined) e.intervalMs = h.intervalMs;
        if (h.policyHash !== undefined) e.policyHash = h.policyHash;
      }
      e.counts.allowed += h.counts.allowed;
      e.counts.denied += h.counts.denied;
      e.counts.dryRun += h.counts.dryRun;
      e.dropped += h.dropped;
    },
    hasRoom(gatewayId, now) {
      if (entries.has(gatewayId) || entries.size < options.maxGateways) return true;
      const oldest = oldestEntry();
      return oldest === undefined || now - oldest.lastSeen > healthWindow(oldest);
    },
    setPolicies(gatewayId, set) {
      const e = entries.get(gatewayId);
      if (e !== undefined && (e.policies === undefined || set.receivedAt >= e.policies.receivedAt)) e.policies = set;
    },
    policies(gatewayId) {
      return entries.get(gatewayId)?.policies;
    },
    hasPolicies(gatewayId, hash) {
      return entries.get(gatewayId)?.policies?.hash === hash;
    },
    claimedByOther(gatewayId, clientId, now) {
      const e = entries.get(gatewayId);
      if (e === undefined || e.clientId === clientId) return undefined;
      return now - e.lastSeen <= healthWindow(e) ? e.clientId : undefined;
    },
    list(now) {
      return [...entries.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)).map((e) => view(e, now));
    },
    get(gatewayId, now) {
      const e = entries.get(gatewayId);
      return e === undefined ? undefined : view(e, now);
    },
  };
}
