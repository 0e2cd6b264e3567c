import type { IncomingMessage, ServerResponse } from 'node:http';
import type { JwtPayload } from '@tessera/core';
import type { ClientRecord } from '../clients/client-record.js';
import { sendJson } from '../http/send-json.js';
import type { ServiceContext } from '../http/service-context.js';
import { authenticateFormRequest } from './internal/authenticate-form-request.js';
import { sendOAuthError } from './internal/send-oauth-error.js';

const noStore = { 'cache-control': 'no-store', pragma: 'no-cache' } as const;
const INACTIVE = Object.freeze({ active: false });

/**
 * `POST /introspect` (RFC 7662): the caller authenticates as a client and must hold the
 * `introspect` permission. The answer is `{ active: false }` for anything that does not verify,
 * has expired (no clock skew: a token past its `exp` is not active), is revoked or not ours (§2.2),
 * for a caller without the permission, and for a token the caller may not see (§4: a token issued
 * to another client and not addressed to the caller), so the answer never tells these apart.
 * Otherwise the token's claims with `active: true`, `token_type` and `act` when present.
 *
 * @example
 * ```ts
 * if (req.method === 'POST' && path === '/introspect') return handleIntrospection(ctx, req, res, body);
 * ```
 */
export async function handleIntrospection(
  ctx: ServiceContext,
  req: IncomingMessage,
  res: ServerResponse,
  body: Buffer,
): Promise<void> {
  try {
    const { client, token } = await authenticateFormRequest(ctx, req, body);
    let answer: Record<string, unknown> = INACTIVE;
    let reason = 'not permitted';
    if (client.introspect) {
      reason = 'invalid';
      try {
        const verified = await ctx.validator.validate(token);
        const p = verified.payload;
        if (verified.issuer !== 'self') reason = 'not issued here';
        else if (!isCurrent(p, ctx.clock())) reason = 'expired or not yet valid';
        else if (!maySee(client, p)) reason = 'not visible to the caller';
        else answer = activeAnswer(p);
      } catch {
        // §2.2: an invalid token is simply inactive; the reason is not disclosed.
      }
    }
    ctx.logger.debug(
      {
        endpoint: 'introspect',
        client_id: client.id,
        active: answer['active'],
        ...(answer === INACTIVE ? { reason } : {}),
      },
      'introspection',
    );
    sendJson(res, 200, answer, noStore);
  } catch (error) {
    sendOAuthError(ctx, req, res, error, { endpoint: 'introspect' });
  }
}

/** `exp` (and `nbf`) against the clock without tolerance: introspection reports the token's state now. */
function isCurrent(p: JwtPayload, nowMs: number): boolean {
  const now = nowMs / 1000;
  if (typeof p.exp !== 'number' || now >= p.exp) return false;
  return typeof p.nbf !== 'number' || now >= p.nbf;
}

/** A client may learn about a token issued to it (`client_id`) or addressed to it (`aud` names its id). */
function maySee(client: ClientRecord, p: JwtPayload): boolean {
  if (p.client_id === client.id) return true;
  const aud: unknown = p.aud;
  return aud === client.id || (Array.isArray(aud) && aud.includes(client.id));
}

function activeAnswer(p: JwtPayload): Record<string, unknown> {
  const answer: Record<string, unknown> = {
    active: true,
    token_type: 'Bearer',
    iss: p.iss,
    sub: p.sub,
    aud: p.aud,
    exp: p.exp,
    iat: p.iat,
    jti: p.jti,
    client_id: p.client_id,
  };
  if (p.scope !== undefined) answer['scope'] = p.scope;
  if (p.nbf !== undefined) answer['nbf'] = p.nbf;
  if (p.act !== undefined) answer['act'] = p.act;
  return answer;
}
