// @tessera/gateway public entry point: re-exports only, no logic (ARCHITECTURE.md, "Layout").
export { gatewayErrors, type GatewayErrorCode } from './errors.js';
export {
  loadGatewayConfig,
  gatewayEnvBindings,
  type GatewayConfig,
  type GatewayListenerConfig,
  type GatewayRouteConfig,
  type LoadGatewayConfigOptions,
} from './config/load-gateway-config.js';
export { gatewayConfigSchema } from './config/gateway-config-schema.js';
export { createGateway, type CreateGatewayOptions, type Gateway } from './create-gateway.js';
export type { GatewayRequest } from './request/gateway-request.js';
export type { Enforcer, GatewayIdentity, RouteFacts, Verdict } from './auth/verdict.js';
export type { EnforcerFactory, EnforcerFactoryInput } from './auth/verdict.js';
export { createGatewayMetrics, type GatewayMetrics, type RouteCounters } from './ops/create-gateway-metrics.js';
export { createTokenMinter, type TokenMinter, type TokenMinterOptions } from './mutate/create-token-minter.js';
export { claimHeaderValue, type ClaimHeaderValue } from './mutate/claim-header-value.js';
export {
  createRevocationList,
  type RevocationList,
  type RevocationListOptions,
} from './revocation/create-revocation-list.js';
export { startGatewayWorkers, type GatewayWorkers } from './workers/start-gateway-workers.js';
