import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { VerifiedJwt } from '../jose/types.js';
import type { Authenticator, AuthenticatorOptions } from './create-authenticator.js';
import { resolveAuthenticator } from './internal/resolve-authenticator.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The verified token, set by `tesseraFastify`; `null` on exempt routes. */
    auth: VerifiedJwt | null;
  }
}

/** Options of {@link tesseraFastify}: authenticator options, or `{ authenticator }` to share one. */
export type TesseraFastifyOptions = AuthenticatorOptions | { authenticator: Authenticator };

/**
 * Fastify 5 plugin: an `onRequest` hook authenticates every request of the instance it is
 * registered on (it is not encapsulated, like a `fastify-plugin` plugin), decorates
 * `request.auth` with the verified token, or answers the RFC 6750 failure (401 / 403 / 400, never a
 * 500). Fastify is only a type import: `@tessera/core` has no runtime dependency on it.
 *
 * @example
 * ```ts
 * const app = Fastify();
 * await app.register(tesseraFastify, { verifier, realm: 'orders', exempt: ['GET /health'] });
 * app.get('/orders', async (request) => ({ caller: request.auth?.payload.sub }));
 * ```
 */
export function tesseraFastify(
  fastify: FastifyInstance,
  options: TesseraFastifyOptions,
  done: (error?: Error) => void,
): void {
  let authenticator: Authenticator;
  try {
    authenticator = resolveAuthenticator('authenticator' in options ? options.authenticator : options);
  } catch (error) {
    done(error as Error);
    return;
  }
  if (!fastify.hasRequestDecorator('auth')) fastify.decorateRequest('auth', null);
  fastify.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
    const result = await authenticator.authenticate({
      method: request.method,
      url: request.raw.url ?? request.url,
      headers: request.raw.headersDistinct ?? request.headers,
      socket: request.raw.socket,
    });
    if (result.ok) {
      request.auth = result.exempt ? null : result.token;
      return;
    }
    reply.code(result.status).headers(result.headers).send(result.body);
    return reply;
  });
  done();
}

// Apply the hook to the registering scope, as `fastify-plugin` would, without depending on it.
Object.defineProperty(tesseraFastify, Symbol.for('skip-override'), { value: true });
Object.defineProperty(tesseraFastify, Symbol.for('fastify.display-name'), { value: 'tessera' });
