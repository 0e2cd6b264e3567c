/**
 * The mesh policy of scenario 6, as Istio YAML: the gateway accepts on the teams route only tokens
 * of the token service for `sports-api` (RequestAuthentication), and requires one (any valid
 * request principal, AuthorizationPolicy).
 *
 * @example
 * ```ts
 * await gateway.setPolicies(lastMilePolicies(ts.issuer, ts.jwksUri));
 * ```
 */
export function lastMilePolicies(issuer: string, jwksUri: string): Record<string, string> {
  return {
    'sports-api.yaml': `apiVersion: security.istio.io/v1
kind: RequestAuthentication
metadata:
  name: sports-api
  namespace: default
spec:
  selector:
    matchLabels:
      app: fancave-teams
  jwtRules:
    - issuer: ${JSON.stringify(issuer)}
      jwksUri: ${JSON.stringify(jwksUri)}
      audiences: ["sports-api"]
---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata:
  name: require-client-token
  namespace: default
spec:
  selector:
    matchLabels:
      app: fancave-teams
  action: ALLOW
  rules:
    - from:
        - source:
            requestPrincipals: ["*"]
`,
  };
}
