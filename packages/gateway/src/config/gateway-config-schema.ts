import { z } from 'zod';

// The gateway configuration schema, its defaults and the description of every field, side by side
// (ARCHITECTURE.md, "Configuration"). Objects are strict: an unknown key is a typo until proven
// otherwise.

const headerName = z
  .string()
  .regex(/^[!#$%&'*+.^_`|~0-9a-z-]+$/, 'a header name is a lower-case RFC 9110 token')
  .describe('A header name, lower case.');

const ms = (description: string, fallback: number, min = 1, max = 3_600_000) =>
  z.number().int().min(min).max(max).default(fallback).describe(description);

const tlsSchema = z
  .strictObject({
    cert: z.string().min(1).describe('PEM certificate chain file.'),
    key: z.string().min(1).describe('PEM private key file.'),
    clientCa: z.string().min(1).optional().describe('PEM CA bundle that client certificates must chain to (mTLS).'),
    requestCert: z
      .boolean()
      .default(false)
      .describe('Ask clients for a certificate (mTLS). Its SPIFFE URI SAN becomes the peer principal.'),
    requireClientCert: z
      .boolean()
      .default(false)
      .describe('Refuse the handshake when the client sends no valid certificate.'),
  })
  .describe('TLS settings; present = the listener speaks HTTPS.');

const listenerSchema = z
  .strictObject({
    name: z
      .string()
      .min(1)
      .regex(/^[a-z0-9][a-z0-9-]*$/, 'listener names are lower-case words with dashes')
      .default('main')
      .describe('Listener name, used in logs and metrics.'),
    host: z.string().min(1).default('127.0.0.1').describe('Address to bind.'),
    port: z.number().int().min(0).max(65_535).default(8080).describe('Port to bind; 0 picks a free port.'),
    tls: tlsSchema.optional(),
    decisionOnly: z.boolean().default(false).describe('Serve only the decision API on this listener (no proxying).'),
  })
  .describe('A socket the gateway accepts requests on.');

const claimHeaderSchema = z
  .strictObject({
    header: headerName,
    claim: z.string().min(1).describe('Claim name; dots select nested members (`realm.roles`).'),
  })
  .describe('Copy a claim of the verified token to a request header (arrays are joined with `,`).');

const mintSchema = z
  .strictObject({
    mode: z
      .enum(['self', 'exchange'])
      .describe(
        '`self`: sign with the gateway key (published at `/.well-known/jwks.json`); `exchange`: RFC 8693 token exchange at the token service.',
      ),
    audience: z.string().min(1).describe('The single audience of the minted token.'),
    header: headerName
      .default('authorization')
      .describe('Header carrying the minted token (`authorization` gets the `Bearer ` prefix).'),
    lifetimeSeconds: z.number().int().min(5).max(3600).default(60).describe('Lifetime of a self-minted token.'),
    scope: z.string().min(1).optional().describe('Scope asked for in a token exchange.'),
  })
  .describe("Give the upstream a short-lived token of its own instead of the caller's.");

const mutationsSchema = z
  .strictObject({
    forwardOriginalToken: z
      .boolean()
      .optional()
      .describe(
        "Forward the caller's token to the upstream. Unset = as the RequestAuthentication rule says (Istio default: strip).",
      ),
    claimsToHeaders: z.array(claimHeaderSchema).default([]).describe('Claims copied to headers after verification.'),
    payloadHeader: headerName
      .optional()
      .describe('Header receiving the whole verified payload, base64url JSON (Envoy `forward_payload_header`).'),
    mint: mintSchema.optional(),
    onUnsafeClaim: z
      .enum(['reject', 'drop'])
      .default('reject')
      .describe('A claim holding CR, LF or a control character: reject the request (401) or drop the header.'),
  })
  .prefault({})
  .describe('What the gateway changes on the way to the upstream.');

const routeSchema = z
  .strictObject({
    name: z
      .string()
      .min(1)
      .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'route names are words with dots, dashes or underscores')
      .describe('Route name, used in logs and metrics.'),
    host: z
      .string()
      .min(1)
      .default('*')
      .describe('Host to match (no port), `*` for any, `*.example.com` for a suffix.'),
    pathPrefix: z
      .string()
      .startsWith('/')
      .default('/')
      .describe('Normalized path prefix, matched on segment boundaries.'),
    upstream: z.url({ protocol: /^https?$/ }).describe('Upstream base URL (`http://` or `https://`), no path.'),
    labels: z
      .record(z.string(), z.string())
      .default({})
      .describe('Workload labels; policies select routes with `selector.matchLabels`.'),
    routeLabels: z
      .record(z.string(), z.string())
      .default({})
      .describe(
        "The route's own labels, as a Gloo RouteTable gives them: an ExtAuthPolicy's `applyToRoutes[].route.labels` selects the routes that carry every pair (a person's login on that route).",
      ),
    namespace: z
      .string()
      .min(1)
      .default('default')
      .describe('Namespace of the workload behind the route (policy `metadata.namespace` must match).'),
    upstreamTls: z
      .strictObject({
        ca: z
          .string()
          .min(1)
          .optional()
          .describe('PEM CA bundle to trust for an `https://` upstream (default: the system store).'),
        servername: z
          .string()
          .min(1)
          .optional()
          .describe('TLS server name (SNI and certificate check) when it differs from the upstream host.'),
        cert: z.string().min(1).optional().describe('Client certificate (PEM) for an upstream that wants mTLS.'),
        key: z.string().min(1).optional().describe('Client key (PEM) for `cert`.'),
      })
      .optional()
      .describe('TLS towards an `https://` upstream. The certificate is always verified.'),
    preserveHost: z
      .boolean()
      .default(true)
      .describe("Send the client's Host to the upstream (as Envoy does), else the upstream's own."),
    mutations: mutationsSchema,
    requireJwt: z
      .boolean()
      .default(false)
      .describe(
        "Answer 401 `Jwt is missing` when the request carries no token (Envoy `requires`); Istio's default lets the AuthorizationPolicy decide.",
      ),
    websocket: z.boolean().default(true).describe('Allow WebSocket upgrades (authorized like any request).'),
    allowPathParameters: z
      .boolean()
      .default(false)
      .describe(
        'Accept `;` in path segments (matrix parameters) on this route; by default such a path is a 400, since servlet containers read `/public/..;/admin` as `/admin`.',
      ),
    caseInsensitivePaths: z
      .boolean()
      .default(false)
      .describe(
        'The upstream routes without regard to case (Express, ASP.NET): policies see, and the upstream gets, the lower-cased path, so `/ADMIN` cannot pass a rule on `/admin`.',
      ),
  })
  .describe('Host and path prefix → upstream.');

const extensionProviderSchema = z
  .strictObject({
    name: z
      .string()
      .min(1)
      .describe('Provider name, as AuthorizationPolicy `provider.name` (action CUSTOM) refers to it.'),
    url: z
      .url({ protocol: /^https?$/ })
      .describe(
        "Envoy ext_authz HTTP service: the original path is appended to this URL's path, the original method kept, no body sent.",
      ),
    timeoutMs: ms('Time the provider has to answer; a timeout denies (fail closed).', 1000, 10, 60_000),
    includeRequestHeaders: z
      .array(headerName)
      .default(['authorization', 'cookie', 'x-forwarded-for'])
      .describe('Request headers sent to the provider (plus `host`).'),
    headersToUpstreamOnAllow: z
      .array(headerName)
      .default([])
      .describe('Provider response headers copied to the upstream request on allow.'),
    headersToDownstreamOnDeny: z
      .array(headerName)
      .default(['www-authenticate', 'location', 'set-cookie'])
      .describe('Provider response headers relayed to the client on deny.'),
  })
  .describe(
    'An external authorizer for CUSTOM AuthorizationPolicies (Istio `meshConfig.extensionProviders[].envoyExtAuthzHttp`).',
  );

const policiesSchema = z
  .strictObject({
    sources: z
      .array(z.string().min(1))
      .default([])
      .describe('Policy YAML files or folders (RequestAuthentication, AuthorizationPolicy).'),
    watch: z.boolean().default(true).describe('Reload when a source changes (fs.watch).'),
    debounceMs: ms('Wait this long after the last change before reloading.', 200, 10, 60_000),
    defaultAction: z
      .enum(['deny', 'allow'])
      .default('deny')
      .describe('What happens to a route no AuthorizationPolicy selects.'),
    rootNamespace: z
      .string()
      .min(1)
      .default('istio-system')
      .describe('Policies in this namespace apply to every route (Istio root namespace).'),
    extensionProviders: z
      .array(extensionProviderSchema)
      .default([])
      .describe('External authorizers for CUSTOM policies.'),
    jwks: z
      .strictObject({
        cacheMaxAgeMs: ms(
          'How long a fetched JWKS is used before it is refreshed (in the background, serving the cached keys meanwhile).',
          600_000,
          1_000,
          86_400_000,
        ),
        cooldownMs: ms('At most one refetch per this interval for tokens with an unknown `kid`.', 30_000, 0, 3_600_000),
        staleIfErrorMs: ms(
          'How long past `cacheMaxAgeMs` the last good JWKS keeps serving while its endpoint fails; then tokens are refused (fail closed).',
          3_600_000,
          0,
          86_400_000,
        ),
      })
      .prefault({})
      .describe("Remote JWKS of every `jwksUri` (or discovered) rule; the fetch timeout is the rule's own `timeout`."),
  })
  .prefault({});

// The token service's rule for a gateway id: safe in its URL, its logs and the console.
const GATEWAY_ID_PATTERN = /^[A-Za-z0-9._-]{1,64}$/;

// `tokenService.decisions`: the gateway pushes its decisions to the token service, whose console
// shows them live (issue 17).
const decisionReportSchema = z
  .strictObject({
    enabled: z
      .boolean()
      .default(false)
      .describe(
        "Push every decision (allow, deny, dry-run: route, method, host, path, status, reason, principals; never a token, a header or a query) to the token service's `POST /admin/gateways/<gatewayId>/decisions`, every `intervalMs`, with the gateway's client credentials (a client with `reportDecisions: true`); the push is also the gateway's heartbeat and carries its policy set. Needs `clientId` and `clientSecret`.",
      ),
    gatewayId: z
      .string()
      .regex(GATEWAY_ID_PATTERN, 'a gateway id is 1-64 characters of [A-Za-z0-9._-]')
      .optional()
      .describe(
        'How this gateway is named at the token service. Default: the host name (a pod name), characters outside `[A-Za-z0-9._-]` replaced by `-`, cut to 64.',
      ),
    intervalMs: ms(
      'How often decisions are pushed (an empty push too: the heartbeat). The token service counts a gateway healthy for three intervals after a push.',
      2000,
      100,
      600_000,
    ),
    maxBatch: z
      .number()
      .int()
      .min(1)
      .max(1000)
      .default(500)
      .describe('Most decisions in one push; more waiting are sent in further pushes at once.'),
    maxBuffered: z
      .number()
      .int()
      .min(1)
      .max(1_000_000)
      .default(5000)
      .describe(
        'Decisions kept while the token service is slow or down; beyond, the oldest are dropped and counted (`tessera_gateway_decisions_dropped_total`, and `dropped` in the next push).',
      ),
    maxBodyBytes: z
      .number()
      .int()
      // At least one decision at its longest (every field at the token service's cap) fits.
      .min(16_384)
      .max(10_485_760)
      .default(65_536)
      .describe(
        "Largest push body; a batch larger is split. Keep it at or below the token service's `server.bodyLimitBytes` (65536 by default).",
      ),
  })
  .prefault({})
  .describe("Reporting decisions to the token service (the console's live view and service graph).");

const tokenServiceSchema = z
  .strictObject({
    url: z.url({ protocol: /^https?$/ }).describe('Base URL of the token service.'),
    tokenPath: z.string().startsWith('/').default('/token').describe('Token endpoint path (RFC 8693 exchange).'),
    clientId: z.string().min(1).optional().describe("The gateway's client id at the token service."),
    clientSecret: z
      .string()
      .min(1)
      .optional()
      .describe("The gateway's client secret (prefer `TESSERA_GATEWAY_CLIENT_SECRET`)."),
    delegation: z
      .boolean()
      .default(true)
      .describe(
        "Token exchange sends the gateway's own client_credentials token as `actor_token`, so the new token records the gateway in `act` (RFC 8693 delegation); false = impersonation (the gateway's client then needs `exchange.impersonation`).",
      ),
    revocationsPath: z
      .string()
      .startsWith('/')
      .default('/revocations')
      .describe("Path of the token service's revocation feed (`GET …?since=<cursor>`)."),
    checkRevocations: z
      .boolean()
      .default(true)
      .describe(
        'Follow the revocation feed and refuse revoked `jti`s (401) within `revocationsPollMs`. The feed needs `clientId` and `clientSecret` of a client with `revocations: true` at the token service (HTTP Basic); without them the configuration is refused.',
      ),
    revocationsMode: z
      .enum(['poll', 'stream'])
      .default('poll')
      .describe(
        '`poll`: GET the feed every `revocationsPollMs`; `stream`: hold `<revocationsPath>/stream` (server-sent events) open, pushed at once. When the token service ends a stream (`revocationStream.maxDurationMs`) it is reopened at once from its cursor; after a failure, with a poll first, after `revocationsPollMs`.',
      ),
    revocationsPollMs: ms(
      'Poll interval for the revocation list (≤ 1000 keeps the one-second promise).',
      1000,
      50,
      60_000,
    ),
    revocationsMaxStaleMs: z
      .number()
      .int()
      .min(0)
      .max(86_400_000)
      .default(0)
      .describe(
        'When the revocation feed has not answered for this long, refuse every token with a `jti` (fail closed); 0 = keep serving the last known list.',
      ),
    timeoutMs: ms('Timeout of a call to the token service.', 2000, 10, 60_000),
    decisions: decisionReportSchema,
  })
  .describe('Where the token service is; the gateway reaches it over HTTP only.');

const subjectPrefixSchema = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[\x21-\x7e]+$/, 'a subject prefix is printable ASCII without spaces');

const mintingSchema = z
  .strictObject({
    issuer: z.string().min(1).default('tessera-gateway').describe('`iss` of self-minted tokens.'),
    subjectPrefixes: z
      .record(z.string().min(1), subjectPrefixSchema)
      .default({})
      // Prefix-free: if no prefix starts another, prefix + sub of two issuers can never be equal.
      .superRefine((prefixes, ctx) => {
        const entries = Object.entries(prefixes);
        for (const [i, [issuer, prefix]] of entries.entries())
          for (const [j, [other, otherPrefix]] of entries.entries())
            if (i !== j && prefix.startsWith(otherPrefix) && (prefix !== otherPrefix || j < i))
              ctx.addIssue({
                code: 'custom',
                path: [issuer],
                message: `"${prefix}" starts with the prefix of ${other} ("${otherPrefix}"): subjects of the two issuers could collide`,
              });
      })
      .describe(
        'Issuer → subject prefix, for `self` minting. A self-minted token\'s `sub` is the prefix of the caller token\'s issuer + its `sub`, and it carries `sub_id: { format: "iss_sub", iss, sub }` (RFC 9493), so two issuers\' `alice` never reach an upstream as one subject. Every issuer a `self`-minting route accepts (the `jwtRules` of the RequestAuthentications that select the route) needs an entry: a policy set that lacks one is refused when it is applied. Example: `{ "https://idp.example": "idp:" }`.',
      ),
    algorithm: z
      .enum(['ES256', 'RS256', 'Ed25519', 'EdDSA'])
      .default('ES256')
      .describe(
        "Algorithm of the gateway's own signing key. `Ed25519` is RFC 9864's name; `EdDSA` (the same key and signature, the deprecated polymorphic name) stays for verifiers that do not know it yet.",
      ),
    keyRotationSeconds: z
      .number()
      .int()
      .min(60)
      .max(31_536_000)
      .default(86_400)
      .describe('Generate a new minting key this often; the old one stays published for one more period.'),
    cacheSize: z
      .number()
      .int()
      .min(0)
      .max(1_000_000)
      .default(10_000)
      .describe('Minted tokens kept per (subject, audience, original token).'),
  })
  .prefault({});

const limitsSchema = z
  .strictObject({
    maxHeaderBytes: z
      .number()
      .int()
      .min(1024)
      .max(1_048_576)
      .default(16_384)
      .describe('Largest request head accepted (node `maxHeaderSize`); larger → 431.'),
    maxHeaderCount: z
      .number()
      .int()
      .min(8)
      .max(2000)
      .default(100)
      .describe('Most request headers accepted; more → 431.'),
    maxTokenBytes: z.number().int().min(256).max(65_536).default(8192).describe('Longest bearer token accepted.'),
    requestTimeoutMs: ms('Time a client has to send its whole request.', 30_000),
    upstreamConnectTimeoutMs: ms('Upstream connect timeout (→ 504).', 5000),
    upstreamHeadersTimeoutMs: ms('Upstream response headers timeout (→ 504).', 30_000),
    upstreamBodyTimeoutMs: ms(
      'Upstream idle body timeout (→ 504 before headers are sent, else the stream is cut).',
      30_000,
    ),
    upstreamConnections: z
      .number()
      .int()
      .min(1)
      .max(10_000)
      .default(128)
      .describe('Keep-alive connections per upstream.'),
    drainTimeoutMs: ms('On shutdown, wait this long for in-flight requests before closing sockets.', 10_000),
    maxConnectionsPerListener: z
      .number()
      .int()
      .min(1)
      .max(1_000_000)
      .default(10_000)
      .describe('Open connections one listener accepts; past it new connections are closed at once.'),
    maxConnectionsPerSource: z
      .number()
      .int()
      .min(1)
      .max(1_000_000)
      .default(256)
      .describe(
        'Open connections one source address may hold on a listener; sources in `trustedProxies` are exempt (behind a load balancer every connection has one source).',
      ),
  })
  .prefault({});

const decisionSchema = z
  .strictObject({
    proxy: z
      .enum(['nginx', 'traefik', 'envoy'])
      .optional()
      .describe(
        "The front proxy that calls the decision API; required when it is on. nginx: `X-Original-URI`/`-Method`/`-Host`; traefik: `X-Forwarded-Uri`/`-Method`/`-Host`/`-Proto`; envoy: the request line under `<prefix>/ext/`. A call carrying another family's headers gets 400.",
      ),
    pathPrefix: z
      .string()
      .startsWith('/')
      .default('/_tessera/authz')
      .describe(
        'Prefix of the decision API on proxy listeners; `<prefix>/auth` is nginx auth_request style, `<prefix>/ext` + original path is Envoy ext_authz HTTP style.',
      ),
    onProxyListeners: z
      .boolean()
      .default(false)
      .describe('Also answer the decision API on proxy listeners (else only on `decisionOnly` listeners).'),
    route: z
      .string()
      .min(1)
      .optional()
      .describe(
        'Route whose labels and mutations the decision API applies when no route matches the original host and path.',
      ),
  })
  .prefault({});

const adminSchema = z
  .strictObject({
    host: z
      .string()
      .min(1)
      .default('127.0.0.1')
      .describe('Admin listener address (`/healthz`, `/readyz`, `/metrics`).'),
    port: z.number().int().min(0).max(65_535).default(15_000).describe('Admin listener port; 0 picks a free port.'),
    enabled: z.boolean().default(true),
  })
  .prefault({});

/** The gateway configuration as written in `gateway.yaml`, before defaults. */
export const gatewayConfigSchema = z
  .strictObject({
    listeners: z
      .array(listenerSchema)
      .min(1)
      .default([{ name: 'main', host: '127.0.0.1', port: 8080, decisionOnly: false }])
      .describe('Listeners (HTTP, TLS, mTLS).'),
    admin: adminSchema,
    routes: z.array(routeSchema).default([]).describe('Routes, matched by host then longest path prefix.'),
    policies: policiesSchema,
    tokenService: tokenServiceSchema.optional(),
    minting: mintingSchema,
    limits: limitsSchema,
    decision: decisionSchema,
    secretsDir: z
      .string()
      .min(1)
      .default('/etc/tessera/secrets')
      .describe(
        'Where Kubernetes Secrets are mounted, one folder per namespace and Secret: an ExtAuthPolicy `clientSecretRef` or `cipherConfig.keyRef` is read from `<secretsDir>/<namespace>/<name>/<key>` (`client-secret`, `key`).',
      ),
    trustedProxies: z
      .array(z.string().min(1))
      .default([])
      .describe(
        'CIDRs whose `X-Forwarded-For` is believed (from anyone else the header is replaced), and the only callers the decision API answers.',
      ),
    encodedSlashes: z
      .enum(['reject', 'decode', 'keep'])
      .default('reject')
      .describe('`%2F` / `%5C` in paths: reject (400), decode to `/`, or keep encoded (Istio `pathNormalization`).'),
    realm: z
      .string()
      .min(1)
      .optional()
      .describe('`realm` of `WWW-Authenticate`; unset = the request URL, as Envoy does.'),
    logging: z
      .strictObject({
        level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
        accessLog: z
          .boolean()
          .default(true)
          .describe('One JSON line per request with the decision reason (never the token).'),
      })
      .prefault({}),
  })
  .describe('gateway.yaml');
