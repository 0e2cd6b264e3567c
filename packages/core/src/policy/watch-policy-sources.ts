import { statSync, watch, type FSWatcher } from 'node:fs';
import { basename, dirname } from 'node:path';
import type { Logger } from '../jose/remote-jwks.js';

const POLICY_FILE = /\.(ya?ml|json)$/i;
/**
 * The symlink a Kubernetes ConfigMap or Secret volume swaps, in one rename, to publish new contents
 * (kubelet's atomic writer); the files themselves are symlinks through it and see no event.
 */
const KUBERNETES_DATA_LINK = '..data';

/**
 * Calls `onChange` once `debounceMs` have passed quietly after a policy file under `paths` changed:
 * folders are watched recursively (`.yaml`, `.yml`, `.json` files), a file through its folder, for
 * its own name only (editors and `kubectl cp` replace files by rename), and in either case on the
 * swap of a Kubernetes volume's `..data` link. Watchers never keep the
 * process alive; a path that cannot be watched is logged and skipped.
 *
 * @example
 * ```ts
 * const watching = watchPolicySources(['./policies'], { debounceMs: 200, logger }, () => void reload());
 * watching.close();
 * ```
 */
export function watchPolicySources(
  paths: readonly string[],
  options: { readonly debounceMs: number; readonly logger?: Logger | undefined },
  onChange: () => void,
): { close(): void } {
  const { logger } = options;
  let timer: NodeJS.Timeout | undefined;
  let closed = false;
  const schedule = () => {
    if (closed) return;
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => {
      timer = undefined;
      onChange();
    }, options.debounceMs);
    timer.unref();
  };
  const dirs = new Map<string, Set<string> | undefined>();
  for (const path of paths) {
    let isDir: boolean;
    try {
      isDir = statSync(path).isDirectory();
    } catch {
      continue;
    }
    if (isDir) dirs.set(path, undefined);
    else {
      const dir = dirname(path);
      const names = dirs.has(dir) ? dirs.get(dir) : new Set<string>();
      names?.add(basename(path));
      dirs.set(dir, names);
    }
  }
  const watchers: FSWatcher[] = [];
  for (const [dir, names] of dirs) {
    try {
      const w = watch(dir, { persistent: false, recursive: names === undefined }, (_event, filename) => {
        const name = filename?.toString();
        if (
          name === undefined ||
          name === KUBERNETES_DATA_LINK ||
          (names === undefined ? POLICY_FILE.test(basename(name)) : names.has(name))
        )
          schedule();
      });
      w.on('error', (error) => logger?.warn({ err: error.message, dir }, 'policy watcher failed'));
      watchers.push(w);
    } catch (error) {
      logger?.warn({ err: (error as Error).message, dir }, 'cannot watch the policy source');
    }
  }
  return {
    close() {
      closed = true;
      if (timer) clearTimeout(timer);
      for (const w of watchers) w.close();
    },
  };
}
