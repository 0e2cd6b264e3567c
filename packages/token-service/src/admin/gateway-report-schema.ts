import { z } from 'zod';

/**
 * A gateway id as it appears in `POST /admin/gateways/:id/decisions`: 1–64 characters of
 * `[A-Za-z0-9._-]` (a host name, a pod name), so it is safe in a URL, a log line and a label.
 *
 * @example
 * ```ts
 * GATEWAY_ID.test('gw-eu-1.example'); // true
 * ```
 */
export const GATEWAY_ID = /^[A-Za-z0-9._-]{1,64}$/;

/** The most decisions one push may carry: a gateway sends more in several pushes. */
export const MAX_DECISIONS_PER_PUSH = 1000;

// A compact JWS or JWE (`eyJ…` base64url header, then dots): what a bearer token looks like. A
// decision never carries one (issue 17: "never a token"); one that does is refused whole, never
// stored or relayed, so a gateway bug cannot turn the console into a token leak.
const TOKEN_LIKE = /eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\./;

const text = (max: number, min = 0) =>
  z
    .string()
    .min(min)
    .max(max)
    .refine((v) => !TOKEN_LIKE.test(v), 'looks like a token: decisions never carry one');

/**
 * One decision as a gateway reports it. Strict: an unknown member (`token`, `authorization`, a
 * header) is refused, so nothing but these fields is ever stored or relayed.
 *
 * - `action`: `allow`, `deny`, or `dry-run` (allowed, but a DRY_RUN policy would have denied);
 * - `status` and `reason`: the answer and the access log's stable reason code (`allowed`,
 *   `ERR_GATEWAY_ACCESS_DENIED`, `ERR_JWT_EXPIRED`, ...); `detail` the policy and rule;
 * - `principal`: the peer (mTLS SPIFFE id), `requestPrincipal`: the token's `iss/sub`;
 * - `source` → `destination`: the calling workload and the called one, the service graph's edge.
 *
 * @example
 * ```ts
 * reportedDecisionSchema.parse({ at: Date.now(), action: 'deny', status: 403, reason: 'ERR_GATEWAY_ACCESS_DENIED',
 *   route: 'orders', method: 'GET', host: 'orders.local', path: '/orders/1' });
 * ```
 */
export const reportedDecisionSchema = z.strictObject({
  at: z.number().int().min(0).max(8_640_000_000_000_000),
  action: z.enum(['allow', 'deny', 'dry-run']),
  status: z.number().int().min(100).max(599),
  reason: text(128, 1),
  detail: text(512).optional(),
  route: text(256, 1),
  method: text(32, 1),
  host: text(512),
  path: text(2048),
  principal: text(512).optional(),
  requestPrincipal: text(1024).optional(),
  source: text(512).optional(),
  destination: text(256).optional(),
});

/** One decision as a gateway reports it (see {@link reportedDecisionSchema}). */
export type ReportedDecision = z.output<typeof reportedDecisionSchema>;

/**
 * The body of `POST /admin/gateways/:id/decisions` (issue 17): a batch of decisions, and the
 * gateway's heartbeat facts. `policies.hash` names the policy set the gateway enforces in every
 * push; `policies.documents` (the YAML files, with their names) comes on the first push, after a
 * change, and when the token service asks for it. `dropped` counts decisions the gateway could not
 * keep since its last accepted push; `intervalMs` is how often it pushes (health is judged by it).
 *
 * @example
 * ```ts
 * const report = gatewayReportSchema.parse({ intervalMs: 2000, decisions: [], policies: { hash: 'sha256-…' } });
 * ```
 */
export const gatewayReportSchema = z.strictObject({
  intervalMs: z.number().int().min(50).max(3_600_000).optional(),
  dropped: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).default(0),
  policies: z
    .strictObject({
      hash: z.string().regex(/^[A-Za-z0-9:_-]{8,128}$/, 'a hash is 8-128 characters of [A-Za-z0-9:_-]'),
      documents: z
        .array(z.strictObject({ file: z.string().min(1).max(1024), yaml: z.string().max(4_194_304) }))
        .max(1000)
        .optional(),
    })
    .optional(),
  decisions: z.array(reportedDecisionSchema).max(MAX_DECISIONS_PER_PUSH),
});

/** A validated push (see {@link gatewayReportSchema}). */
export type GatewayReport = z.output<typeof gatewayReportSchema>;
