import { TOKEN_EXCHANGE_GRANT } from '../grants/grant-module.js';
import { ENDPOINT_PATHS } from './endpoint-paths.js';
import { RING_ALGORITHMS } from '../internal/jose.js';

/**
 * The RFC 8414 authorization server metadata (also served as the OIDC discovery document): issuer,
 * endpoints, supported grants, client authentication methods and signing algorithms.
 *
 * @example
 * ```ts
 * const doc = discoveryDocument('http://127.0.0.1:7400', ['client_credentials'], 'RS256');
 * doc.token_endpoint; // 'http://127.0.0.1:7400/token'
 * ```
 */
export function discoveryDocument(
  issuer: string,
  grantTypes: readonly string[],
  signingAlg: string,
): Record<string, unknown> {
  const base = issuer.endsWith('/') ? issuer.slice(0, -1) : issuer;
  const authMethods = ['client_secret_basic', 'client_secret_post', 'private_key_jwt'];
  const people = grantTypes.includes('authorization_code');
  const assertionAlgs = [...RING_ALGORITHMS];
  return {
    issuer,
    token_endpoint: base + ENDPOINT_PATHS.token,
    jwks_uri: base + ENDPOINT_PATHS.jwks,
    introspection_endpoint: base + ENDPOINT_PATHS.introspection,
    revocation_endpoint: base + ENDPOINT_PATHS.revocation,
    response_types_supported: people ? ['code'] : [],
    grant_types_supported: [...grantTypes],
    // `none`: public clients (browser and native apps) at the token endpoint, with PKCE.
    token_endpoint_auth_methods_supported: people ? [...authMethods, 'none'] : authMethods,
    token_endpoint_auth_signing_alg_values_supported: assertionAlgs,
    introspection_endpoint_auth_methods_supported: authMethods,
    introspection_endpoint_auth_signing_alg_values_supported: assertionAlgs,
    revocation_endpoint_auth_methods_supported: authMethods,
    revocation_endpoint_auth_signing_alg_values_supported: assertionAlgs,
    // RFC 9068 access tokens are signed with the ring's algorithm.
    access_token_signing_alg_values_supported: [signingAlg],
    ...(grantTypes.includes(TOKEN_EXCHANGE_GRANT)
      ? {
          token_types_supported: [
            'urn:ietf:params:oauth:token-type:access_token',
            'urn:ietf:params:oauth:token-type:jwt',
          ],
        }
      : {}),
    ...(people
      ? {
          // OpenID Connect Discovery 1.0 §3, for people logging in (issue "People").
          authorization_endpoint: `${base}/authorize`,
          userinfo_endpoint: `${base}/userinfo`,
          end_session_endpoint: `${base}/logout`,
          // OpenID Connect Back-Channel Logout 1.0 §2.1: logout tokens carry `sid`.
          backchannel_logout_supported: true,
          backchannel_logout_session_supported: true,
          response_modes_supported: ['query'],
          code_challenge_methods_supported: ['S256'],
          authorization_response_iss_parameter_supported: true,
          scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
          subject_types_supported: ['public'],
          id_token_signing_alg_values_supported: [signingAlg],
          acr_values_supported: ['1', '2'],
          prompt_values_supported: ['none', 'login', 'consent', 'select_account'],
          claims_supported: [
            'sub',
            'iss',
            'aud',
            'exp',
            'iat',
            'auth_time',
            'nonce',
            'sid',
            'amr',
            'acr',
            'at_hash',
            'azp',
            'name',
            'nickname',
            'preferred_username',
            'picture',
            'given_name',
            'family_name',
            'email',
            'email_verified',
          ],
        }
      : {}),
    // Tessera extension: where gateways poll (or stream) revocations.
    tessera_revocations_endpoint: base + ENDPOINT_PATHS.revocations,
    tessera_revocation_stream_endpoint: base + ENDPOINT_PATHS.revocationStream,
  };
}
