// Throughput measurement for the benchmarks: each case runs in short slices, the cases of one table
// take turns (so drift and noisy neighbours hit all of them alike), and the best slice counts.
import { performance } from 'node:perf_hooks';

/** One benchmarked operation; `fn` may be synchronous or return a promise. */
export interface BenchCase {
  readonly name: string;
  readonly fn: () => unknown;
}

async function slice(fn: () => unknown, ms: number): Promise<number> {
  let ops = 0;
  const start = performance.now();
  let elapsed = 0;
  const probe = fn();
  const isAsync = typeof (probe as { then?: unknown } | undefined)?.then === 'function';
  if (isAsync) await probe;
  ops++;
  while (elapsed < ms) {
    if (isAsync) for (let i = 0; i < 32; i++) await fn();
    else for (let i = 0; i < 32; i++) fn();
    ops += 32;
    elapsed = performance.now() - start;
  }
  return (ops * 1000) / elapsed;
}

/**
 * Runs every case `rounds` times for `sliceMs` each, interleaved, after one warm-up slice, and
 * returns the best ops/s of each (the least disturbed measurement on a shared machine).
 */
export async function measure(cases: readonly BenchCase[], options: { rounds?: number; sliceMs?: number } = {}): Promise<Map<string, number>> {
  const rounds = options.rounds ?? 5;
  const sliceMs = options.sliceMs ?? 200;
  const best = new Map<string, number>();
  for (const c of cases) await slice(c.fn, sliceMs / 2); // warm up (JIT, caches)
  for (let r = 0; r < rounds; r++) {
    for (const c of cases) {
      const opsPerSecond = await slice(c.fn, sliceMs);
      if (opsPerSecond > (best.get(c.name) ?? 0)) best.set(c.name, opsPerSecond);
    }
  }
  return best;
}

/** 12345 → '12.3k'. */
export function formatOps(value: number | undefined): string {
  if (value === undefined) return '—';
  if (value >= 1e6) return `${(value / 1e6).toFixed(2)}M`;
  if (value >= 1e3) return `${(value / 1e3).toFixed(1)}k`;
  return value.toFixed(0);
}

/** A plain-text table with right-aligned numbers. */
export function table(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) => `| ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(' | ')} |`;
  return [line(headers), `|${widths.map((w, i) => (i === 0 ? '-'.repeat(w + 2) : `${'-'.repeat(w + 1)}:`)).join('|')}|`, ...rows.map(line)].join('\n');
}
