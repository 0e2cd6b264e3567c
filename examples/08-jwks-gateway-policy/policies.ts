/** One gateway JWT policy of scenario 8: the brief's fields mapped onto Istio's RequestAuthentication. */
export interface JwtPolicy {
  /** Route label the policy selects (the brief's "domain"). */
  app: string;
  /** Issuer: tokens must carry exactly this `iss`. */
  issuer: string;
  /** Audiences: the token's `aud` must name one. */
  audiences: readonly string[];
  /** JWKS server address, or… */
  jwksUri?: string;
  /** …the JWKS inline (Istio's `jwks`, a JSON string): the only way Tessera takes an `oct` key. */
  jwks?: string;
  /** Token passthrough: forward the caller's token to the backend (`forwardOriginalToken`). */
  passthrough: boolean;
  /** JWKS fetch timeout (`timeout`), e.g. `2s`. */
  timeout: string;
}

/**
 * Renders a JWT policy as a RequestAuthentication plus an AuthorizationPolicy that requires a valid
 * token (`requestPrincipals: ["*"]`) on the selected route.
 *
 * @example
 * ```ts
 * const yaml = jwtPolicyYaml({ app: 'hs-api', issuer, audiences: ['demo-api'], jwksUri, passthrough: true, timeout: '2s' });
 * ```
 */
export function jwtPolicyYaml(p: JwtPolicy): string {
  return `apiVersion: security.istio.io/v1
kind: RequestAuthentication
metadata:
  name: ${p.app}-jwt
  namespace: default
spec:
  selector:
    matchLabels:
      app: ${p.app}
  jwtRules:
    - issuer: ${JSON.stringify(p.issuer)}
      audiences: ${JSON.stringify(p.audiences)}
      ${p.jwks === undefined ? `jwksUri: ${JSON.stringify(p.jwksUri)}` : `jwks: ${JSON.stringify(p.jwks)}`}
      forwardOriginalToken: ${p.passthrough}
      timeout: ${p.timeout}
---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata:
  name: ${p.app}-require-jwt
  namespace: default
spec:
  selector:
    matchLabels:
      app: ${p.app}
  action: ALLOW
  rules:
    - from:
        - source:
            requestPrincipals: ["*"]
`;
}
