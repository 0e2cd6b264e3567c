import express, { type Express } from 'express';
import { createRemoteJwks, createVerifier, extractBearerToken, type RemoteJwks } from '@tessera/core';
import { httpCall } from '../internal/http-client.js';
import { toVerificationFailure, type VerificationResult } from '../internal/verification-result.js';

/** Options of {@link createServiceB}. */
export interface ServiceBOptions {
  tokenServiceUrl: string;
  /** Admin bearer token of the token service, for its jwt-factory verify endpoint. */
  adminToken: string;
}

/**
 * Service B of scenario 1 (Express). `GET /scenario1-server` checks the caller's token twice:
 * once by asking the token service (`POST /admin/jwt-factory/verify/servicea`, the jwt-factory
 * way) and once itself, against the token service's named-key JWKS, fetched once and cached
 * (`createRemoteJwks`). It answers the token service's verdict, with both results side by side.
 *
 * @example
 * ```ts
 * const { app, close } = createServiceB({ tokenServiceUrl, adminToken });
 * ```
 */
export function createServiceB(options: ServiceBOptions): { app: Express; close(): void } {
  const jwks: RemoteJwks = createRemoteJwks(`${options.tokenServiceUrl}/jwt-factory/jwks.json`, {
    cacheMaxAge: 600_000,
  });
  const verifier = createVerifier({
    issuer: 'https://jwt-factory/',
    keys: jwks,
    audience: 'serviceb',
    subject: 'servicea',
  });
  const app = express();
  app.get('/scenario1-server', async (req, res) => {
    const token = extractBearerToken(req.headersDistinct);
    if (token === undefined) {
      res.status(401).json({
        message: 'invalid token',
        valid: false,
        error: { name: 'JsonWebTokenError', message: 'jwt must be provided' },
        claims: {},
      });
      return;
    }
    const asked = await httpCall(`${options.tokenServiceUrl}/admin/jwt-factory/verify/servicea`, {
      method: 'POST',
      headers: { authorization: `Bearer ${options.adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ token, aud: 'serviceb', sub: 'servicea' }),
    });
    let local: VerificationResult;
    try {
      local = { valid: true, claims: (await verifier.verify(token)).payload };
    } catch (error) {
      local = toVerificationFailure(error);
    }
    const byTokenService = asked.json as { valid?: boolean } | undefined;
    const verdict =
      byTokenService?.valid === true
        ? { valid: true, claims: local.valid ? local.claims : {} }
        : { message: 'invalid token', ...(byTokenService ?? { valid: false }) };
    res
      .status(byTokenService?.valid === true ? 200 : 401)
      .json({ ...verdict, checkedBy: { tokenService: byTokenService, cachedJwks: local } });
  });
  return { app, close: () => jwks.close() };
}
