import type { IncomingMessage, ServerResponse } from 'node:http';
import { extractBearerToken, type Verifier } from '@tessera/core';
import { toVerificationFailure } from './verification-result.js';

/**
 * A node:http handler answering like the brief's receiving services: it verifies the bearer token
 * itself (no middleware, so the answer keeps the brief's `{ valid, claims }` / `{ valid: false,
 * error }` shape) and replies 200 or 401.
 *
 * @example
 * ```ts
 * https.createServer(tls, verifyEndpoint(verifier));
 * ```
 */
export function verifyEndpoint(verifier: Verifier) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    let body: unknown;
    let status = 200;
    try {
      const token = extractBearerToken(req.headersDistinct);
      if (token === undefined) {
        status = 401;
        body = {
          message: 'invalid token',
          valid: false,
          error: { name: 'JsonWebTokenError', message: 'jwt must be provided', code: 'ERR_AUTH_TOKEN_MISSING' },
          claims: {},
        };
      } else {
        const { payload } = await verifier.verify(token);
        body = { valid: true, claims: payload };
      }
    } catch (error) {
      status = 401;
      body = toVerificationFailure(error);
    }
    const text = JSON.stringify(body);
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) }).end(text);
  };
}
