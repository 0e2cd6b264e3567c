/** One edge of the service graph (`GET /admin/decisions/graph`): who called whom, and how it went. */
export interface GraphEdge {
  readonly source: string;
  readonly destination: string;
  readonly allowed: number;
  readonly denied: number;
  readonly dryRun?: number;
}

/** A node placed on the drawing. */
export interface PlacedNode {
  readonly id: string;
  readonly x: number;
  readonly y: number;
}

/** An edge drawn: an SVG path, its colour class and its label. */
export interface PlacedEdge {
  readonly key: string;
  readonly path: string;
  readonly kind: 'allowed' | 'denied' | 'mixed';
  readonly label: string;
  readonly labelX: number;
  readonly labelY: number;
  readonly width: number;
}

/** The service graph laid out for an SVG of `width` × `height`. */
export interface GraphLayout {
  readonly width: number;
  readonly height: number;
  readonly nodes: readonly PlacedNode[];
  readonly edges: readonly PlacedEdge[];
}

const COLUMN = 320;
const ROW = 70;
const MARGIN = 90;

/**
 * Lays the service graph out left to right: callers that nobody calls in the first column, each
 * other workload one column right of its furthest caller (a cycle stops growing after as many
 * passes as there are nodes), nodes of a column stacked in name order. Edges are curves coloured
 * by what was decided (all allowed, all denied, or both), thicker with more calls.
 *
 * @example
 * ```ts
 * const { nodes, edges } = graphLayout([{ source: 'webui', destination: 'orders', allowed: 3, denied: 1 }]);
 * ```
 */
export function graphLayout(input: readonly GraphEdge[]): GraphLayout {
  const ids = [...new Set(input.flatMap((e) => [e.source, e.destination]))].sort();
  const column = new Map(ids.map((id) => [id, 0]));
  for (let pass = 0; pass < ids.length; pass++) {
    let moved = false;
    for (const e of input) {
      if (e.source === e.destination) continue;
      const want = column.get(e.source)! + 1;
      if (want > column.get(e.destination)! && want < ids.length) {
        column.set(e.destination, want);
        moved = true;
      }
    }
    if (!moved) break;
  }
  const rows = new Map<number, number>();
  const nodes = ids.map((id): PlacedNode => {
    const c = column.get(id)!;
    const r = rows.get(c) ?? 0;
    rows.set(c, r + 1);
    return { id, x: MARGIN + c * COLUMN, y: 40 + r * ROW };
  });
  const at = new Map(nodes.map((n) => [n.id, n]));
  const most = Math.max(1, ...input.map((e) => e.allowed + e.denied + (e.dryRun ?? 0)));
  const edges = input.map((e): PlacedEdge => {
    const a = at.get(e.source)!;
    const b = at.get(e.destination)!;
    const total = e.allowed + e.denied + (e.dryRun ?? 0);
    const kind = e.denied === 0 ? 'allowed' : e.allowed === 0 ? 'denied' : 'mixed';
    // A self-call loops above its node; others bow so edges both ways between two nodes stay apart.
    const path =
      a === b
        ? `M ${a.x - 10} ${a.y - 14} C ${a.x - 40} ${a.y - 60}, ${a.x + 40} ${a.y - 60}, ${a.x + 10} ${a.y - 14}`
        : `M ${a.x} ${a.y} C ${(a.x + b.x) / 2} ${a.y - 25}, ${(a.x + b.x) / 2} ${b.y - 25}, ${b.x} ${b.y}`;
    return {
      key: `${e.source}\u0000${e.destination}`,
      path,
      kind,
      label: [
        e.allowed > 0 ? `${e.allowed} allowed` : '',
        e.denied > 0 ? `${e.denied} denied` : '',
        e.dryRun ? `${e.dryRun} dry-run` : '',
      ]
        .filter((part) => part !== '')
        .join(' · '),
      labelX: a === b ? a.x : (a.x + b.x) / 2,
      labelY: a === b ? a.y - 50 : (a.y + b.y) / 2 - 22,
      width: 1.5 + 4 * Math.sqrt(total / most),
    };
  });
  const columns = Math.max(1, ...[...column.values()].map((c) => c + 1));
  const tallest = Math.max(1, ...rows.values());
  return { width: MARGIN * 2 + (columns - 1) * COLUMN, height: 40 + tallest * ROW, nodes, edges };
}
