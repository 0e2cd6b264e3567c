import { z } from 'zod';
import { secretHashProblem } from '../clients/secret-hash.js';
import { passwordHashProblem } from '../users/password-hash-problem.js';
import { redirectUriProblem } from '../clients/redirect-uri-problem.js';
import { RING_ALGORITHMS } from '../internal/jose.js';

// The configuration schema, its defaults and the description of every field live here, side by side
// (ARCHITECTURE.md, "Configuration"); docs/configuration is generated from this file. Objects are
// strict: an unknown key is a typo until proven otherwise.

const seconds = (description: string, fallback: number, min = 1) =>
  z.number().int().min(min).max(31_536_000).default(fallback).describe(description);

/**
 * The default port of the operations listener (`server.operations.port`): `/metrics`, `/healthz`,
 * `/readyz`. Next to the OAuth port's default (7400) and clear of the other ports `tessera up` uses.
 */
export const DEFAULT_OPERATIONS_PORT = 7403;

const signingAlgorithm = z.enum(RING_ALGORITHMS);

/** The grant types a client may be given (`grantTypes`), checked in the file and by the admin API. */
export const KNOWN_GRANT_TYPES: ReadonlySet<string> = new Set([
  'client_credentials',
  'urn:ietf:params:oauth:grant-type:token-exchange',
  'password',
  'authorization_code',
  'refresh_token',
]);

// A malformed hash never matches, so it is refused here (configuration and admin API) rather than
// leaving a client or user that can never authenticate. The message never repeats the hash.
const scryptHash = z.string().superRefine((value, ctx) => {
  const problem = secretHashProblem(value);
  if (problem !== undefined)
    ctx.addIssue({ code: 'custom', message: `not a hash from \`tessera hash-secret\`: ${problem}` });
});

const passwordHash = z.string().superRefine((value, ctx) => {
  const problem = passwordHashProblem(value);
  if (problem !== undefined) ctx.addIssue({ code: 'custom', message: `not a password hash: ${problem}` });
});

const scopeToken = z
  .string()
  .regex(/^[\x21\x23-\x5b\x5d-\x7e]+$/, 'a scope token is printable ASCII without space, " or \\ (RFC 6749 §3.3)');

const jwkSchema = z.looseObject({ kty: z.string() });

/**
 * A redirect URI a client registers (RFC 6749 §3.1.2): absolute, no fragment, no userinfo; https,
 * or http on a loopback address (RFC 8252 §7.3). Matched as written, character for character.
 */
const redirectUri = z.string().superRefine((value, ctx) => {
  const problem = redirectUriProblem(value);
  if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem });
});

/** Per-client RFC 8693 token exchange permissions. */
const exchangeSchema = z
  .strictObject({
    subjectIssuers: z
      .array(z.string().min(1))
      .default([])
      .describe(
        "Issuers whose subject tokens this client may exchange; this service's own issuer is always implied when `subjectAudiences` lists an audience.",
      ),
    subjectAudiences: z
      .array(z.string().min(1))
      .default([])
      .describe('The client may exchange a subject token only if one of its `aud` values is listed here ("*" = any).'),
    targetAudiences: z
      .array(z.string().min(1))
      .default([])
      .describe('Audiences (or resources) the client may ask a new token for ("*" = any).'),
    delegation: z
      .boolean()
      .default(true)
      .describe('Allow delegation: with an `actor_token`, the new token gets a nested `act` claim (RFC 8693 §4.1).'),
    impersonation: z
      .boolean()
      .default(false)
      .describe(
        'Allow impersonation: a token exchange without `actor_token` that issues a token for the subject without `act`. Off unless explicitly allowed.',
      ),
  })
  .prefault({})
  .describe('Which tokens this client may exchange, into which audiences.');

/**
 * A client (workload) declared in the configuration.
 *
 * @example
 * ```ts
 * const client = clientConfigSchema.parse({ id: 'svc-a', secret: 'a long random secret', audiences: ['svc-b'] });
 * ```
 */
export const clientConfigSchema = z
  .strictObject({
    id: z
      .string()
      .min(1)
      .max(256)
      .regex(/^[\x21-\x7e]+$/, 'client id is printable ASCII without spaces')
      .refine(
        (id) => id !== 'tessera-account' && id !== 'tessera-console',
        'tessera-account and tessera-console are the account page\u2019s and the console\u2019s own clients',
      )
      .describe('The client_id.'),
    secretHash: scryptHash
      .optional()
      .describe(
        'scrypt hash of the client secret: the whole output of `tessera hash-secret`, checked at load. Needed for client_secret_basic / client_secret_post.',
      ),
    secret: z
      .string()
      .min(16)
      .optional()
      .describe('Plain client secret, hashed at load time. For development only; prefer `secretHash`.'),
    jwks: z
      .strictObject({ keys: z.array(jwkSchema).min(1) })
      .optional()
      .describe('Public keys for private_key_jwt (RFC 7523).'),
    audiences: z
      .array(z.string().min(1))
      .default([])
      .describe('Audiences the client may ask tokens for; the first is the default audience.'),
    scopes: z.array(scopeToken).default([]).describe('Scopes the client may be granted.'),
    grantTypes: z.array(z.string().min(1)).default(['client_credentials']).describe('Grant types the client may use.'),
    tokenLifetimeSeconds: z
      .number()
      .int()
      .min(1)
      .max(86_400)
      .optional()
      .describe('Access token lifetime for this client; defaults to `tokens.defaultLifetimeSeconds`.'),
    exchange: exchangeSchema,
    introspect: z
      .boolean()
      .default(false)
      .describe(
        'May call the introspection endpoint (RFC 7662). Without it every introspection answers `{"active": false}`; with it the client learns about tokens issued to it (`client_id`) or addressed to it (`aud` names its id), and no others.',
      ),
    revocations: z
      .boolean()
      .default(false)
      .describe('May read the revocation feed and stream (`/revocations`, `/revocations/stream`), as a gateway does.'),
    reportDecisions: z
      .boolean()
      .default(false)
      .describe(
        "May push a gateway's decisions and heartbeat (`POST /admin/gateways/:id/decisions`, HTTP Basic), as a gateway with `tokenService.decisions.enabled` does.",
      ),
    enabled: z.boolean().default(true).describe('A disabled client fails authentication.'),
    public: z
      .boolean()
      .default(false)
      .describe(
        'A public client (a browser or native app) holds no secret: it authenticates with `client_id` alone and must use PKCE. It may use only `authorization_code` and `refresh_token`.',
      ),
    redirectUris: z
      .array(redirectUri)
      .default([])
      .describe('Where the authorization endpoint may send the user back (`authorization_code`), matched exactly.'),
    postLogoutRedirectUris: z
      .array(redirectUri)
      .default([])
      .describe('Where logout may send the user back (`post_logout_redirect_uri`), matched exactly.'),
    firstParty: z
      .boolean()
      .default(false)
      .describe("The operator's own application: users are not asked to consent to it."),
    requireSecondFactor: z
      .boolean()
      .default(false)
      .describe('Users must pass a second factor (an authenticator app code or a recovery code) to log in to it.'),
    backchannelLogoutUri: z
      .url({ protocol: /^https?$/ })
      .optional()
      .describe(
        'OpenID Connect Back-Channel Logout: a logout token is POSTed here when a session it was part of ends.',
      ),
  })
  .superRefine((client, ctx) => {
    if (!client.public) return;
    if (client.secret !== undefined || client.secretHash !== undefined || client.jwks !== undefined)
      ctx.addIssue({ code: 'custom', path: ['public'], message: 'a public client has no secret, secretHash or jwks' });
    const other = client.grantTypes.find((g) => g !== 'authorization_code' && g !== 'refresh_token');
    if (other !== undefined)
      ctx.addIssue({ code: 'custom', path: ['grantTypes'], message: `a public client may not use ${other}` });
  })
  .describe('A workload that gets tokens, or an application people log in to.');

/** A password-grant user in the deprecated `grants.password.users` (read as a top-level user). */
const legacyUserSchema = z.strictObject({
  username: z.string().min(1),
  passwordHash: scryptHash.describe(
    'scrypt hash of the password: the whole output of `tessera hash-secret`, checked at load.',
  ),
  scopes: z.array(scopeToken).default([]),
  audiences: z.array(z.string().min(1)).default([]),
});

/**
 * A person as the configuration (top-level `users:`) and the admin API declare one.
 *
 * @example
 * ```ts
 * userConfigSchema.parse({ username: 'alice', password: 'a long passphrase', roles: ['tessera:viewer'] });
 * ```
 */
export const userConfigSchema = z
  .strictObject({
    id: z
      .string()
      .min(1)
      .max(512)
      .regex(/^[\x21-\x7e]+$/, 'a user id is printable ASCII without spaces')
      .optional()
      .describe("The `sub` of the user's tokens; stable and never reused. Default: the username."),
    username: z.string().min(1).max(256).describe('What the user types at the login page.'),
    password: z
      .string()
      .min(1)
      .optional()
      .describe('Plain password, hashed (argon2id) at load time. For development only; prefer `passwordHash`.'),
    passwordHash: passwordHash
      .optional()
      .describe(
        'argon2id PHC string, or a scrypt hash of `tessera hash-secret` (upgraded to argon2id at the next login).',
      ),
    email: z.string().min(1).max(320).optional(),
    emailVerified: z.boolean().optional(),
    name: z.string().min(1).optional().describe('Display name: the `name` claim.'),
    profile: z
      .record(z.string(), z.unknown())
      .default({})
      .describe('More OpenID Connect standard claims (`nickname`, `picture`, `given_name`, ...), released by scope.'),
    groups: z.array(z.string().min(1)).default([]).describe('Into access tokens as `groups` (RFC 9068 §2.2.3.1).'),
    roles: z.array(z.string().min(1)).default([]).describe('Into access tokens as `roles` (RFC 9068 §2.2.3.1).'),
    disabled: z.boolean().default(false).describe('A disabled user cannot log in.'),
    scopes: z.array(scopeToken).default([]).describe('Scopes the password grant may give this user.'),
    audiences: z
      .array(z.string().min(1))
      .default([])
      .describe("Audiences the password grant may give this user's tokens (else the client's)."),
  })
  .refine((u) => !(u.password !== undefined && u.passwordHash !== undefined), {
    message: 'give password or passwordHash, not both',
  })
  .describe('A person who logs in.');

const bucketSchema = (rate: number, burst: number) =>
  z
    .strictObject({
      ratePerSecond: z.number().positive().default(rate).describe('Tokens added to the bucket per second.'),
      burst: z.number().int().min(1).default(burst).describe('Bucket size: requests allowed at once.'),
    })
    .prefault({});

/**
 * The token service configuration as written in YAML, before defaults.
 *
 * @example
 * ```ts
 * const config = tokenServiceConfigSchema.parse({ server: { port: 0 } });
 * ```
 */
export const tokenServiceConfigSchema = z.strictObject({
  server: z
    .strictObject({
      host: z.string().default('127.0.0.1').describe('Address to listen on.'),
      port: z.number().int().min(0).max(65535).default(7400).describe('Port to listen on; 0 picks a free port.'),
      issuer: z
        .url({ protocol: /^https?$/ })
        .optional()
        .describe('The `iss` of every token and the base of every endpoint; defaults to `http://<host>:<port>`.'),
      bodyLimitBytes: z
        .number()
        .int()
        .min(1024)
        .max(10_485_760)
        .default(65_536)
        .describe('Largest request body accepted.'),
      trustProxy: z
        .boolean()
        .default(false)
        .describe(
          'Behind one trusted proxy: take the client address from the right-most `X-Forwarded-For` entry (the one the proxy appended).',
        ),
      shutdownTimeoutMs: z
        .number()
        .int()
        .min(0)
        .default(10_000)
        .describe('How long `close()` waits for requests in flight.'),
      tls: z
        .strictObject({
          cert: z.string().min(1).describe('PEM certificate chain file.'),
          key: z.string().min(1).describe('PEM private key file.'),
        })
        .optional()
        .describe('Serve HTTPS instead of HTTP; the default issuer then starts with `https://`.'),
      operations: z
        .strictObject({
          host: z
            .string()
            .default('127.0.0.1')
            .describe(
              'Address of the operations listener. Loopback by default: bind it wider only where the network keeps `/metrics` private.',
            ),
          port: z
            .number()
            .int()
            .min(0)
            .max(65535)
            .optional()
            .describe(
              `Port of the operations listener; 0 picks a free port. Default ${DEFAULT_OPERATIONS_PORT}, or 0 when \`server.port\` is 0.`,
            ),
        })
        .prefault({})
        .describe(
          'The operations listener (plain HTTP): `GET /metrics` (only here), `GET /healthz` and `GET /readyz` (here and on the main listener).',
        ),
    })
    .prefault({})
    .describe('HTTP(S) listener.'),
  admin: z
    .strictObject({
      enabled: z.boolean().default(true).describe('Serve the admin API under `/admin`.'),
      token: z
        .string()
        .min(24)
        .optional()
        .describe(
          'Admin bearer token. When absent, one is generated at first start and kept in the data directory (`admin-token`, mode 0600).',
        ),
    })
    .prefault({})
    .describe('Admin API.'),
  storage: z
    .looseObject({
      type: z.enum(['file', 'postgres', 'redis']).default('file').describe('Storage back-end.'),
      dataDir: z
        .string()
        .min(1)
        .default('./.tessera')
        .describe('Data directory (file store; also holds the generated admin token).'),
      kekFile: z
        .string()
        .min(1)
        .optional()
        .describe(
          'File holding the key-encryption key that seals private keys at rest (base64url of 32 bytes, mode 0600), when `TESSERA_KEK` is not set; generated there when missing and keys are on `file`. Without it the key is `<dataDir>/kek`, beside the keys it protects, and the service warns at start: put it elsewhere (a mounted secret).',
        ),
    })
    .prefault({})
    .describe(
      'Where keys, clients, revocations and audit records live. Other members are passed to the storage back-end.',
    ),
  keys: z
    .strictObject({
      algorithm: signingAlgorithm
        .default('RS256')
        .describe('Signing algorithm for new keys (RS256 interoperates with Istio and Envoy).'),
      rotationIntervalSeconds: seconds(
        'How long a key signs before the next one takes over; 0 turns automatic rotation off.',
        86_400,
        0,
      ),
      jwksCacheSeconds: seconds(
        '`Cache-Control: max-age` of the JWKS. A new key is published at least this long before it signs.',
        300,
      ),
      checkIntervalSeconds: seconds('How often the rotation timer checks the key ring.', 30),
    })
    .prefault({})
    .describe('The signing key ring.'),
  tokens: z
    .strictObject({
      defaultLifetimeSeconds: seconds('Access token lifetime when the client sets none.', 300),
      maxLifetimeSeconds: seconds(
        'No access token lives longer; also bounds how long a retired key stays published.',
        3_600,
      ),
      clockSkewSeconds: seconds('Clock tolerance for incoming tokens and for key retirement.', 60, 0),
      clientAssertionMaxLifetimeSeconds: seconds(
        'Longest `exp - iat` (or `exp - now`) accepted for a private_key_jwt client assertion (RFC 7523 §3).',
        300,
      ),
    })
    .prefault({})
    .describe('Issued tokens.'),
  grants: z
    .strictObject({
      clientCredentials: z.strictObject({ enabled: z.boolean().default(true) }).prefault({}),
      tokenExchange: z
        .strictObject({
          enabled: z.boolean().default(true),
          trustedIssuers: z
            .array(
              z.strictObject({
                issuer: z.string().min(1).describe('The `iss` of its tokens, exactly.'),
                jwksUri: z.url({ protocol: /^https?$/ }).describe('Where its public keys are (a JWKS).'),
                subjectPrefix: z
                  .string({
                    error: (issue) =>
                      issue.input === undefined
                        ? 'subjectPrefix is required on every trusted issuer (e.g. "partner-idp:"): the `sub` of its subject tokens becomes subjectPrefix + sub in exchanged tokens'
                        : undefined,
                  })
                  .min(1)
                  .max(64)
                  .regex(/^[\x21-\x7e]+$/, 'a subject prefix is printable ASCII without spaces')
                  .describe(
                    'Required. Exchanged tokens whose subject comes from this issuer get `sub` = this prefix + its `sub`, plus `sub_id: { format: "iss_sub", iss, sub }` (RFC 9493), so two issuers\' `alice` are never one subject downstream. End it with a separator your own client ids and usernames never start with (`partner-idp:`).',
                  ),
              }),
            )
            .default([])
            // Prefix-free: if no prefix starts another, prefix + sub of two issuers can never be equal.
            .superRefine((issuers, ctx) => {
              issuers.forEach((a, i) => {
                issuers.forEach((b, j) => {
                  if (
                    i !== j &&
                    b.subjectPrefix.startsWith(a.subjectPrefix) &&
                    (a.subjectPrefix !== b.subjectPrefix || i < j)
                  )
                    ctx.addIssue({
                      code: 'custom',
                      path: [j, 'subjectPrefix'],
                      message: `"${b.subjectPrefix}" starts with the subjectPrefix of ${a.issuer} ("${a.subjectPrefix}"): subjects of the two issuers could collide`,
                    });
                });
              });
            })
            .describe(
              'External issuers whose tokens may be exchanged (keys fetched from `jwksUri`), each with the `subjectPrefix` its subjects get.',
            ),
        })
        .prefault({}),
      password: z
        .strictObject({
          enabled: z
            .boolean()
            .default(false)
            .describe('The password grant exists for the legacy demo flow only (RFC 9700 §2.4 forbids it).'),
          users: z
            .array(legacyUserSchema)
            .default([])
            .describe('Deprecated: declare users at the top level (`users:`); these are read as such, with a warning.'),
        })
        .prefault({}),
    })
    .prefault({})
    .describe('Grant types.'),
  clients: z
    .array(clientConfigSchema)
    .default([])
    .describe('Clients declared in the file; the admin API manages more.'),
  users: z
    .array(userConfigSchema)
    .default([])
    .describe('People declared in the file (seeded into the user store at start); the admin API manages more.'),
  rateLimit: z
    .strictObject({
      enabled: z.boolean().default(true),
      perClient: bucketSchema(200, 400).describe('Token endpoint requests per client.'),
      perAddress: bucketSchema(500, 1000).describe('Token endpoint requests per source address.'),
    })
    .prefault({})
    .describe('Token endpoint rate limits (token bucket).'),
  authThrottle: z
    .strictObject({
      delayAfterFailures: z
        .number()
        .int()
        .min(1)
        .max(1000)
        .default(5)
        .describe(
          'Failed secret checks (per client id and source address, per source, and per client id) after which each new attempt waits first: 100 ms, doubling per failure, up to `maxDelayMs`.',
        ),
      blockAfterFailures: z
        .number()
        .int()
        .min(2)
        .max(100_000)
        .default(20)
        .describe(
          'Failures per client id and source, or per source, after which attempts get 429 with `Retry-After` until the failures are forgotten. A client id alone is only slowed, never blocked, so nobody can lock a client out.',
        ),
      maxDelayMs: z.number().int().min(0).max(60_000).default(2_000).describe('The longest wait before an attempt.'),
      failureWindowSeconds: seconds(
        'Failures are forgotten this long after the last one (a block lasts as long).',
        600,
      ),
      maxConcurrentHashes: z
        .union([z.literal('auto'), z.number().int().min(1).max(64)])
        .default('auto')
        .describe(
          'Secret and password hashes (scrypt: a core and 32 MiB each for tens of ms) verified at once, each on its own thread at the lowest CPU priority (on Linux), apart from the libuv pool that signs tokens; `auto` is half the cores, at least 1.',
        ),
      maxQueuedHashes: z
        .number()
        .int()
        .min(0)
        .max(100_000)
        .default(64)
        .describe(
          'Secret checks waiting for a hashing slot, those with the fewest failures first; beyond this the most suspect one gets 429 with `Retry-After: 1`.',
        ),
    })
    .prefault({})
    .refine((t) => t.blockAfterFailures > t.delayAfterFailures, {
      message: 'blockAfterFailures must be greater than delayAfterFailures',
      path: ['blockAfterFailures'],
    })
    .describe(
      'Brute-force protection for client secrets at the token, introspection, revocation and revocation-feed endpoints (RFC 6749 §2.3.1), and for passwords. Counters are per process.',
    ),
  login: z
    .strictObject({
      sessionLifetimeSeconds: seconds(
        'How long a login session at the provider lasts (from the login; single sign-on across clients).',
        43_200,
      ),
      codeLifetimeSeconds: seconds('How long an authorization code may wait to be redeemed.', 60, 1),
      interactionLifetimeSeconds: seconds('How long the login page waits for the user.', 600, 10),
      consentLifetimeSeconds: seconds(
        "How long a user's consent to a third-party client is remembered before they are asked again.",
        31_536_000,
      ),
      idTokenLifetimeSeconds: seconds('ID token lifetime.', 300),
      requireSecondFactor: z
        .boolean()
        .default(false)
        .describe(
          'Every login needs a second factor (per client: clients[].requireSecondFactor). A user without one is told to set it up on the account page.',
        ),
      passkeys: z
        .strictObject({
          enabled: z
            .boolean()
            .default(true)
            .describe(
              'Offer passkeys (WebAuthn): sign in with one alone, or as a second factor; added on the account page.',
            ),
          rpId: z
            .string()
            .regex(
              /^(?=.{1,253}$)[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/,
              'a domain name, lower case',
            )
            .optional()
            .describe(
              "The WebAuthn relying party id: the issuer's host or a domain it belongs to (a passkey made for it works on its subdomains too). Default: the issuer's host. WebAuthn needs a domain, not an IP address: with an issuer at an IP address and no rpId, passkeys are off. In production the issuer is HTTPS on the public host; browsers allow plain HTTP for localhost only.",
            ),
          rpName: z
            .string()
            .min(1)
            .max(100)
            .optional()
            .describe('The name the browser shows when a passkey is made. Default: login.page.productName.'),
        })
        .prefault({})
        .describe('Passkeys (WebAuthn Level 2).'),
      refreshTokenIdleSeconds: seconds('A refresh token unused this long expires (each use gives a new one).', 86_400),
      refreshTokenAbsoluteSeconds: seconds(
        'No refresh token of a login outlives this, however often it is used (the login must be made again).',
        2_592_000,
      ),
      page: z
        .strictObject({
          title: z.string().min(1).max(100).default('Sign in').describe('The heading of the login page.'),
          productName: z.string().min(1).max(100).default('Tessera').describe('The name shown above the form.'),
          primaryColor: z
            .string()
            .regex(/^#[0-9a-fA-F]{6}$/, 'a colour is #rrggbb')
            .default('#1f4b99')
            .describe('The button colour.'),
          logoFile: z
            .string()
            .min(1)
            .optional()
            .describe(
              'A logo shown above the login and consent forms: a PNG, SVG, JPEG or WebP file of at most 256 KiB, read at start and served from `/login/logo` (an SVG under a CSP that runs no script).',
            ),
        })
        .prefault({})
        .describe('What the login page shows (no third-party assets: everything is served here).'),
    })
    .prefault({})
    .describe('People logging in: sessions, codes and the login page (OpenID Connect provider).'),
  audit: z
    .strictObject({
      required: z
        .boolean()
        .default(true)
        .describe(
          "A token is answered only once its audit record (`token.issued`) is stored: when storage cannot take it (PostgreSQL down), the token endpoint answers 503 `ERR_STORE_UNAVAILABLE` and issues nothing, so no token exists without its record. `false`: the record is written after the answer (a few ms less per token with the file store's batched fsync); a write that fails is logged and counted (`tessera_audit_failures_total`), and the record is lost.",
        ),
    })
    .prefault({})
    .describe('Audit records of issued tokens.'),
  revocationStream: z
    .strictObject({
      heartbeatMs: z
        .number()
        .int()
        .min(50)
        .max(3_600_000)
        .default(5_000)
        .describe(
          'A comment line (`: heartbeat`) is sent this often on every open `GET /revocations/stream`, so proxies keep the stream and followers see it alive; each heartbeat also catches up from storage, so a revocation the event bus missed (Redis down) arrives within one heartbeat.',
        ),
      maxDurationMs: z
        .number()
        .int()
        .min(100)
        .max(86_400_000)
        .default(600_000)
        .describe(
          'A stream ends after this long (its last frame is the cursor to resume from); the follower reconnects with `Last-Event-ID` or `?since=`, so nothing is lost and no connection is held forever.',
        ),
    })
    .prefault({})
    .describe('The revocation stream (server-sent events) gateways follow.'),
  decisions: z
    .strictObject({
      bufferSize: z
        .number()
        .int()
        .min(10)
        .max(100_000)
        .default(2_000)
        .describe(
          'Decisions pushed by gateways kept in memory (a ring: the oldest goes first) for `GET /admin/decisions`, the service graph and the stream; per replica.',
        ),
      streamPingMs: z
        .number()
        .int()
        .min(50)
        .max(3_600_000)
        .default(15_000)
        .describe('A comment line (`: ping`) is sent this often on every open `GET /admin/decisions/stream`.'),
      maxStreams: z
        .number()
        .int()
        .min(1)
        .max(10_000)
        .default(100)
        .describe(
          'Open decision streams at once per replica; one more is refused with 503 `ERR_TOKEN_SERVICE_UNAVAILABLE`.',
        ),
      maxGateways: z
        .number()
        .int()
        .min(1)
        .max(100_000)
        .default(1_000)
        .describe(
          'Gateways remembered per replica (heartbeat and policy set); beyond, a new gateway id makes room by forgetting the one seen longest ago if it is silent, and is refused (503) while every one is alive.',
        ),
    })
    .prefault({})
    .describe('Decisions gateways report (`POST /admin/gateways/:id/decisions`), shown live by the console.'),
  logging: z
    .strictObject({ level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info') })
    .prefault({}),
});

/**
 * The port the operations listener binds: `server.operations.port`, else
 * {@link DEFAULT_OPERATIONS_PORT}, or 0 (a free port) when `server.port` is 0 as in tests, so two
 * services started on free ports never fight over the default.
 *
 * @example
 * ```ts
 * operationsPort({ port: 7400, operations: {} }); // 7403
 * ```
 */
export function operationsPort(server: {
  readonly port: number;
  readonly operations: { readonly port?: number | undefined };
}): number {
  return server.operations.port ?? (server.port === 0 ? 0 : DEFAULT_OPERATIONS_PORT);
}

/** The validated configuration with every default filled in. */
export type TokenServiceConfigInput = z.input<typeof tokenServiceConfigSchema>;
/** A client as declared in the configuration, defaults filled in. */
export type ClientConfig = z.output<typeof clientConfigSchema>;
/** A user as declared in the configuration (top-level `users:`). */
export type UserConfig = z.output<typeof userConfigSchema>;
/** A user of the deprecated `grants.password.users`. */
export type LegacyUserConfig = z.output<typeof legacyUserSchema>;
