import { tokenServiceErrors } from '../../errors.js';
import type { ServiceContext } from '../../http/service-context.js';

/**
 * Takes a rate-limit token or throws `ERR_TOKEN_RATE_LIMITED` with the wait in `details.retryAfterSeconds`.
 *
 * @example
 * ```ts
 * enforceRateLimit(ctx, 'address', ctx.remoteAddress(req));
 * ```
 */
export function enforceRateLimit(ctx: ServiceContext, scope: 'client' | 'address', key: string): void {
  const limiter = scope === 'client' ? ctx.perClient : ctx.perAddress;
  if (limiter === undefined) return;
  const wait = limiter.take(key);
  if (wait > 0) {
    ctx.metrics.rateLimited.inc({ scope });
    throw tokenServiceErrors.create('ERR_TOKEN_RATE_LIMITED', `too many requests from this ${scope}`, {
      details: { retryAfterSeconds: wait },
    });
  }
}
