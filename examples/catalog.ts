// Every example, in the brief's order, for `tessera demo` and test/e2e. Each loads lazily, so one
// example's missing dependency never stops the others.
import type { ExampleOptions, RunningExample } from './types.js';

/** One example: where it lives and how to start it. */
export interface ExampleEntry {
  readonly id: string;
  readonly dir: string;
  readonly title: string;
  start(options?: ExampleOptions): Promise<RunningExample>;
}

/**
 * The examples, scenario order.
 *
 * @example
 * ```ts
 * for (const entry of examples) {
 *   const example = await entry.start();
 *   for (const c of example.checks) console.log(c.call, (await c.run()) === c.expected);
 *   await example.close();
 * }
 * ```
 */
export const examples: readonly ExampleEntry[] = [
  {
    id: '1',
    dir: '01-central-keys',
    title: 'central keys (token service holds the keys)',
    start: async (o) => (await import('./01-central-keys/main.js')).start(o),
  },
  {
    id: '2',
    dir: '02-fan-out',
    title: 'fan-out: A calls B and C',
    start: async (o) => (await import('./02-fan-out/main.js')).start(o),
  },
  {
    id: '3',
    dir: '03-own-keys-tls',
    title: 'own keys over TLS',
    start: async (o) => (await import('./03-own-keys-tls/main.js')).start(o),
  },
  {
    id: '4',
    dir: '04-one-signer-two-receivers',
    title: 'one signer, two receivers',
    start: async (o) => (await import('./04-one-signer-two-receivers/main.js')).start(o),
  },
  {
    id: '5',
    dir: '05-token-exchange',
    title: 'token exchange over HTTPS (order-processing → inventory)',
    start: async (o) => (await import('./05-token-exchange/main.js')).start(o),
  },
  {
    id: '6',
    dir: '06-last-mile',
    title: 'last-mile security (gateway mints a token for the backend)',
    start: async (o) => (await import('./06-last-mile/main.js')).start(o),
  },
  {
    id: '7',
    dir: '07-mesh-policies',
    title: 'mesh policies in steps (mTLS and request principals)',
    start: async (o) => (await import('./07-mesh-policies/main.js')).start(o),
  },
  {
    id: '8',
    dir: '08-jwks-gateway-policy',
    title: 'JWKS generator + JWKS server + gateway JWT policy (HS256 and RS256)',
    start: async (o) => (await import('./08-jwks-gateway-policy/main.js')).start(o),
  },
  {
    id: '9',
    dir: '09-web-login',
    title: 'web UI login (Tessera as the identity provider) and backend-api behind its sidecar',
    start: async (o) => (await import('./09-web-login/main.js')).start(o),
  },
  {
    id: '10',
    dir: '10-gateway-login',
    title: 'the gateway logs people in (ExtAuthPolicy) for a web UI with no auth',
    start: async (o) => (await import('./10-gateway-login/main.js')).start(o),
  },
];
