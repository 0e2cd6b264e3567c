/** One decision a gateway reported (never a token): what it decided about which request, and why. */
export interface Decision {
  readonly seq: number;
  readonly gateway: string;
  readonly at: number;
  readonly action: 'allow' | 'deny' | 'dry-run';
  readonly status?: number;
  readonly reason?: string;
  readonly route?: string;
  readonly method?: string;
  readonly host?: string;
  readonly path?: string;
  readonly principal?: string;
  readonly requestPrincipal?: string;
  readonly source?: string;
  readonly destination?: string;
}

/** The live page's filters: an action, and text that must appear in the route, caller or reason. */
export interface DecisionFilter {
  readonly action: '' | Decision['action'];
  readonly text: string;
}

/**
 * Whether a decision passes the live page's filters (the stream itself is unfiltered: changing a
 * filter shows what was already received).
 *
 * @example
 * ```ts
 * shown.filter((d) => matchesDecision(d, { action: 'deny', text: 'orders' }));
 * ```
 */
export function matchesDecision(d: Decision, filter: DecisionFilter): boolean {
  if (filter.action !== '' && d.action !== filter.action) return false;
  const text = filter.text.trim().toLowerCase();
  if (text === '') return true;
  return [d.route, d.path, d.host, d.principal, d.requestPrincipal, d.source, d.destination, d.reason, d.gateway].some(
    (v) => v !== undefined && v.toLowerCase().includes(text),
  );
}

/** A decision's identity across reconnects: its number on the replica that gave it, and its time. */
const keyOf = (d: Decision) => `${d.seq}@${d.at}`;

/**
 * Adds newly received decisions to those shown, newest first, without duplicates (a reconnect
 * replays what the buffer holds; another replica numbers its own), keeping at most `max`.
 */
export function mergeDecisions(shown: readonly Decision[], received: readonly Decision[], max: number): Decision[] {
  const seen = new Set(shown.map(keyOf));
  const fresh = received.filter((d) => !seen.has(keyOf(d)));
  return [...fresh, ...shown].sort((a, b) => b.at - a.at || b.seq - a.seq).slice(0, max);
}
