import { existsSync } from 'node:fs';
import { coreErrors } from '../errors/errors.js';
import { createRemoteJwks, type Logger, type RemoteJwks } from '../jose/remote-jwks.js';
import {
  compilePolicies,
  type CompilePoliciesOptions,
  type KeySourceFactory,
  type PolicySet,
} from './compile-policies.js';
import { loadPolicies } from './load-policies.js';
import { watchPolicySources } from './watch-policy-sources.js';

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
 * app.use(tesseraExpress({ policies, labels: { app: 'orders' } })); // tesseraExpress: @tessera/core/express
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

  let watching: { close(): void } | undefined;
  const ready = reload().then(() => {
    if (options.watch !== false && !closed)
      watching = watchPolicySources(paths, { debounceMs, logger }, () => void reload().catch(() => undefined));
  });
  // The caller may never await `ready`; its failure is still reported through it.
  ready.catch(() => undefined);

  return {
    current: () => set,
    ready,
    reload,
    close() {
      closed = true;
      watching?.close();
      for (const r of remotes.values()) r.close();
    },
  };
}
