import type { IncomingMessage, ServerResponse } from 'node:http';
import { isTesseraError } from '@tessera/core';
import { tokenServiceErrors } from '../errors.js';
import { toProblem } from '../http/problem.js';
import { sendJson } from '../http/send-json.js';
import type { ServiceContext } from '../http/service-context.js';
import { GATEWAY_ID, gatewayReportSchema } from './gateway-report-schema.js';
import { parseJsonBody } from './internal/admin-io.js';

/** No form: a push authenticates with HTTP Basic only (the body is the report, not a form). */
const NO_FORM: ReadonlyMap<string, string> = new Map();

const PUSH_PATH = /^\/admin\/gateways\/([^/]+)\/decisions$/;

/**
 * The gateway id segment of `POST /admin/gateways/:id/decisions` (still percent-encoded), or
 * undefined for any other request: the admin API hands exactly these to {@link handleGatewayPush}
 * before it looks for an admin credential.
 *
 * @example
 * ```ts
 * const id = gatewayPushTarget(req.method, path);
 * if (id !== undefined) return handleGatewayPush(ctx, req, res, id, body);
 * ```
 */
export function gatewayPushTarget(method: string | undefined, path: string): string | undefined {
  if (method !== 'POST') return undefined;
  return PUSH_PATH.exec(path)?.[1];
}

/**
 * `POST /admin/gateways/:id/decisions` (issue 17): a gateway pushes a batch of its decisions
 * (`gatewayReportSchema`), and the push is its heartbeat. The caller is the gateway's client, not
 * an admin: HTTP Basic client authentication (client_secret_basic, as the revocation feed; RFC 6749
 * §2.3.1) through the service's authenticator and its brute-force guard, after the per-address rate
 * limit, then the client's `reportDecisions` permission. Answers `200 { accepted, needPolicies }`
 * (`needPolicies`: send the policy documents of the reported hash next time), or RFC 9457 problem
 * JSON:
 *
 * - 400 `ERR_ADMIN_BAD_REQUEST`: a malformed gateway id (1–64 of `[A-Za-z0-9._-]`) or body (more than
 *   1000 decisions, an over-long or unknown field, anything that looks like a token);
 * - 401 `ERR_OAUTH_INVALID_CLIENT` with `WWW-Authenticate: Basic`: no, malformed or wrong credentials;
 * - 403 `ERR_TOKEN_SERVICE_FORBIDDEN`: a client without `reportDecisions: true`;
 * - 409 `ERR_ADMIN_CONFLICT`: another client reports for this gateway id and it is alive;
 * - 429 `ERR_TOKEN_SERVICE_RATE_LIMITED` with `Retry-After`.
 *
 * @example
 * ```ts
 * // a gateway, every tokenService.decisions.intervalMs:
 * await fetch(`${ts}/admin/gateways/gw-1/decisions`, { method: 'POST', body: JSON.stringify(report),
 *   headers: { authorization: `Basic ${basic}`, 'content-type': 'application/json' } });
 * ```
 */
export async function handleGatewayPush(
  ctx: ServiceContext,
  req: IncomingMessage,
  res: ServerResponse,
  rawId: string,
  body: Buffer,
): Promise<void> {
  const source = ctx.remoteAddress(req);
  let gatewayId: string | undefined;
  try {
    // Before any authentication work, as at the OAuth endpoints: guessing secrets here costs the same.
    const wait = ctx.perAddress?.take(source) ?? 0;
    if (wait > 0) {
      ctx.metrics.rateLimited.inc({ scope: 'address' });
      throw tokenServiceErrors.create('ERR_TOKEN_SERVICE_RATE_LIMITED', 'too many requests from this address', {
        details: { retryAfterSeconds: wait },
      });
    }
    const { client, method } = await ctx.authenticator.authenticate({
      authorization: req.headersDistinct.authorization,
      form: NO_FORM,
      source,
    });
    // A public client authenticates with its id alone: it proves nothing, so it reports nothing.
    if (method !== 'client_secret_basic')
      throw tokenServiceErrors.create(
        'ERR_OAUTH_INVALID_CLIENT',
        'a gateway authenticates with HTTP Basic (client_secret_basic)',
      );
    if (client.reportDecisions !== true)
      throw tokenServiceErrors.create(
        'ERR_TOKEN_SERVICE_FORBIDDEN',
        `client "${client.id}" may not report decisions (its record needs reportDecisions: true)`,
      );
    try {
      gatewayId = decodeURIComponent(rawId);
    } catch {
      throw tokenServiceErrors.create('ERR_ADMIN_BAD_REQUEST', 'malformed percent-encoding in the gateway id');
    }
    if (!GATEWAY_ID.test(gatewayId))
      throw tokenServiceErrors.create('ERR_ADMIN_BAD_REQUEST', 'a gateway id is 1-64 characters of [A-Za-z0-9._-]');
    const owner = ctx.decisions.gateways.claimedByOther(gatewayId, client.id, ctx.clock());
    if (owner !== undefined)
      throw tokenServiceErrors.create(
        'ERR_ADMIN_CONFLICT',
        `gateway "${gatewayId}" reports as client "${owner}" and is alive: give this gateway another id`,
      );
    if (!ctx.decisions.gateways.hasRoom(gatewayId, ctx.clock()))
      throw tokenServiceErrors.create(
        'ERR_TOKEN_SERVICE_UNAVAILABLE',
        `${ctx.config.decisions.maxGateways} gateways report here and all are alive: a new gateway id waits until one falls silent (decisions.maxGateways)`,
        // A 503 the gateway retries: its message says why, and holds nothing internal.
        { expose: true },
      );
    const report = parseJsonBody(req, body, gatewayReportSchema);
    const answer = ctx.decisions.report(gatewayId, client.id, report);
    sendJson(res, 200, answer, { 'cache-control': 'no-store' });
  } catch (error) {
    const problem = toProblem(error);
    if (problem.status >= 500) ctx.logger.error({ err: error, endpoint: 'gateway-push' }, 'request failed');
    else
      ctx.logger.info(
        {
          endpoint: 'gateway-push',
          gateway: gatewayId,
          code: isTesseraError(error) ? error.code : undefined,
          reason: isTesseraError(error) ? error.message : undefined,
        },
        'request refused',
      );
    const headers: Record<string, string> = { 'content-type': 'application/problem+json', 'cache-control': 'no-store' };
    // RFC 9110 §11.6.1: a 401 names the scheme to use, here the client's Basic credentials.
    if (problem.status === 401)
      headers['www-authenticate'] = `Basic realm="${ctx.issuerUrl().replace(/["\\]/g, '')}", charset="UTF-8"`;
    const retryAfter = isTesseraError(error) ? error.details?.['retryAfterSeconds'] : undefined;
    if (typeof retryAfter === 'number') headers['retry-after'] = String(Math.max(1, Math.ceil(retryAfter)));
    const payload = JSON.stringify(problem);
    res.writeHead(problem.status, { ...headers, 'content-length': Buffer.byteLength(payload) });
    res.end(payload);
  }
}
