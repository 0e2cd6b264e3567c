// A git worktree of an earlier commit, runnable beside the current tree, so a benchmark can measure
// "before" and "after" side by side in one run (same machine state, same load generator). The
// worktree gets its own node_modules folder: every dependency is a symlink into the main one,
// except the @tessera packages, which point at the worktree's own packages/.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A checked-out earlier commit; `close()` removes the worktree. */
export interface BaselineWorktree {
  readonly dir: string;
  /** The commit checked out (short hash). */
  readonly commit: string;
  close(): void;
}

/** Checks out `ref` (a commit, tag or `HEAD~1`) of the repository at `root` into a temporary worktree. */
export function checkoutBaseline(root: string, ref: string): BaselineWorktree {
  const git = (...args: string[]) => execFileSync('git', args, { cwd: root, encoding: 'utf8' }).trim();
  const commit = git('rev-parse', '--short', ref);
  const dir = join(mkdtempSync(join(tmpdir(), 'tessera-baseline-')), commit);
  git('worktree', 'add', '--detach', dir, commit);
  const modules = join(dir, 'node_modules');
  mkdirSync(join(modules, '@tessera'), { recursive: true });
  for (const name of readdirSync(join(root, 'node_modules'))) {
    if (name === '@tessera' || name === '.bin' || name === '.package-lock.json') continue;
    symlinkSync(join(root, 'node_modules', name), join(modules, name));
  }
  for (const pkg of readdirSync(join(dir, 'packages'))) {
    symlinkSync(join(dir, 'packages', pkg), join(modules, '@tessera', pkg));
  }
  return {
    dir,
    commit,
    close() {
      git('worktree', 'remove', '--force', dir);
      rmSync(join(dir, '..'), { recursive: true, force: true });
    },
  };
}

/**
 * The `--conditions` flag that makes a tree's packages resolve to their TypeScript sources: the
 * export condition whose target is under `src/` (`tessera-source` today, `development` before the
 * packages were shipped compiled), read from the tree's own `@tessera/core`.
 *
 * @example
 * ```ts
 * spawn(process.execPath, [...sourceConditions(base.dir), '--import', 'tsx', file]);
 * ```
 */
export function sourceConditions(tree: string): string[] {
  const manifest = JSON.parse(readFileSync(join(tree, 'packages/core/package.json'), 'utf8')) as {
    exports: { '.': Record<string, string> };
  };
  const name = Object.entries(manifest.exports['.']).find(([, target]) => target.includes('/src/'))?.[0];
  return name === undefined ? [] : [`--conditions=${name}`];
}
