import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { cliErrors } from '../errors.js';
import { formatTable } from '../internal/format-table.js';
import { note, out } from '../internal/io.js';

/** A row of the demo table (the shape `examples/index.ts` produces). */
interface DemoRow {
  readonly scenario: string;
  readonly call: string;
  readonly expected: string;
  readonly got: string;
  readonly ok: boolean;
}

/** Module exports: standalone functions, called without a `this`. */
interface ExamplesModule {
  runExamples(this: void, options: { only?: readonly string[]; onRow?: (row: DemoRow) => void }): Promise<DemoRow[]>;
}

// The examples live in the repository, beside the packages (not inside the published CLI).
const examplesIndex = new URL('../../../../examples/index.ts', import.meta.url);

/** Loads the repository's examples, or fails with `ERR_CLI_UNAVAILABLE`. */
export async function loadExamples(): Promise<ExamplesModule> {
  if (!existsSync(fileURLToPath(examplesIndex))) {
    throw cliErrors.create(
      'ERR_CLI_UNAVAILABLE',
      'the examples are not installed (tessera demo runs from a clone of the repository)',
      { details: { hint: 'run it from the repository: npm run tessera -- demo' } },
    );
  }
  return (await import(examplesIndex.href)) as ExamplesModule;
}

/**
 * Registers `tessera demo`: runs every example over real sockets and prints scenario | call |
 * expected | got; exits 1 when any row differs.
 *
 * @example
 * ```sh
 * tessera demo --only 3,4
 * ```
 */
export function registerDemoCommand(program: Command): void {
  program
    .command('demo')
    .option('--only <ids>', 'comma-separated scenario numbers, e.g. 1,3')
    .option('--json', 'print the rows as JSON')
    .action(async (options: { only?: string; json?: boolean }) => {
      const only = options.only
        ?.split(',')
        .map((s) => s.trim())
        .filter(Boolean);
      const { runExamples } = await loadExamples();
      let started = '';
      const rows = await runExamples({
        ...(only === undefined ? {} : { only }),
        onRow: (row) => {
          if (row.scenario !== started) {
            started = row.scenario;
            note(`tessera demo: scenario ${row.scenario}...`);
          }
        },
      });
      if (rows.length === 0) throw cliErrors.create('ERR_CLI_USAGE', `no example matches --only ${options.only ?? ''}`);
      const failed = rows.filter((r) => !r.ok);
      if (options.json) out(JSON.stringify(rows, null, 2));
      else {
        out(
          formatTable(
            ['', 'scenario', 'call', 'expected', 'got'],
            rows.map((r) => [r.ok ? 'ok' : 'DIFF', r.scenario, r.call, r.expected, r.got]),
            // A terminal's width, else 100 (piped output): the long cells wrap.
            { maxWidth: Math.max(60, process.stdout.columns ?? 100) },
          ),
        );
        out(`\n${rows.length - failed.length}/${rows.length} calls behaved as expected`);
      }
      if (failed.length > 0)
        throw cliErrors.create(
          'ERR_CLI_CHECK_FAILED',
          `${failed.length} call(s) differ from what the scenario expects`,
          { details: { hint: 'see the DIFF rows above' } },
        );
    });
}
