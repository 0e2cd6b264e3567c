// Cold start of the compiled CLI (issue "Ship the packages"): wall time of a whole process, from
// spawn to exit, against `node -e 0` as the floor, all interleaved in one run (3 warm-up runs,
// then 30 measured rounds, each round running every case once so machine noise hits all alike).
// Builds the packages first (`npm run build`), then runs the bin users run, bin/tessera.js (which
// starts the compiled dist/bin.js).
// Targets: `tessera --version` ≤ 1.5× the floor, `tessera token decode <token>` ≤ 2×.
// Run alone: npm run bench -- cli
import { spawnSync } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { generateKey, signJwt } from '@tessera/core';
import { table } from './internal/measure.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const bin = fileURLToPath(new URL('../packages/cli/bin/tessera.js', import.meta.url));

function wallMs(args: readonly string[]): number {
  const start = process.hrtime.bigint();
  const run = spawnSync(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (run.status !== 0) throw new Error(`${args.join(' ')} exited ${run.status}: ${run.stderr.toString()}`);
  return ms;
}

const median = (values: readonly number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
};

export default function run(): void {
  const build = spawnSync('npm', ['run', 'build'], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
  if (build.status !== 0) throw new Error('npm run build failed');
  const token = signJwt({ sub: 'svc-a', scope: 'orders:read' }, generateKey('ES256').signingKey, {
    issuer: 'https://issuer.bench',
    audience: 'orders',
    expiresIn: 300,
  });
  const cases: [string, string[]][] = [
    ['node -e 0 (floor)', ['-e', '0']],
    ['tessera --version', [bin, '--version']],
    ['tessera token decode <token>', [bin, 'token', 'decode', token]],
    ['tessera --help', [bin, '--help']],
  ];
  const times = new Map<string, number[]>(cases.map(([name]) => [name, []]));
  for (let round = 0; round < 33; round++)
    for (const [name, args] of cases) {
      const ms = wallMs(args);
      if (round >= 3) times.get(name)!.push(ms);
    }
  const floor = median(times.get('node -e 0 (floor)')!);
  const targets: Record<string, string> = { 'tessera --version': '≤ 1.5', 'tessera token decode <token>': '≤ 2' };
  console.log(
    table(
      ['process, spawn to exit (30 runs)', 'median ms', '× floor', 'target'],
      cases.map(([name]) => {
        const m = median(times.get(name)!);
        return [name, m.toFixed(1), (m / floor).toFixed(2), targets[name] ?? ''];
      }),
    ),
  );
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) run();
