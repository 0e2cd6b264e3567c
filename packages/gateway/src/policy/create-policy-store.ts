import { watch, readdirSync, readFileSync, statSync, type FSWatcher } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { Logger } from 'pino';
import type { Clock } from '@tessera/core';
import type { GatewayConfig } from '../config/load-gateway-config.js';
import { gatewayErrors } from '../errors.js';
import type { Enforcer } from '../auth/verdict.js';
import type { GatewayMetrics } from '../ops/create-gateway-metrics.js';
import { createEnforcer } from '../auth/create-enforcer.js';

/** One policy YAML file as read from a source. */
export interface PolicySourceFile {
  readonly file: string;
  readonly text: string;
}

/** What an enforcer factory gets: the files of every source, and the gateway's settings. */
export interface EnforcerFactoryInput {
  readonly files: readonly PolicySourceFile[];
  readonly config: GatewayConfig;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly metrics: GatewayMetrics;
  /** True when the token service has revoked this `jti`. */
  readonly isRevoked: ((jti: string) => boolean) | undefined;
}

/** Compiles policy files into an {@link Enforcer}; throws (with file, line, field) on a bad file. */
export type EnforcerFactory = (input: EnforcerFactoryInput) => Enforcer | Promise<Enforcer>;

/** Holds the compiled policy set and swaps it atomically on reload. */
export interface PolicyStore {
  current(): Enforcer;
  /** True once a policy set compiled (the empty set counts when there are no sources). */
  ready(): boolean;
  /** First load (throws when it fails: a gateway does not start on broken policies) and start watching. */
  start(): Promise<void>;
  /** Reload now; on failure the old set stays and the error is thrown (and logged). */
  reload(): Promise<void>;
  onSwap(listener: (enforcer: Enforcer) => void): void;
  close(): void;
  readonly factory: EnforcerFactory | undefined;
}

/** Options of {@link createPolicyStore}. */
export interface PolicyStoreOptions {
  readonly config: GatewayConfig;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly metrics: GatewayMetrics;
  readonly isRevoked: ((jti: string) => boolean) | undefined;
  readonly factory?: EnforcerFactory | undefined;
}

const YAML_FILE = /\.ya?ml$/i;

/** Reads every `.yaml`/`.yml` file of the sources (folders: their files, sorted, one level). */
export function readPolicySources(sources: readonly string[]): PolicySourceFile[] {
  const files: PolicySourceFile[] = [];
  for (const source of sources) {
    let st;
    try {
      st = statSync(source);
    } catch (cause) {
      throw gatewayErrors.create('ERR_GATEWAY_POLICY_LOAD_FAILED', `${source}: cannot read the policy source (${(cause as NodeJS.ErrnoException).code ?? 'error'})`, { cause });
    }
    const paths = st.isDirectory() ? readdirSync(source).filter((n) => YAML_FILE.test(n) && !n.startsWith('.')).sort().map((n) => join(source, n)) : [source];
    for (const file of paths) {
      try {
        files.push({ file, text: readFileSync(file, 'utf8') });
      } catch (cause) {
        throw gatewayErrors.create('ERR_GATEWAY_POLICY_LOAD_FAILED', `${file}: cannot read the policy file (${(cause as NodeJS.ErrnoException).code ?? 'error'})`, { cause });
      }
    }
  }
  return files;
}

/**
 * Creates the policy store: compile, then swap the reference (ARCHITECTURE.md, "Request path").
 * With `policies.watch`, changes to the sources reload after `policies.debounceMs` of quiet; a
 * reload that fails keeps the old set and logs the file, line and field the compiler reported.
 *
 * @example
 * ```ts
 * const store = createPolicyStore({ config, clock: Date.now, logger, metrics, isRevoked: undefined });
 * await store.start();
 * store.current().evaluate(request, route);
 * ```
 */
export function createPolicyStore(options: PolicyStoreOptions): PolicyStore {
  const { config, logger, metrics } = options;
  const factory: EnforcerFactory = options.factory ?? createEnforcer;
  let enforcer: Enforcer | undefined;
  const listeners: ((e: Enforcer) => void)[] = [];
  const watchers: FSWatcher[] = [];
  let timer: NodeJS.Timeout | undefined;
  let generation = 0;
  let closed = false;

  // Until the first load, every request is refused: nothing passes before policies are in force.
  const notReady: Enforcer = {
    evaluate: () => ({ kind: 'denied', reason: 'policies not loaded yet', dryRun: undefined, headerNames: [] }),
    managedHeaders: new Set(),
    size: 0,
  };

  const compile = async (): Promise<Enforcer> => {
    const files = readPolicySources(config.policies.sources);
    return factory({ files, config, clock: options.clock, logger, metrics, isRevoked: options.isRevoked });
  };

  const reload = async (): Promise<void> => {
    const mine = ++generation;
    let next: Enforcer;
    try {
      next = await compile();
    } catch (err) {
      metrics.policyReloads.failure();
      logger.error({ err: { code: (err as { code?: string }).code, message: (err as Error).message, details: (err as { details?: unknown }).details } }, 'policy reload failed; the previous policy set stays in force');
      throw err;
    }
    // A slower, older reload must not overwrite a newer one.
    if (mine !== generation || closed) return;
    enforcer = next;
    metrics.policyReloads.success();
    logger.info({ policies: next.size }, 'policy set loaded');
    for (const l of listeners) l(next);
  };

  const schedule = () => {
    if (closed) return;
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => {
      timer = undefined;
      reload().catch(() => undefined);
    }, config.policies.debounceMs);
    timer.unref();
  };

  const startWatching = () => {
    const dirs = new Map<string, Set<string> | undefined>();
    for (const source of config.policies.sources) {
      let isDir = false;
      try {
        isDir = statSync(source).isDirectory();
      } catch {
        continue;
      }
      if (isDir) dirs.set(source, undefined);
      else {
        // Watch the folder, not the file: editors and `kubectl cp` replace files by rename.
        const dir = dirname(source);
        const names = dirs.has(dir) ? dirs.get(dir) : new Set<string>();
        if (names !== undefined) names.add(basename(source));
        dirs.set(dir, names);
      }
    }
    for (const [dir, names] of dirs) {
      try {
        const w = watch(dir, { persistent: false }, (_event, filename) => {
          const name = filename?.toString();
          if (names === undefined ? name === undefined || YAML_FILE.test(name) : name === undefined || names.has(name)) schedule();
        });
        w.on('error', (err) => logger.warn({ err, dir }, 'policy watcher failed'));
        watchers.push(w);
      } catch (err) {
        logger.warn({ err, dir }, 'cannot watch the policy source');
      }
    }
  };

  return {
    factory: options.factory,
    current: () => enforcer ?? notReady,
    ready: () => enforcer !== undefined,
    async start() {
      await reload();
      if (config.policies.watch) startWatching();
    },
    reload,
    onSwap(l) {
      listeners.push(l);
    },
    close() {
      closed = true;
      if (timer) clearTimeout(timer);
      for (const w of watchers) w.close();
    },
  };
}
