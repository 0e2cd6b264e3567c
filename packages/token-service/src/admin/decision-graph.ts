import type { StoredDecision } from './decision-buffer.js';

/** The node a decision without a known caller (no token, no peer certificate) starts from. */
export const UNKNOWN_SOURCE = '(unknown)';

/** A workload in the service graph: how many decisions it made as caller and as callee. */
export interface GraphNode {
  readonly id: string;
  /** Decisions where it called (an edge starts here). */
  readonly out: number;
  /** Decisions where it was called (an edge ends here). */
  readonly in: number;
}

/** Who called whom, and how it went: allowed, denied, and allowed but denied by a dry-run policy. */
export interface GraphEdge {
  readonly source: string;
  readonly destination: string;
  readonly allowed: number;
  readonly denied: number;
  readonly dryRun: number;
  /** The newest decision on the edge (ms). */
  readonly lastAt: number;
}

/** The service graph (issue 17: "who calls whom, edges coloured by allowed and denied, counts"). */
export interface DecisionGraph {
  readonly nodes: readonly GraphNode[];
  readonly edges: readonly GraphEdge[];
  /** How many decisions it was drawn from, and the oldest and newest of them (ms; absent when none). */
  readonly decisions: number;
  readonly from?: number;
  readonly to?: number;
}

/**
 * Computes the service graph from decisions, on the server (issue 17: "nothing is computed only in
 * the browser"): an edge per (`source`, `destination`) with its counts, a node per workload. A
 * decision without a `source` starts at {@link UNKNOWN_SOURCE}; one without a `destination` ends
 * at its route. Nodes and edges come sorted (by id; by source, then destination), so two calls on
 * the same decisions give the same document.
 *
 * @example
 * ```ts
 * const { nodes, edges } = decisionGraph(buffer.all());
 * ```
 */
export function decisionGraph(decisions: readonly StoredDecision[]): DecisionGraph {
  type Edge = { source: string; destination: string; allowed: number; denied: number; dryRun: number; lastAt: number };
  // source → destination → edge: two maps, so no name can collide with a joined key.
  const edges = new Map<string, Map<string, Edge>>();
  const all: Edge[] = [];
  const nodes = new Map<string, { id: string; out: number; in: number }>();
  const node = (id: string) => {
    let n = nodes.get(id);
    if (n === undefined) {
      n = { id, out: 0, in: 0 };
      nodes.set(id, n);
    }
    return n;
  };
  let from: number | undefined;
  let to: number | undefined;
  for (const d of decisions) {
    const source = d.source ?? UNKNOWN_SOURCE;
    const destination = d.destination ?? d.route;
    let outgoing = edges.get(source);
    if (outgoing === undefined) {
      outgoing = new Map();
      edges.set(source, outgoing);
    }
    let e = outgoing.get(destination);
    if (e === undefined) {
      e = { source, destination, allowed: 0, denied: 0, dryRun: 0, lastAt: d.at };
      outgoing.set(destination, e);
      all.push(e);
    }
    if (d.action === 'allow') e.allowed += 1;
    else if (d.action === 'deny') e.denied += 1;
    else e.dryRun += 1;
    e.lastAt = Math.max(e.lastAt, d.at);
    node(source).out += 1;
    node(destination).in += 1;
    from = from === undefined ? d.at : Math.min(from, d.at);
    to = to === undefined ? d.at : Math.max(to, d.at);
  }
  const byId = (a: { id: string }, b: { id: string }) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
  return {
    nodes: [...nodes.values()].sort(byId),
    edges: all.sort((a, b) =>
      a.source === b.source
        ? a.destination < b.destination
          ? -1
          : a.destination > b.destination
            ? 1
            : 0
        : a.source < b.source
          ? -1
          : 1,
    ),
    decisions: decisions.length,
    ...(from === undefined ? {} : { from }),
    ...(to === undefined ? {} : { to }),
  };
}
