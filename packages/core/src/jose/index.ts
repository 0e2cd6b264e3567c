export type * from './types.js';
export { ALGORITHMS, JWS_ALGORITHMS, getAlgorithm, isJwsAlgorithm, type AlgorithmSpec } from './algorithms.js';
export { decodeBase64Url, encodeBase64Url, isBase64Url, tryDecodeBase64Url } from './base64url.js';
export { calculateJwkThumbprint } from './jwk-thumbprint.js';
export { importJwk, importSigningKey, type ImportJwkOptions } from './import-jwk.js';
export { exportJwk, toPublicJwk } from './export-jwk.js';
export { exportJwks } from './export-jwks.js';
export { importPem, exportPem } from './pem.js';
export { generateKey, type GenerateKeyOptions, type GeneratedKey, type HmacAlgorithm } from './generate-key.js';
export { signJwt, type SignJwtOptions } from './sign-jwt.js';
export { createJwtSigner, type JwtSigner, type JwtSignerOptions } from './create-jwt-signer.js';
export { verifySignature } from './verify-signature.js';
export { decodeJwt, type UnverifiedJwt } from './decode-jwt.js';
export { importJwks, type DroppedJwk, type ImportedJwks, type ImportJwksOptions } from './import-jwks.js';
export { createKeyIndex, type KeyIndex } from './key-index.js';
export { createLocalJwks, type LocalJwks } from './local-jwks.js';
export { createTokenCache, type TokenCache, type TokenCacheOptions } from './token-cache.js';
export {
  createVerifier,
  type IssuerOptions,
  type KeysInput,
  type TesseraVerifier,
  type VerifierOptions,
} from './create-verifier.js';
export {
  createRemoteJwks,
  type Logger,
  type RemoteJwks,
  type RemoteJwksEvent,
  type RemoteJwksOptions,
  type RemoteJwksStats,
} from './remote-jwks.js';
export { discoverIssuer, type DiscoveryOptions, type IssuerMetadata } from './discovery.js';
export {
  createRevocationFeed,
  type RevocationFeed,
  type RevocationFeedEvent,
  type RevocationFeedOptions,
  type RevocationSource,
  type WithdrawnKeys,
} from './revocation-feed.js';
export { excludeWithdrawnKeys } from './exclude-withdrawn-keys.js';
export { clientSecretBasic } from './client-secret-basic.js';
