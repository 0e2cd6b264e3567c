import type { ReportedDecision } from './gateway-report-schema.js';

/** A decision as the token service keeps it: the gateway's report, its sequence number and gateway id. */
export interface StoredDecision extends ReportedDecision {
  /** Numbered by this replica in arrival order, from 1: the cursor (`after=`) and the stream's `id:`. */
  readonly seq: number;
  /** The id of the gateway that reported it. */
  readonly gateway: string;
}

/** What a reader of the buffer keeps (every member given must match exactly). */
export interface DecisionFilter {
  readonly action?: string | undefined;
  readonly route?: string | undefined;
  readonly gateway?: string | undefined;
  readonly source?: string | undefined;
  readonly destination?: string | undefined;
}

/** A page of decisions read from the buffer. */
export interface DecisionPage {
  /** Oldest first. */
  readonly decisions: readonly StoredDecision[];
  /** The cursor to read on from (`after=`): every decision up to it was looked at. */
  readonly next: number;
  /** How many decisions after the reader's cursor had already left the buffer (0: none missed). */
  readonly dropped: number;
}

/** The recent decisions of every gateway: a fixed-size ring, the oldest overwritten first. */
export interface DecisionBuffer {
  /** Numbers and keeps `decisions` of `gateway`, in order; returns them as kept. */
  append(gateway: string, decisions: readonly ReportedDecision[]): StoredDecision[];
  /**
   * Up to `limit` decisions matching `filter` after `after`, oldest first. A cursor older than the
   * buffer reports what was missed in `dropped`; a cursor beyond the newest (from another replica,
   * or from before a restart) starts over from the oldest held.
   */
  after(after: number, limit: number, filter?: DecisionFilter): DecisionPage;
  /** The newest `limit` decisions matching `filter`, oldest first. */
  latest(limit: number, filter?: DecisionFilter): DecisionPage;
  /** Every decision held, oldest first. */
  all(): StoredDecision[];
  /** The newest sequence number given (0 before the first decision). */
  readonly lastSeq: number;
  /** The sequence number of the oldest decision held (`lastSeq + 1` when empty). */
  readonly firstSeq: number;
}

/**
 * Whether `d` passes `filter` (an absent member keeps everything).
 *
 * @example
 * ```ts
 * matchesDecision(decision, { action: 'deny', route: 'orders' });
 * ```
 */
export function matchesDecision(d: StoredDecision, filter: DecisionFilter | undefined): boolean {
  if (filter === undefined) return true;
  return (
    (filter.action === undefined || d.action === filter.action) &&
    (filter.route === undefined || d.route === filter.route) &&
    (filter.gateway === undefined || d.gateway === filter.gateway) &&
    (filter.source === undefined || d.source === filter.source) &&
    (filter.destination === undefined || d.destination === filter.destination)
  );
}

/**
 * Creates the decision buffer of one replica (issue 17: "from a bounded buffer"): `capacity`
 * slots, written in a circle, so memory stays fixed however fast gateways push. Sequence numbers
 * are this replica's (from 1 at each start): a cursor means something only where it was given.
 *
 * @example
 * ```ts
 * const buffer = createDecisionBuffer({ capacity: 2000 });
 * buffer.append('gw-1', report.decisions);
 * const { decisions, next } = buffer.after(cursor, 100, { action: 'deny' });
 * ```
 */
export function createDecisionBuffer(options: { readonly capacity: number }): DecisionBuffer {
  const capacity = options.capacity;
  if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError('capacity must be a positive integer');
  const slots: (StoredDecision | undefined)[] = new Array<StoredDecision | undefined>(capacity);
  let lastSeq = 0;
  const firstSeq = () => Math.max(1, lastSeq - capacity + 1);
  const at = (seq: number) => slots[(seq - 1) % capacity]!;

  return {
    append(gateway, decisions) {
      const kept: StoredDecision[] = [];
      for (const d of decisions) {
        lastSeq += 1;
        const stored: StoredDecision = { ...d, seq: lastSeq, gateway };
        slots[(lastSeq - 1) % capacity] = stored;
        kept.push(stored);
      }
      return kept;
    },
    after(after, limit, filter) {
      const first = firstSeq();
      const restart = after > lastSeq || after < 0;
      const start = restart ? first : Math.max(after + 1, first);
      const dropped = restart ? first - 1 : Math.max(0, first - 1 - after);
      const out: StoredDecision[] = [];
      let scanned = start - 1;
      for (let seq = start; seq <= lastSeq && out.length < limit; seq += 1) {
        const d = at(seq);
        scanned = seq;
        if (matchesDecision(d, filter)) out.push(d);
      }
      // Nothing matched further on: the reader has seen (or skipped) everything up to the newest.
      if (out.length < limit) scanned = lastSeq;
      return { decisions: out, next: Math.max(scanned, restart ? 0 : after), dropped };
    },
    latest(limit, filter) {
      const out: StoredDecision[] = [];
      for (let seq = lastSeq; seq >= firstSeq() && out.length < limit; seq -= 1) {
        const d = at(seq);
        if (matchesDecision(d, filter)) out.push(d);
      }
      return { decisions: out.reverse(), next: lastSeq, dropped: 0 };
    },
    all() {
      const out: StoredDecision[] = [];
      for (let seq = firstSeq(); seq <= lastSeq; seq += 1) out.push(at(seq));
      return out;
    },
    get lastSeq() {
      return lastSeq;
    },
    get firstSeq() {
      return lastSeq === 0 ? 1 : firstSeq();
    },
  };
}
