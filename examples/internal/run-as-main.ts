import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { ExampleOptions, RunningExample } from '../types.js';

/**
 * When the module at `moduleUrl` is the program being run (`node --conditions=tessera-source --import
 * tsx examples/03-own-keys-tls/main.ts`), starts the example, prints its URLs and curl commands,
 * runs its checks once, and stays up until Ctrl-C. Imported by tests or `tessera demo`, it does nothing.
 */
export function runAsMain(moduleUrl: string, start: (options?: ExampleOptions) => Promise<RunningExample>): void {
  const entry = process.argv[1];
  if (entry === undefined) return;
  let same: boolean;
  try {
    same = realpathSync(entry) === realpathSync(fileURLToPath(moduleUrl));
  } catch {
    same = false;
  }
  if (!same) return;
  const port = process.env['PORT'] === undefined ? 0 : Number(process.env['PORT']);
  void (async () => {
    const example = await start({ port });
    // Listening for the signal before printing anything: a signal sent on the first line still drains.
    const stop = () => {
      example.close().then(
        () => process.exit(0),
        () => process.exit(1),
      );
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    console.log(`Scenario ${example.id}: ${example.title}`);
    for (const [name, url] of Object.entries(example.urls)) console.log(`  ${name.padEnd(18)} ${url}`);
    console.log('\nChecks:');
    for (const check of example.checks) {
      const got = await check.run();
      console.log(
        `  ${got === check.expected ? 'ok  ' : 'DIFF'} ${check.call}  →  ${got}${got === check.expected ? '' : `  (expected ${check.expected})`}`,
      );
    }
    if (example.hints.length > 0) console.log(`\nTry it:\n${example.hints.map((h) => `  ${h}`).join('\n')}`);
    console.log('\nCtrl-C stops it.');
  })().catch((error: unknown) => {
    console.error(`example failed to start: ${(error as Error).message}`);
    process.exit(1);
  });
}
