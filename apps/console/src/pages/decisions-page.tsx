import { useEffect, useState } from 'preact/hooks';
import { api } from '../api';
import type { PageProps } from '../page-props';
import { Field, Notice, PageHeader } from '../components';
import { matchesDecision, mergeDecisions, type Decision, type DecisionFilter } from '../decision';
import { graphLayout, type GraphEdge } from '../graph-layout';
import { useResource } from '../use-resource';

/** Decisions kept on the page (the server's buffer holds more). */
const SHOWN = 500;

/**
 * Live decisions and the service graph: what the reporting gateways decide, as it happens (the
 * token service's Server-Sent Events stream, fed by the gateways' pushes), filtered here; and who
 * calls whom, as the API computes it from the same decisions.
 */
export function DecisionsPage(_props: PageProps) {
  const [decisions, setDecisions] = useState<readonly Decision[]>([]);
  const [filter, setFilter] = useState<DecisionFilter>({ action: '', text: '' });
  const [live, setLive] = useState<'connecting' | 'live' | 'reconnecting'>('connecting');
  const graph = useResource(() => api<{ edges: GraphEdge[] }>('/admin/decisions/graph'), []);

  useEffect(() => {
    // `after=0`: the stream replays what the buffer holds, then follows; after a reconnect the
    // Last-Event-ID that EventSource sends by itself takes precedence.
    const source = new EventSource('/admin/decisions/stream?after=0');
    source.addEventListener('open', () => setLive('live'));
    source.addEventListener('error', () => setLive('reconnecting'));
    source.addEventListener('decision', (event) => {
      const decision = JSON.parse((event as MessageEvent<string>).data) as Decision;
      setDecisions((shown) => mergeDecisions(shown, [decision], SHOWN));
    });
    const redraw = setInterval(graph.reload, 3000);
    return () => {
      source.close();
      clearInterval(redraw);
    };
  }, [graph.reload]);

  const shown = decisions.filter((d) => matchesDecision(d, filter));
  return (
    <>
      <PageHeader title="Live decisions">
        What the gateways that report here allow and deny, as they decide it. Gateways never send tokens: a decision
        names the route, the callers and the reason.
      </PageHeader>
      <section class="panel" aria-labelledby="graph">
        <h2 id="graph">Service graph</h2>
        <Notice error={graph.error} />
        <ServiceGraph edges={graph.data?.edges ?? []} />
      </section>
      <form class="row" aria-label="Filter the decisions" onSubmit={(e) => e.preventDefault()}>
        <Field label="Decision">
          <select
            value={filter.action}
            onChange={(e) => setFilter({ ...filter, action: e.currentTarget.value as DecisionFilter['action'] })}
          >
            <option value="">all</option>
            <option value="allow">allowed</option>
            <option value="deny">denied</option>
            <option value="dry-run">dry-run (would deny)</option>
          </select>
        </Field>
        <Field label="Route, caller or reason contains">
          <input value={filter.text} onInput={(e) => setFilter({ ...filter, text: e.currentTarget.value })} />
        </Field>
        <p class="muted" role="status">
          {live === 'live'
            ? `Live: ${shown.length} of ${decisions.length} shown`
            : live === 'connecting'
              ? 'Connecting…'
              : 'Reconnecting…'}
        </p>
      </form>
      <div class="table-wrap">
        <table>
          <thead>
            <tr>
              <th scope="col">When</th>
              <th scope="col">Decision</th>
              <th scope="col">Request</th>
              <th scope="col">Route</th>
              <th scope="col">Caller</th>
              <th scope="col">Reason</th>
              <th scope="col">Gateway</th>
            </tr>
          </thead>
          <tbody>
            {shown.map((d) => (
              <tr key={d.seq}>
                <td>{new Date(d.at).toLocaleTimeString()}</td>
                <td>
                  <span class={`state ${d.action}`}>{d.action}</span> {d.status ?? ''}
                </td>
                <td>
                  <code>
                    {d.method ?? ''} {d.host ?? ''}
                    {d.path ?? ''}
                  </code>
                </td>
                <td>{d.route ?? '—'}</td>
                <td>{d.requestPrincipal ?? d.principal ?? d.source ?? '—'}</td>
                <td>{d.reason ?? '—'}</td>
                <td>{d.gateway}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}

/** The service graph as SVG: workloads as nodes, calls as edges coloured by what was decided. */
function ServiceGraph(props: { readonly edges: readonly GraphEdge[] }) {
  if (props.edges.length === 0) return <p class="muted">No calls reported yet.</p>;
  const g = graphLayout(props.edges);
  return (
    <>
      <svg
        viewBox={`0 0 ${g.width} ${g.height}`}
        width={g.width}
        height={g.height}
        class="graph"
        role="img"
        aria-label={`Service graph: ${props.edges
          .map((e) => `${e.source} to ${e.destination}, ${e.allowed} allowed, ${e.denied} denied`)
          .join('; ')}`}
      >
        {g.edges.map((e) => (
          <g key={e.key}>
            <path class={`edge ${e.kind}`} d={e.path} stroke-width={e.width} />
            <text x={e.labelX} y={e.labelY} text-anchor="middle">
              {e.label}
            </text>
          </g>
        ))}
        {g.nodes.map((n) => (
          <g key={n.id}>
            <rect class="node" x={n.x - 70} y={n.y - 14} width={140} height={28} rx={14} />
            <text x={n.x} y={n.y + 4} text-anchor="middle">
              {n.id.length > 22 ? `…${n.id.slice(-21)}` : n.id}
            </text>
          </g>
        ))}
      </svg>
      <div class="legend">
        <span>
          <span class="swatch allowed" />
          allowed
        </span>
        <span>
          <span class="swatch denied" />
          denied
        </span>
        <span>
          <span class="swatch mixed" />
          both
        </span>
      </div>
    </>
  );
}
