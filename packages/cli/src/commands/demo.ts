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

// The examples live in the repository, beside the packages (not inside the published CLI): their
// compiled form, which `npm install` / `npm run build` writes to examples/dist.
const examplesDir = new URL('../../../../examples/', import.meta.url);
const examplesIndex = new URL('dist/index.js', examplesDir);

/**
 * Loads the repository's compiled examples, or fails with `ERR_CLI_UNAVAILABLE`: they need a clone
 * of the repository (an installed CLI has none), built.
 */
async function loadExamples(): Promise<ExamplesModule> {
  if (!existsSync(fileURLToPath(examplesIndex))) {
    const inRepository = existsSync(fileURLToPath(new URL('index.ts', examplesDir)));
    throw cliErrors.create(
      'ERR_CLI_UNAVAILABLE',
      inRepository
        ? 'the examples are not built (no examples/dist)'
        : 'tessera demo needs a clone of the Tessera repository: the examples are not part of the installed CLI',
      {
        details: {
          hint: inRepository
            ? 'run npm run build, then npm run tessera -- demo'
            : 'clone the repository, run npm install, then npm run tessera -- demo',
        },
      },
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
