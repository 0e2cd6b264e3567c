import type { Clock } from '@tessera/core';
import type { Logger } from 'pino';
import { z } from 'zod';
import type { ServiceMetrics } from '../ops/create-service-metrics.js';
import type { EventBus, StorageEvent } from '../storage/index.js';
import { createDecisionBuffer, type DecisionBuffer, type StoredDecision } from './decision-buffer.js';
import {
  GATEWAY_ID,
  reportedDecisionSchema,
  type GatewayReport,
  type ReportedDecision,
} from './gateway-report-schema.js';
import { createGatewayRegistry, type GatewayHeartbeat, type GatewayRegistry } from './gateway-registry.js';

/** A live reader of the decisions (an open `GET /admin/decisions/stream`). */
export interface DecisionSubscriber {
  /** Each decision as it is kept, in order. Must not throw; handles its own backpressure. */
  decision(d: StoredDecision): void;
  /** The hub closes (the service stops): end the stream. */
  end(): void;
}

/** What a push was answered with. */
export interface ReportAnswer {
  readonly accepted: number;
  /** True when this replica lacks the documents of the reported policy hash: send them next time. */
  readonly needPolicies: boolean;
}

/**
 * The decisions gateways report, for one replica: the buffer, the gateway registry, the live
 * subscribers, and the relay to and from the other replicas.
 */
export interface DecisionHub {
  readonly buffer: DecisionBuffer;
  readonly gateways: GatewayRegistry;
  /** A push that reached this replica: kept, counted, fanned out to the streams, relayed to the others. */
  report(gatewayId: string, clientId: string, report: GatewayReport): ReportAnswer;
  /** An event from the storage bus: another replica's push (this replica's own are skipped). */
  receive(event: StorageEvent): void;
  /** Adds a live subscriber; undefined when `maxStreams` are open already, or the hub closed. */
  subscribe(subscriber: DecisionSubscriber): (() => void) | undefined;
  /** Ends every subscriber (service shutdown); later subscriptions are refused. */
  close(): void;
}

/** Options of {@link createDecisionHub}. */
export interface DecisionHubOptions {
  /** The `decisions` section of the configuration. */
  readonly config: { readonly bufferSize: number; readonly maxStreams: number; readonly maxGateways: number };
  readonly clock: Clock;
  readonly logger: Logger;
  readonly metrics: ServiceMetrics;
  /**
   * The storage event bus, to share pushes with the other replicas; undefined keeps them on this
   * replica (the `file` back-end's bus is in-process: there is no other replica to tell).
   */
  readonly events: EventBus | undefined;
}

// PostgreSQL's NOTIFY takes at most 8000 bytes (its bus refuses more than 7900): a push is relayed
// in events below this, whatever the bus, so one relay works on all of them.
const RELAY_EVENT_BYTES = 7000;
// Relays wait in one queue so a replica receives a gateway's pushes in the order they came; past
// this many pushes waiting (the bus is slow or down) new ones are kept here only.
const MAX_RELAYS_WAITING = 200;

const heartbeatEvent = z.object({
  gatewayId: z.string().regex(GATEWAY_ID),
  clientId: z.string().min(1).max(256),
  at: z.number(),
  intervalMs: z.number().int().positive().optional(),
  counts: z.object({
    allowed: z.number().int().min(0),
    denied: z.number().int().min(0),
    dryRun: z.number().int().min(0),
  }),
  dropped: z.number().int().min(0),
  policyHash: z.string().max(128).optional(),
});
const decisionsEvent = z.object({
  gatewayId: z.string().regex(GATEWAY_ID),
  decisions: z.array(reportedDecisionSchema).max(1000),
});
const policiesEvent = z.object({
  gatewayId: z.string().regex(GATEWAY_ID),
  hash: z.string().max(128),
  at: z.number(),
  documents: z.array(z.object({ file: z.string(), yaml: z.string() })),
});

/** Splits decisions into groups whose JSON stays under the relay limit. */
function relayChunks(decisions: readonly ReportedDecision[]): ReportedDecision[][] {
  const chunks: ReportedDecision[][] = [];
  let chunk: ReportedDecision[] = [];
  let bytes = 0;
  for (const d of decisions) {
    const size = Buffer.byteLength(JSON.stringify(d)) + 1;
    if (chunk.length > 0 && bytes + size > RELAY_EVENT_BYTES - 200) {
      chunks.push(chunk);
      chunk = [];
      bytes = 0;
    }
    // One decision alone over the limit (long path and principals) cannot travel: kept here only.
    if (size > RELAY_EVENT_BYTES - 200) continue;
    chunk.push(d);
    bytes += size;
  }
  if (chunk.length > 0) chunks.push(chunk);
  return chunks;
}

function countActions(decisions: readonly ReportedDecision[]): { allowed: number; denied: number; dryRun: number } {
  const counts = { allowed: 0, denied: 0, dryRun: 0 };
  for (const d of decisions) {
    if (d.action === 'allow') counts.allowed += 1;
    else if (d.action === 'deny') counts.denied += 1;
    else counts.dryRun += 1;
  }
  return counts;
}

/**
 * Creates the decision hub of one replica (issue 17, "Live decisions and the service graph").
 *
 * With several replicas, a gateway's push reaches one of them: that replica keeps it and publishes
 * it on the storage event bus (`gateway.heartbeat`, `gateway.decisions` in chunks under PostgreSQL's
 * NOTIFY limit, and `gateway.policies` when the set is small enough to travel), and every other
 * replica applies it as if pushed there. So each replica's buffer, gateway list and stream see
 * every gateway. Delivery is the bus's: at most once (a replica that missed an event misses those
 * decisions; it is a live view, not a record). Policy sets too large for one event stay on the
 * replica that received them, and another replica asks the gateway for them at its next push there
 * (`needPolicies`).
 *
 * @example
 * ```ts
 * const hub = createDecisionHub({ config: config.decisions, clock, logger, metrics, events: storage.events });
 * const { needPolicies } = hub.report('gw-1', 'gateway', report);
 * ```
 */
export function createDecisionHub(options: DecisionHubOptions): DecisionHub {
  const { clock, logger, metrics, events } = options;
  const buffer = createDecisionBuffer({ capacity: options.config.bufferSize });
  const gateways = createGatewayRegistry({ maxGateways: options.config.maxGateways });
  const subscribers = new Set<DecisionSubscriber>();
  let closed = false;
  let relaying: Promise<void> = Promise.resolve();
  let waiting = 0;
  let relayWarned = false;

  const keep = (gatewayId: string, decisions: readonly ReportedDecision[]) => {
    if (decisions.length === 0) return;
    const stored = buffer.append(gatewayId, decisions);
    for (const s of [...subscribers]) for (const d of stored) s.decision(d);
  };

  const relay = (messages: { type: string; data: Record<string, unknown> }[]) => {
    if (events === undefined || messages.length === 0) return;
    if (waiting >= MAX_RELAYS_WAITING) {
      if (!relayWarned)
        logger.warn({ waiting }, 'decision relay: the event bus is behind; pushes stay on this replica');
      relayWarned = true;
      return;
    }
    waiting += 1;
    relaying = relaying
      .then(async () => {
        for (const m of messages) await events.publish(m);
        relayWarned = false;
      })
      .catch((err: unknown) => {
        if (!relayWarned) logger.warn({ err }, 'decision relay: an event was not published; other replicas miss it');
        relayWarned = true;
      })
      .finally(() => {
        waiting -= 1;
      });
  };

  return {
    buffer,
    gateways,
    report(gatewayId, clientId, report) {
      const at = clock();
      const counts = countActions(report.decisions);
      const heartbeat: GatewayHeartbeat = {
        gatewayId,
        clientId,
        at,
        intervalMs: report.intervalMs,
        counts,
        dropped: report.dropped,
        policyHash: report.policies?.hash,
      };
      gateways.heartbeat(heartbeat);
      const policies = report.policies;
      if (policies?.documents !== undefined)
        gateways.setPolicies(gatewayId, { hash: policies.hash, documents: policies.documents, receivedAt: at });
      keep(gatewayId, report.decisions);
      if (counts.allowed > 0) metrics.decisionsReported.inc({ action: 'allow' }, counts.allowed);
      if (counts.denied > 0) metrics.decisionsReported.inc({ action: 'deny' }, counts.denied);
      if (counts.dryRun > 0) metrics.decisionsReported.inc({ action: 'dry-run' }, counts.dryRun);

      const messages: { type: string; data: Record<string, unknown> }[] = [
        {
          type: 'gateway.heartbeat',
          data: {
            gatewayId,
            clientId,
            at,
            counts,
            dropped: report.dropped,
            ...(report.intervalMs === undefined ? {} : { intervalMs: report.intervalMs }),
            ...(policies === undefined ? {} : { policyHash: policies.hash }),
          },
        },
      ];
      if (policies?.documents !== undefined) {
        const data = { gatewayId, hash: policies.hash, at, documents: policies.documents };
        if (Buffer.byteLength(JSON.stringify(data)) <= RELAY_EVENT_BYTES)
          messages.push({ type: 'gateway.policies', data });
      }
      for (const chunk of relayChunks(report.decisions))
        messages.push({ type: 'gateway.decisions', data: { gatewayId, decisions: chunk } });
      relay(messages);
      return {
        accepted: report.decisions.length,
        needPolicies: policies !== undefined && !gateways.hasPolicies(gatewayId, policies.hash),
      };
    },
    receive(event) {
      if (events === undefined || event.origin === events.id) return;
      if (event.type === 'gateway.heartbeat') {
        const h = heartbeatEvent.safeParse(event.data);
        if (h.success) gateways.heartbeat(h.data);
      } else if (event.type === 'gateway.decisions') {
        const d = decisionsEvent.safeParse(event.data);
        if (d.success) keep(d.data.gatewayId, d.data.decisions);
      } else if (event.type === 'gateway.policies') {
        const p = policiesEvent.safeParse(event.data);
        if (p.success)
          gateways.setPolicies(p.data.gatewayId, {
            hash: p.data.hash,
            documents: p.data.documents,
            receivedAt: p.data.at,
          });
      }
    },
    subscribe(subscriber) {
      if (closed || subscribers.size >= options.config.maxStreams) return undefined;
      subscribers.add(subscriber);
      metrics.decisionStreams.inc();
      let done = false;
      return () => {
        if (done) return;
        done = true;
        if (subscribers.delete(subscriber)) metrics.decisionStreams.dec();
      };
    },
    close() {
      closed = true;
      for (const s of [...subscribers]) {
        subscribers.delete(s);
        metrics.decisionStreams.dec();
        s.end();
      }
    },
  };
}
