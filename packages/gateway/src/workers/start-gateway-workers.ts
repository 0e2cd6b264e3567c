import cluster, { type Worker } from 'node:cluster';
import { randomUUID } from 'node:crypto';
import { AggregatorRegistry } from 'prom-client';
import { generateKey, type JwsAlgorithm } from '@tessera/core';
import type { MintingKeys } from '../mutate/create-token-minter.js';
import type { GatewayConfig } from '../config/load-gateway-config.js';
import { gatewayErrors } from '../errors.js';
import { createGateway, type CreateGatewayOptions } from '../create-gateway.js';

/** A set of gateway worker processes sharing the listeners (node:cluster). */
export interface GatewayWorkers {
  /** Base URL per listener name, as the first worker reported it (ports are shared). */
  readonly urls: Readonly<Record<string, string>>;
  /** Number of workers running. */
  readonly size: number;
  /** SIGTERM every worker (each drains gracefully) and wait for them to exit. */
  close(): Promise<void>;
}

interface ListeningMessage {
  readonly type: 'tessera-gateway-listening';
  readonly urls: Record<string, string>;
}

// The primary owns the minting key schedule (next → current → previous) and rotates it; each
// worker asks for it over the IPC channel on start (so it cannot arrive before the worker listens)
// and is sent every rotation. Never through the environment: a process's initial environment
// stays readable in /proc/<pid>/environ for its lifetime.
const KEY_REQUEST = 'tessera-gateway-minting-key-request';
const KEY_REPLY = 'tessera-gateway-minting-keys';

// A worker's /metrics asks the primary, which gathers every worker's registry (prom-client's
// AggregatorRegistry), so a scrape that lands on any worker sees the whole gateway.
const METRICS_REQUEST = 'tessera-gateway-metrics-request';
const METRICS_REPLY = 'tessera-gateway-metrics';

function clusterMetricsText(): Promise<string> {
  return new Promise((resolve, reject) => {
    const id = randomUUID();
    const timer = setTimeout(() => {
      process.off('message', onMessage);
      reject(new Error('the primary did not answer with the cluster metrics'));
    }, 5_000);
    const onMessage = (m: { type?: string; id?: string; text?: string; error?: string }) => {
      if (m?.type !== METRICS_REPLY || m.id !== id) return;
      clearTimeout(timer);
      process.off('message', onMessage);
      if (typeof m.text === 'string') resolve(m.text);
      else reject(new Error(m.error ?? 'cluster metrics failed'));
    };
    process.on('message', onMessage);
    process.send?.({ type: METRICS_REQUEST, id });
  });
}

const needsMintingKey = (config: GatewayConfig): boolean =>
  config.routes.some((r) => r.mutations.mint?.mode === 'self');

/** Asks the primary for the key schedule; later schedules (rotations) go to `onRotate`. */
function followMintingKeys(onRotate: (keys: MintingKeys) => void): Promise<MintingKeys> {
  return new Promise((resolve) => {
    let first = true;
    process.on('message', (m: { type?: string; keys?: MintingKeys }) => {
      if (m?.type !== KEY_REPLY || m.keys === undefined) return;
      if (first) resolve(m.keys);
      else onRotate(m.keys);
      first = false;
    });
    process.send?.({ type: KEY_REQUEST });
  });
}

/**
 * Runs the gateway on `workers` processes with node:cluster (`tessera gateway --workers N`). Call it
 * from the entry script: in the primary it forks the workers (which run the same script and so
 * reach this call again) and resolves once all listen; in a worker it starts one gateway, reports
 * its URLs and drains on SIGTERM. The primary generates the minting key once and hands it to every
 * worker so they publish and sign with the same key. Crashed workers are restarted.
 *
 * @example
 * ```ts
 * const config = loadGatewayConfig({ file: 'gateway.yaml', env: process.env });
 * const running = await startGatewayWorkers(config, 2);
 * process.once('SIGTERM', () => void running.close());
 * ```
 */
export async function startGatewayWorkers(
  config: GatewayConfig,
  workers: number,
  options: Omit<CreateGatewayOptions, 'mintingKey'> = {},
): Promise<GatewayWorkers> {
  if (!Number.isInteger(workers) || workers < 1 || workers > 256)
    throw gatewayErrors.create('ERR_GATEWAY_CONFIG_INVALID', 'workers must be an integer from 1 to 256');
  if (cluster.isWorker) {
    // eslint-disable-next-line prefer-const -- assigned once below, but the key-rotation callback reads it and can run before that assignment (a const would still be in its temporal dead zone there)
    let gateway: ReturnType<typeof createGateway> | undefined;
    const mintingKeys = needsMintingKey(config)
      ? await followMintingKeys((keys) => gateway?.adoptMintingKeys(keys))
      : undefined;
    gateway = createGateway(config, {
      ...options,
      ...(mintingKeys ? { mintingKeys } : {}),
      metricsText: clusterMetricsText,
    });
    // Constructing one installs prom-client's worker-side answer to the primary's requests.
    new AggregatorRegistry();
    AggregatorRegistry.setRegistries([gateway.metrics.registry]);
    await gateway.listen();
    process.send?.({ type: 'tessera-gateway-listening', urls: gateway.urls } satisfies ListeningMessage);
    const stop = () => {
      void gateway.close().finally(() => process.exit(0));
    };
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
    return { urls: gateway.urls, size: 1, close: () => gateway.close() };
  }
  // Workers accept connections themselves (the kernel balances); round-robin through the primary
  // would add a hop per connection.
  cluster.schedulingPolicy = cluster.SCHED_NONE;
  const aggregator = new AggregatorRegistry();
  let closing = false;
  let urls: Record<string, string> = {};
  const running = new Set<Worker>();
  const alg = config.minting.algorithm as JwsAlgorithm;
  let mintingKeys: MintingKeys | undefined = needsMintingKey(config)
    ? { current: generateKey(alg).privateJwk, next: generateKey(alg).privateJwk }
    : undefined;
  const rotation =
    mintingKeys === undefined
      ? undefined
      : setInterval(() => {
          const { current, next } = mintingKeys!;
          const { d: _d, p: _p, q: _q, dp: _dp, dq: _dq, qi: _qi, ...previous } = current;
          mintingKeys = {
            previous: { ...previous, alg, use: 'sig' },
            current: next ?? generateKey(alg).privateJwk,
            next: generateKey(alg).privateJwk,
          };
          for (const w of running) if (w.isConnected()) w.send({ type: KEY_REPLY, keys: mintingKeys });
        }, config.minting.keyRotationSeconds * 1000);
  rotation?.unref();
  const fork = () =>
    new Promise<void>((resolve, reject) => {
      const w = cluster.fork();
      running.add(w);
      const onMessage = (
        m: ListeningMessage | { type: typeof KEY_REQUEST } | { type: typeof METRICS_REQUEST; id: string },
      ) => {
        if (m?.type === KEY_REQUEST && mintingKeys !== undefined) w.send({ type: KEY_REPLY, keys: mintingKeys });
        if (m?.type === METRICS_REQUEST) {
          aggregator.clusterMetrics().then(
            (text) => w.send({ type: METRICS_REPLY, id: m.id, text }),
            (error: unknown) =>
              w.send({ type: METRICS_REPLY, id: m.id, error: String((error as Error)?.message ?? error) }),
          );
        }
        if (m?.type !== 'tessera-gateway-listening') return;
        urls = m.urls;
        resolve();
      };
      w.on('message', onMessage);
      w.once('exit', (code) => {
        running.delete(w);
        reject(
          gatewayErrors.create(
            'ERR_GATEWAY_CONFIG_INVALID',
            `gateway worker exited with code ${code} before listening`,
          ),
        );
        // A worker that dies after start is replaced, unless we are shutting down.
        if (!closing) void fork().catch(() => undefined);
      });
    });
  await Promise.all(Array.from({ length: workers }, fork));
  return {
    get urls() {
      return urls;
    },
    get size() {
      return running.size;
    },
    async close() {
      closing = true;
      if (rotation !== undefined) clearInterval(rotation);
      await Promise.all(
        [...running].map(
          (w) =>
            new Promise<void>((resolve) => {
              w.once('exit', () => resolve());
              w.process.kill('SIGTERM');
            }),
        ),
      );
    },
  };
}
