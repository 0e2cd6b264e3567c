import { existsSync, statSync, watch, type FSWatcher } from 'node:fs';
import { basename, dirname } from 'node:path';
import { coreErrors } from '../errors/errors.js';
import { createRemoteJwks, type Logger, type RemoteJwks } from '../jose/remote-jwks.js';
import {
  compilePolicies,
  type CompilePoliciesOptions,
  type KeySourceFactory,
  type PolicySet,
} from './compile-policies.js';
import { loadPolicies } from './load-policies.js';

/**
 * Options of {@link createPolicyWatcher}: how to compile (as {@link compilePolicies}) and how to
 * follow the files.
 *
 * @example
 * ```ts
 * const options: PolicyWatcherOptions = { defaultAction: 'deny', debounceMs: 200, logger };
 * ```
 */
export interface PolicyWatcherOptions extends CompilePoliciesOptions {
  /** Reload when a file under the sources changes. Default `true`. */
  readonly watch?: boolean;
  /** Quiet time after the last change before reloading, in ms. Default 200. */
  readonly debounceMs?: number;
  /** Receives a line per reload, and the file, line and field of a reload that failed. */
  readonly logger?: Logger;
}

/**
 * Policies loaded from files and folders, kept compiled and swapped whole on each change.
 *
 * @example
 * ```ts
 * const policies = createPolicyWatcher('./policies');
 * await policies.ready;
 * policies.current()?.authorize(request, identity);
 * ```
 */
export interface PolicyWatcher {
  /** The policy set in force; `undefined` until the first load succeeded. */
  current(): PolicySet | undefined;
  /** Settles with the first load: a caller that must not serve on broken policies awaits it. */
  readonly ready: Promise<void>;
  /** Loads now; on failure the previous set stays in force and the error is thrown (and logged). */
  reload(): Promise<void>;
  /** Stops watching and closes the remote key sources. */
  close(): void;
}

const POLICY_FILE = /\.(ya?ml|json)$/i;

/**
 * Loads Istio `RequestAuthentication` / `AuthorizationPolicy` files (a file, several, or folders,
 * read recursively) and compiles them; with `watch` (default), a change reloads after `debounceMs`
 * of quiet. A reload that fails keeps the previous set and logs where the problem is; a slower,
 * older reload never replaces a newer one. Remote JWKS are kept across reloads (one per URL and
 * timeout), so a reload does not refetch keys. What the gateway's policy folder does, for a service
 * that enforces the same YAML in process.
 *
 * @example
 * ```ts
 * const policies = createPolicyWatcher(['./policies'], { defaultAction: 'deny', revocations: feed });
 * app.use(tesseraExpress({ policies, labels: { app: 'orders' } }));
 * ```
 */
export function createPolicyWatcher(
  sources: string | readonly string[],
  options: PolicyWatcherOptions = {},
): PolicyWatcher {
  const paths = typeof sources === 'string' ? [sources] : [...sources];
  if (paths.length === 0 || !paths.every((p) => typeof p === 'string' && p.length > 0))
    throw coreErrors.create('ERR_CONFIG_INVALID', 'createPolicyWatcher: give one or more policy files or folders');
  const debounceMs = options.debounceMs ?? 200;
  const logger = options.logger;
  const remotes = new Map<string, RemoteJwks>();
  // One remote key source per (jwksUri | issuer, timeout), shared by every compiled set.
  const remoteKeySource: KeySourceFactory =
    options.createRemoteKeySource ??
    ((request) => {
      const key = `${request.jwksUri ?? `discovery:${request.issuer}`}\0${request.timeoutMs}`;
      let source = remotes.get(key);
      if (source === undefined) {
        const common = { ...options.remoteJwksOptions, timeoutDuration: request.timeoutMs };
        source =
          request.jwksUri !== undefined
            ? createRemoteJwks(request.jwksUri, common)
            : createRemoteJwks({ ...common, issuer: request.issuer });
        remotes.set(key, source);
      }
      return source;
    });

  let set: PolicySet | undefined;
  let generation = 0;
  let closed = false;
  let timer: NodeJS.Timeout | undefined;
  const watchers: FSWatcher[] = [];

  const reload = async (): Promise<void> => {
    const mine = ++generation;
    let next: PolicySet;
    try {
      const missing = paths.find((p) => !existsSync(p));
      if (missing !== undefined)
        throw coreErrors.create('ERR_CONFIG_INVALID', `the policy source ${missing} does not exist`);
      const { documents } = await loadPolicies(paths);
      next = compilePolicies(documents, { ...options, createRemoteKeySource: remoteKeySource });
    } catch (error) {
      if (set !== undefined)
        logger?.error(
          { err: { code: (error as { code?: string }).code, message: (error as Error).message } },
          'policy reload failed; the previous policy set stays in force',
        );
      throw error;
    }
    // A slower, older reload must not overwrite a newer one.
    if (mine !== generation || closed) return;
    set = next;
    logger?.info({ policies: next.policies.length }, 'policy set loaded');
  };

  const schedule = () => {
    if (closed) return;
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => {
      timer = undefined;
      reload().catch(() => undefined);
    }, debounceMs);
    timer.unref();
  };

  const startWatching = () => {
    // Folders are watched recursively; a file through its folder (editors and `kubectl cp`
    // replace files by rename), for its own name only.
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
    for (const [dir, names] of dirs) {
      try {
        const w = watch(dir, { persistent: false, recursive: names === undefined }, (_event, filename) => {
          const name = filename?.toString();
          const relevant =
            name === undefined || (names === undefined ? POLICY_FILE.test(basename(name)) : names.has(name));
          if (relevant) schedule();
        });
        w.on('error', (error) => logger?.warn({ err: error.message, dir }, 'policy watcher failed'));
        watchers.push(w);
      } catch (error) {
        logger?.warn({ err: (error as Error).message, dir }, 'cannot watch the policy source');
      }
    }
  };

  const ready = reload().then(() => {
    if (options.watch !== false && !closed) startWatching();
  });
  // The caller may never await `ready`; its failure is still reported through it.
  ready.catch(() => undefined);

  return {
    current: () => set,
    ready,
    reload,
    close() {
      closed = true;
      if (timer) clearTimeout(timer);
      for (const w of watchers) w.close();
      for (const r of remotes.values()) r.close();
    },
  };
}
