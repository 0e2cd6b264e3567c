import type { IncomingMessage } from 'node:http';
import type { Logger } from 'pino';
import type { GatewayIdentity } from '../auth/verdict.js';
import type { Prepared } from '../request/prepare-request.js';
import type { AccessReason } from './outcome.js';

/**
 * Writes one access-log line; `p` is `undefined` when the request was refused before it was parsed.
 * `dryRun` is the verdict's dry-run result of an allowed request (the decision reporter tells a
 * request a DRY_RUN policy would have denied from a plain allow; the log line has it in `detail`).
 */
export type AccessLog = (
  req: IncomingMessage,
  p: Prepared | undefined,
  started: number,
  status: number,
  reason: AccessReason,
  detail: string,
  identity: GatewayIdentity | undefined,
  dryRun?: 'allow' | 'deny',
) => void;

/**
 * The access log: one JSON line per request at `info` with the route, the answer's status, the
 * stable `reason` code and its `detail`, the principals and the time taken; never the token.
 * Off (a no-op) when `logging.accessLog` is false or `info` is not enabled.
 *
 * @example
 * ```ts
 * const log = createAccessLog(logger, true);
 * log(req, prepared, started, 403, 'ERR_GATEWAY_ACCESS_DENIED', 'deny-matched ns/p rule 0', undefined);
 * ```
 */
export function createAccessLog(logger: Logger, enabled: boolean): { log: AccessLog; enabled: boolean } {
  const on = enabled && logger.isLevelEnabled('info');
  const log: AccessLog = (req, p, started, status, reason, detail, identity) => {
    if (!on) return;
    logger.info({
      type: 'access',
      route: p?.route.config.name,
      method: req.method,
      path: p?.request.path ?? '(unparsed)',
      host: p?.request.host,
      status,
      reason,
      detail,
      principal: identity?.requestPrincipal,
      peer: p?.request.peerPrincipal,
      sourceIp: p?.request.sourceIp,
      ms: Math.round((performance.now() - started) * 100) / 100,
    });
  };
  return { log, enabled: on };
}
