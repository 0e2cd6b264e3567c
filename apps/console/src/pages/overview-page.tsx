import { useEffect, useRef, useState } from 'preact/hooks';
import { api, ApiError } from '../api';
import type { PageProps } from '../page-props';
import { Notice, PageHeader } from '../components';
import { duration, localTime } from '../format';
import type { GatewayInfo } from '../gateway-info';
import { keyTimeline, type KeyInfo } from '../key-timeline';
import { polylinePoints, tokenRates, type CounterSample } from '../token-rates';
import { useResource } from '../use-resource';

/** `GET /admin/overview`. */
interface Overview {
  readonly issuer: string;
  readonly now: number;
  readonly keys: readonly KeyInfo[];
  readonly nextRotationAt?: string;
  readonly rotationIntervalSeconds: number;
  readonly tokens: { readonly issued: number; readonly refused: number };
}

/** How often the page reads the counters while it is open. */
const SAMPLE_MS = 5000;
/** Readings kept for the chart: ten minutes. */
const KEEP = 120;

/**
 * The overview: the token service's readiness, the gateways that report to it, the key ring as a
 * timeline with the next rotation's countdown, and tokens issued and refused per minute (sampled
 * while the page is open, from the service's counters; nothing is stored).
 */
export function OverviewPage(_props: PageProps) {
  const [overview, setOverview] = useState<Overview | undefined>(undefined);
  const [skew, setSkew] = useState(0);
  const [error, setError] = useState<string | undefined>(undefined);
  const samples = useRef<CounterSample[]>([]);
  const [, setTick] = useState(0);

  useEffect(() => {
    let stopped = false;
    const read = async () => {
      try {
        const o = await api<Overview>('/admin/overview');
        if (stopped) return;
        // The server's clock, not the browser's, decides the countdown.
        setSkew(o.now - Date.now());
        samples.current = [...samples.current, { at: o.now, ...o.tokens }].slice(-KEEP);
        setOverview(o);
        setError(undefined);
      } catch (err) {
        if (!stopped) setError(err instanceof Error ? err.message : String(err));
      }
    };
    void read();
    const sampler = setInterval(() => void read(), SAMPLE_MS);
    const clock = setInterval(() => setTick((t) => t + 1), 1000);
    return () => {
      stopped = true;
      clearInterval(sampler);
      clearInterval(clock);
    };
  }, []);

  return (
    <>
      <PageHeader title="Overview">
        This token service{overview === undefined ? '' : ` (${overview.issuer})`}, the gateways that report to it, its
        signing keys and the tokens it issues.
      </PageHeader>
      <Notice error={error} />
      <div class="cards">
        <Readiness />
        <div class="card">
          <div class="muted">Next rotation</div>
          <div class="big" aria-live="off">
            {overview?.nextRotationAt === undefined
              ? '—'
              : duration(Date.parse(overview.nextRotationAt) - (Date.now() + skew))}
          </div>
          <div class="muted">{overview === undefined ? '' : localTime(overview.nextRotationAt)}</div>
        </div>
        <div class="card">
          <div class="muted">Tokens since start</div>
          <div class="big">{overview?.tokens.issued ?? '—'}</div>
          <div class="muted">{overview === undefined ? '' : `${overview.tokens.refused} refused`}</div>
        </div>
      </div>
      <section class="panel" aria-labelledby="ring">
        <h2 id="ring">Key ring</h2>
        {overview === undefined ? <p class="muted">Loading…</p> : <KeyRingTimeline overview={overview} skew={skew} />}
      </section>
      <section class="panel" aria-labelledby="rates">
        <h2 id="rates">Tokens per minute</h2>
        <RateChart samples={samples.current} />
      </section>
      <Gateways />
    </>
  );
}

/** `GET /readyz` of this service: ready, or what is not. */
function Readiness() {
  const ready = useResource(async () => {
    const res = await fetch('/readyz', { headers: { accept: 'application/json' } });
    return { ok: res.ok, body: (await res.json().catch(() => ({}))) as Record<string, unknown> };
  }, []);
  useEffect(() => {
    const again = setInterval(ready.reload, 10_000);
    return () => clearInterval(again);
  }, [ready.reload]);
  const ok = ready.data?.ok === true;
  return (
    <div class="card">
      <div class="muted">Token service</div>
      <div class="big">
        <span class={`state ${ok ? 'healthy' : 'fail'}`}>
          {ready.data === undefined ? '…' : ok ? 'ready' : 'not ready'}
        </span>
      </div>
      <div class="muted">
        {ready.error ?? (ok ? 'storage and keys answer' : JSON.stringify(ready.data?.body ?? {}))}
      </div>
    </div>
  );
}

const WIDTH = 900;
const ROW = 26;

/** The key ring as bars on a time axis: published, signing (solid), leaving; a line at now. */
function KeyRingTimeline(props: { readonly overview: Overview; readonly skew: number }) {
  const { overview } = props;
  const now = Date.now() + props.skew;
  const next = overview.nextRotationAt === undefined ? undefined : Date.parse(overview.nextRotationAt);
  const t = keyTimeline(overview.keys, now, next);
  // Labels above the bars (now, the next rotation), the window's dates below.
  const top = 20;
  const height = top + Math.max(1, t.bars.length) * ROW + 22;
  const label = 150;
  const x = (f: number) => label + f * (WIDTH - label - 10);
  const when = (ms: number) => new Date(ms).toLocaleString(undefined, { dateStyle: 'short', timeStyle: 'short' });
  return (
    <>
      <div class="chart">
        <svg
          viewBox={`0 0 ${WIDTH} ${height}`}
          width="100%"
          role="img"
          aria-label={`Key ring timeline: ${t.bars.map((b) => `${b.kid} ${b.state}`).join(', ')}${
            next === undefined ? '' : `; next rotation ${when(next)}`
          }`}
        >
          {t.bars.map((b, i) => (
            <g key={b.kid}>
              <text x={0} y={top + i * ROW + 17}>
                {b.kid.length > 20 ? `${b.kid.slice(0, 19)}…` : b.kid}
              </text>
              {/* Published but not signing: a faint bar; signing: the solid part. */}
              <rect
                class={`bar ${b.state}`}
                opacity={0.3}
                x={x(b.from)}
                y={top + i * ROW + 5}
                width={Math.max(2, x(b.to) - x(b.from))}
                height={16}
                rx={3}
              />
              {b.signsFrom === undefined || b.state === 'next' ? null : (
                <rect
                  class={`bar ${b.state}`}
                  x={x(Math.max(b.from, b.signsFrom))}
                  y={top + i * ROW + 5}
                  width={Math.max(2, x(b.to) - x(Math.max(b.from, b.signsFrom)))}
                  height={16}
                  rx={3}
                />
              )}
            </g>
          ))}
          <line class="now" x1={x(t.now)} x2={x(t.now)} y1={top - 4} y2={height - 20} />
          <text x={x(t.now)} y={12} text-anchor="middle">
            now
          </text>
          {t.rotation === undefined ? null : (
            <>
              <line class="rotation" x1={x(t.rotation)} x2={x(t.rotation)} y1={top - 4} y2={height - 20} />
              <text x={x(t.rotation)} y={12} text-anchor="end">
                next rotation
              </text>
            </>
          )}
          <line class="axis" x1={label} x2={WIDTH - 10} y1={height - 18} y2={height - 18} />
          <text x={label} y={height - 4}>
            {when(t.start)}
          </text>
          <text x={WIDTH - 10} y={height - 4} text-anchor="end">
            {when(t.end)}
          </text>
        </svg>
      </div>
      <div class="legend">
        <span>
          <span class="swatch next" />
          next
        </span>
        <span>
          <span class="swatch issued" />
          active (solid: signing)
        </span>
        <span>
          <span class="swatch mixed" />
          retired (still published)
        </span>
        <span>
          <span class="swatch refused" />
          withdrawn
        </span>
      </div>
    </>
  );
}

/** Tokens issued and refused per minute, as two lines. */
function RateChart(props: { readonly samples: readonly CounterSample[] }) {
  const points = tokenRates(props.samples);
  if (points.length === 0) return <p class="muted">Sampling every {SAMPLE_MS / 1000} s while this page is open…</p>;
  const width = 900;
  const height = 160;
  const max = Math.max(1, ...points.map((p) => Math.max(p.issued, p.refused)));
  const box = { width: width - 50, height: height - 20, max, from: points[0]!.at, to: points[points.length - 1]!.at };
  const last = points[points.length - 1]!;
  return (
    <>
      <div class="chart">
        <svg
          viewBox={`0 0 ${width} ${height}`}
          width="100%"
          role="img"
          aria-label={`Tokens per minute: ${Math.round(last.issued)} issued, ${Math.round(last.refused)} refused at the last reading`}
        >
          <g transform="translate(45,5)">
            <line class="axis" x1={0} x2={box.width} y1={box.height} y2={box.height} />
            <text x={-40} y={10}>
              {Math.round(max)}
            </text>
            <text x={-40} y={box.height}>
              0
            </text>
            <polyline class="issued" points={polylinePoints(points, (p) => p.issued, box)} />
            <polyline class="refused" points={polylinePoints(points, (p) => p.refused, box)} />
          </g>
        </svg>
      </div>
      <div class="legend">
        <span>
          <span class="swatch issued" />
          issued: {Math.round(last.issued)}/min
        </span>
        <span>
          <span class="swatch refused" />
          refused: {Math.round(last.refused)}/min
        </span>
      </div>
    </>
  );
}

/** The gateways that push their decisions here; a push is a heartbeat. */
function Gateways() {
  const gateways = useResource(async () => {
    try {
      return (await api<{ gateways: GatewayInfo[] }>('/admin/gateways')).gateways;
    } catch (err) {
      if (err instanceof ApiError && err.status === 404) return [];
      throw err;
    }
  }, []);
  useEffect(() => {
    const again = setInterval(gateways.reload, 5000);
    return () => clearInterval(again);
  }, [gateways.reload]);
  return (
    <section class="panel" aria-labelledby="gateways">
      <h2 id="gateways">Gateways</h2>
      <Notice error={gateways.error} />
      {gateways.data?.length === 0 ? (
        <p class="muted">
          No gateway reports here yet: set <code>tokenService.decisions.enabled</code> in a gateway's configuration,
          with a client that may report decisions.
        </p>
      ) : (
        <div class="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">Gateway</th>
                <th scope="col">State</th>
                <th scope="col">Last push</th>
                <th scope="col">Decisions</th>
                <th scope="col">Client</th>
              </tr>
            </thead>
            <tbody>
              {(gateways.data ?? []).map((g) => (
                <tr key={g.id}>
                  <td>{g.id}</td>
                  <td>
                    <span class={`state ${g.healthy ? 'healthy' : 'stale'}`}>{g.healthy ? 'reporting' : 'silent'}</span>
                  </td>
                  <td>{localTime(g.lastSeen)}</td>
                  <td>
                    {g.counts === undefined
                      ? '—'
                      : `${g.counts['allowed'] ?? 0} allowed, ${g.counts['denied'] ?? 0} denied, ${g.counts['dryRun'] ?? 0} dry-run`}
                  </td>
                  <td>{g.clientId ?? '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
