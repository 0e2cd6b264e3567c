import { examples } from './catalog.js';
import type { RunningExample } from './types.js';

/** One row of the demo table. */
export interface DemoRow {
  readonly scenario: string;
  readonly call: string;
  readonly expected: string;
  readonly got: string;
  readonly ok: boolean;
}

/**
 * Starts each example in turn, runs its checks over real sockets, stops it, and returns the rows of
 * the demo table. An example that fails to start gives one row saying why.
 *
 * @example
 * ```ts
 * const rows = await runExamples();
 * const failed = rows.filter((r) => !r.ok);
 * ```
 */
export async function runExamples(
  options: { only?: readonly string[]; onRow?: (row: DemoRow) => void } = {},
): Promise<DemoRow[]> {
  const rows: DemoRow[] = [];
  const push = (row: DemoRow) => {
    rows.push(row);
    options.onRow?.(row);
  };
  for (const entry of examples) {
    if (options.only !== undefined && options.only.length > 0 && !options.only.includes(entry.id)) continue;
    const scenario = `${entry.id} ${entry.title}`;
    let example: RunningExample;
    try {
      example = await entry.start();
    } catch (error) {
      push({ scenario, call: '(start)', expected: 'started', got: `error: ${(error as Error).message}`, ok: false });
      continue;
    }
    try {
      for (const check of example.checks) {
        const got = await check.run();
        push({ scenario, call: check.call, expected: check.expected, got, ok: got === check.expected });
      }
    } finally {
      await example.close();
    }
  }
  return rows;
}
