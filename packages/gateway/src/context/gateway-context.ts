import type { Logger } from 'pino';
import type { GatewayConfig } from '../config/load-gateway-config.js';
import type { Enforcer } from '../auth/verdict.js';
import type { GatewayMetrics } from '../ops/create-gateway-metrics.js';
import type { TokenMinter } from '../mutate/create-token-minter.js';
import type { RouteTable } from '../request/route-table.js';

/** What a reload swaps atomically: routes and the compiled policy set travel together. */
export interface GatewayState {
  readonly routes: RouteTable;
  readonly enforcer: Enforcer;
}

/**
 * Everything the request pipeline needs, built once by `createGateway` and shared by every entry
 * (HTTP, WebSocket upgrade, decision API) and stage.
 *
 * @example
 * ```ts
 * const route = ctx.state().routes.match('api.local', '/orders');
 * ```
 */
export interface GatewayContext {
  readonly config: GatewayConfig;
  /** The routes and policy set in force now (a reload swaps them). */
  state(): GatewayState;
  readonly metrics: GatewayMetrics;
  readonly logger: Logger;
  /** Mints or exchanges last-mile tokens; `undefined` when no route mints. */
  readonly minter: TokenMinter | undefined;
  /** True when `ip` is in `trustedProxies`. */
  isTrustedProxy(ip: string): boolean;
  /** True once `close()` began. */
  draining(): boolean;
}
