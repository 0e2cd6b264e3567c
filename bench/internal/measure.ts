// Throughput measurement for the benchmarks: each case runs in short slices, the cases of one table
// take turns (so drift and noisy neighbours hit all of them alike), and the best slice counts.
import { performance } from 'node:perf_hooks';

/** One benchmarked operation; `fn` may be synchronous or return a promise. */
export interface BenchCase {
  readonly name: string;
  readonly fn: () => unknown;
}

/** ops/s of one slice, by the wall clock and by the process's CPU time (user + system, all threads). */
interface SliceResult {
  readonly wall: number;
  readonly cpu: number;
}

async function slice(fn: () => unknown, ms: number): Promise<SliceResult> {
  let ops = 0;
  const cpuStart = process.cpuUsage();
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
  const cpu = process.cpuUsage(cpuStart);
  return { wall: (ops * 1000) / elapsed, cpu: (ops * 1e6) / Math.max(cpu.user + cpu.system, 1) };
}

/** What {@link measure} returns: every slice's ops/s per case, round by round. */
export interface Measurement {
  /** Wall-clock ops/s of each round, per case name. */
  readonly samples: ReadonlyMap<string, readonly number[]>;
  /** ops per CPU-second of each round, per case name (steadier than wall time on a busy machine). */
  readonly cpuSamples: ReadonlyMap<string, readonly number[]>;
  /** The best round of a case (the least disturbed measurement on a shared machine). */
  best(name: string): number | undefined;
  /** Same as {@link Measurement.best} (the first version of this helper returned a Map of bests). */
  get(name: string): number | undefined;
  /**
   * The median over rounds of a/b, each ratio taken from slices run back to back in the same round,
   * so load that comes and goes on a shared machine hits both sides of each ratio alike.
   */
  ratio(a: string, b: string): number | undefined;
  /** Like {@link Measurement.ratio}, from ops per CPU-second. */
  cpuRatio(a: string, b: string): number | undefined;
}

/** Runs every case `rounds` times for `sliceMs` each, interleaved, after one warm-up slice each. */
export async function measure(
  cases: readonly BenchCase[],
  options: { rounds?: number; sliceMs?: number } = {},
): Promise<Measurement> {
  const rounds = options.rounds ?? 10;
  const sliceMs = options.sliceMs ?? 100;
  const samples = new Map<string, number[]>(cases.map((c) => [c.name, []]));
  const cpuSamples = new Map<string, number[]>(cases.map((c) => [c.name, []]));
  for (const c of cases) await slice(c.fn, sliceMs); // warm up (JIT, caches)
  for (let r = 0; r < rounds; r++) {
    for (const c of cases) {
      const result = await slice(c.fn, sliceMs);
      samples.get(c.name)!.push(result.wall);
      cpuSamples.get(c.name)!.push(result.cpu);
    }
  }
  const medianRatio = (from: Map<string, number[]>, a: string, b: string): number | undefined => {
    const x = from.get(a);
    const y = from.get(b);
    if (x === undefined || y === undefined) return undefined;
    const ratios = x.map((v, i) => v / y[i]!).sort((p, q) => p - q);
    const mid = ratios.length >> 1;
    return ratios.length % 2 ? ratios[mid] : (ratios[mid - 1]! + ratios[mid]!) / 2;
  };
  const best = (name: string): number | undefined => {
    const list = samples.get(name);
    return list === undefined ? undefined : Math.max(...list);
  };
  return {
    samples,
    cpuSamples,
    best,
    get: best,
    ratio: (a, b) => medianRatio(samples, a, b),
    cpuRatio: (a, b) => medianRatio(cpuSamples, a, b),
  };
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
  const line = (cells: readonly string[]) =>
    `| ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(' | ')} |`;
  return [
    line(headers),
    `|${widths.map((w, i) => (i === 0 ? '-'.repeat(w + 2) : `${'-'.repeat(w + 1)}:`)).join('|')}|`,
    ...rows.map(line),
  ].join('\n');
}
