import { z } from 'zod';
import {
  compilePolicies,
  isTesseraError,
  parsePolicies,
  simulateDecision,
  simulatedRequest,
  type KeySource,
  type PolicyIssue,
} from '@tessera/core';
import { tokenServiceErrors } from '../errors.js';
import type { ServiceContext } from '../http/service-context.js';

/** What `POST /admin/policies/simulate` takes: Istio YAML, a request, and a token or an assumed principal. */
export const simulateRequestSchema = z.strictObject({
  policies: z.string().min(1).max(1_000_000),
  defaultAction: z.enum(['deny', 'allow']).default('deny'),
  request: z.strictObject({
    method: z.string().min(1).max(32).default('GET'),
    path: z.string().startsWith('/').max(8192),
    host: z.string().min(1).max(1024).default('localhost'),
    port: z.number().int().min(1).max(65_535).default(80),
    headers: z
      .record(z.string().regex(/^[!#$%&'*+.^_`|~0-9a-z-]+$/, 'a lower-case header name'), z.string())
      .default({}),
    token: z.string().min(1).max(16_384).optional(),
    principal: z.string().min(3).max(2048).optional(),
    claims: z.record(z.string(), z.unknown()).optional(),
    peerPrincipal: z.string().min(1).max(1024).optional(),
    sourceIp: z.string().min(1).max(64).default('127.0.0.1'),
    labels: z.record(z.string(), z.string()).default({}),
    namespace: z.string().min(1).max(253).default('default'),
    encodedSlashes: z.enum(['reject', 'decode', 'keep']).default('reject'),
    allowPathParameters: z.boolean().default(false),
    caseInsensitivePaths: z.boolean().default(false),
  }),
});

/** The simulator's answer: lint issues at their line, or the gateway's status and the account of it. */
export type SimulationReport =
  | { readonly valid: false; readonly issues: readonly PolicyIssue[] }
  | {
      readonly valid: true;
      /** 400 (the request itself is refused), 401 (the token), 200 or 403 (the authorization). */
      readonly status: 400 | 401 | 200 | 403;
      readonly reason?: string;
      readonly error?: { readonly code: string; readonly message: string };
      readonly decision?: unknown;
      readonly identity?: {
        readonly requestPrincipal: string;
        readonly audiences: readonly string[];
        readonly claims: unknown;
      } | null;
      readonly explanation?: { readonly policies: unknown; readonly text: string };
    };

/**
 * Simulates a request against pasted Istio policies for the console, with core's request
 * preparation and decision (`simulatedRequest`, `simulateDecision`: what `tessera policy check`
 * runs), so the answers are the CLI's. A token is verified with this service's keys when a rule
 * names this issuer, or with a rule's inline `jwks`; the simulator fetches no other URL (the
 * policies are pasted by whoever calls, a viewer too, and must not make this service reach into
 * the network): such a rule fails with a reason that says to inline the keys or assume a
 * principal. Nothing is stored or pushed to a gateway.
 *
 * @example
 * ```ts
 * const report = await simulatePolicies(ctx, { policies: yaml, defaultAction: 'deny', request });
 * ```
 */
export async function simulatePolicies(
  ctx: ServiceContext,
  input: z.output<typeof simulateRequestSchema>,
): Promise<SimulationReport> {
  const { request: given } = input;
  if (given.token !== undefined && given.principal !== undefined)
    throw tokenServiceErrors.create('ERR_ADMIN_BAD_REQUEST', 'request: give token or principal, not both');
  const own = ctx.issuerUrl();
  const refuseFetch = (uri: string): KeySource => ({
    getKeys() {
      throw tokenServiceErrors.create(
        'ERR_ADMIN_BAD_REQUEST',
        `the simulator fetches no keys (${uri}): inline the rule's jwks, or assume a principal instead of a token`,
      );
    },
  });
  // What `tessera policy lint` finds, parsing or compiling (two policies of one name, ...), is the
  // answer's `issues`, not an error of the call.
  let documents;
  let set;
  try {
    documents = parsePolicies(input.policies, { file: 'policies.yaml' }).documents;
    set = compilePolicies(documents, {
      defaultAction: input.defaultAction,
      createRemoteKeySource: (rule) =>
        rule.issuer === own ? ctx.keyRing.keySource : refuseFetch(rule.jwksUri ?? `${rule.issuer} (discovery)`),
    });
  } catch (error) {
    if (!isTesseraError(error, 'ERR_POLICY_INVALID')) throw error;
    const issues = error.details?.['issues'];
    return {
      valid: false,
      issues: Array.isArray(issues) ? (issues as PolicyIssue[]) : [{ path: '(policy)', message: error.message }],
    };
  }
  const built = simulatedRequest({
    method: given.method,
    path: given.path,
    host: given.host,
    port: given.port,
    headers: given.headers,
    ...(given.token === undefined ? {} : { token: given.token }),
    ...(given.peerPrincipal === undefined ? {} : { peerPrincipal: given.peerPrincipal }),
    sourceIp: given.sourceIp,
    labels: given.labels,
    namespace: given.namespace,
    encodedSlashes: given.encodedSlashes,
    allowPathParameters: given.allowPathParameters,
    caseInsensitivePaths: given.caseInsensitivePaths,
  });
  if ('refused' in built) return { valid: true, status: 400, reason: built.refused };
  let result;
  try {
    result = await simulateDecision(
      set,
      documents,
      built.request,
      given.principal === undefined ? undefined : { principal: given.principal, claims: given.claims ?? {} },
    );
  } catch (error) {
    if (!isTesseraError(error, 'ERR_CONFIG_INVALID')) throw error;
    throw tokenServiceErrors.create('ERR_ADMIN_BAD_REQUEST', `request.principal: ${error.message}`);
  }
  if (result.status === 401) return { valid: true, status: 401, error: result.error };
  const { identity, explanation } = result;
  return {
    valid: true,
    status: result.status,
    decision: explanation.decision,
    identity:
      identity === undefined
        ? null
        : { requestPrincipal: identity.requestPrincipal, audiences: identity.audiences, claims: identity.claims },
    explanation: { policies: explanation.policies, text: explanation.text },
  };
}
