// @tessera/token-service public entry point: re-exports only, no logic (ARCHITECTURE.md, "Layout").
export { tokenServiceErrors, type TokenServiceErrorCode } from './errors.js';
export { loadConfig, envBindings, type LoadConfigOptions, type TokenServiceConfig } from './config/load-config.js';
export {
  tokenServiceConfigSchema,
  clientConfigSchema,
  DEFAULT_OPERATIONS_PORT,
  operationsPort,
  type ClientConfig,
  type TokenServiceConfigInput,
  type UserConfig,
} from './config/schema.js';
export { createTokenService, type TokenService, type TokenServiceOptions } from './server/create-token-service.js';
export type { ServiceTimers } from './server/schedule-rotation.js';
export { discoveryDocument } from './oauth/discovery-document.js';
export { ENDPOINT_PATHS } from './oauth/endpoint-paths.js';
export { hashSecret, verifySecret } from './clients/secret-hash.js';
export {
  createKeyRing,
  type KeyRing,
  type KeyRingOptions,
  type KeyInfo,
  type KeyChange,
} from './keys/create-key-ring.js';
export { JWT_FACTORY_ISSUER, type FactoryVerification } from './admin/handle-jwt-factory-request.js';
export {
  TOKEN_EXCHANGE_GRANT,
  TOKEN_TYPE_ACCESS_TOKEN,
  TOKEN_TYPE_JWT,
  type GrantModule,
  type GrantContext,
  type GrantDecision,
} from './grants/grant-module.js';
export * from './storage/index.js';
