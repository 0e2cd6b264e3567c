/**
 * The endpoint paths the server answers, relative to the issuer.
 *
 * @example
 * ```ts
 * const tokenUrl = issuer + ENDPOINT_PATHS.token;
 * ```
 */
export const ENDPOINT_PATHS = Object.freeze({
  token: '/token',
  jwks: '/.well-known/jwks.json',
  introspection: '/introspect',
  revocation: '/revoke',
  revocations: '/revocations',
  revocationStream: '/revocations/stream',
  factoryJwks: '/jwt-factory/jwks.json',
});
