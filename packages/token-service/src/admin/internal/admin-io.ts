import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { z } from 'zod';
import { tokenServiceErrors } from '../../errors.js';
import { hasMediaType } from '../../http/has-media-type.js';

/** What a caller without an admin credential is told. */
export const ADMIN_UNAUTHORIZED = 'admin credential missing or wrong: the admin bearer token, or a console session';

/**
 * Checks `Authorization: Bearer <admin token>` in constant time (both sides hashed to equal length first).
 *
 * @example
 * ```ts
 * checkAdminToken(req, ctx.adminToken); // throws ERR_ADMIN_UNAUTHORIZED
 * ```
 */
export function checkAdminToken(req: IncomingMessage, expected: string): void {
  const values = req.headersDistinct.authorization ?? [];
  const value = values.length === 1 ? values[0]! : '';
  const match = /^Bearer ([\x21-\x7e]+)$/i.exec(value);
  const presented = createHash('sha256')
    .update(match?.[1] ?? '')
    .digest();
  const wanted = createHash('sha256').update(expected).digest();
  if (match === null || !timingSafeEqual(presented, wanted))
    throw tokenServiceErrors.create('ERR_ADMIN_UNAUTHORIZED', ADMIN_UNAUTHORIZED);
}

/**
 * Parses a JSON body (empty = `{}`) and validates it with `schema`; problems become `ERR_ADMIN_BAD_REQUEST` naming the field.
 *
 * @example
 * ```ts
 * const input = parseJsonBody(req, body, clientConfigSchema);
 * ```
 */
export function parseJsonBody<S extends z.ZodType>(req: IncomingMessage, body: Buffer, schema: S): z.output<S> {
  let value: unknown = {};
  if (body.length > 0) {
    if (!hasMediaType(req, 'application/json'))
      throw tokenServiceErrors.create('ERR_ADMIN_BAD_REQUEST', 'the body must be application/json');
    try {
      value = JSON.parse(body.toString('utf8'));
    } catch {
      throw tokenServiceErrors.create('ERR_ADMIN_BAD_REQUEST', 'the body is not valid JSON');
    }
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    const message = parsed.error.issues
      .map((i) => `${i.path.map(String).join('.') || '(body)'}: ${i.message}`)
      .join('; ');
    throw tokenServiceErrors.create('ERR_ADMIN_BAD_REQUEST', message);
  }
  return parsed.data;
}
