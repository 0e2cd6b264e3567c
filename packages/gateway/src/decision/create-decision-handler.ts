import type { IncomingMessage, ServerResponse } from 'node:http';
import type { GatewayListenerConfig } from '../config/load-gateway-config.js';
import type { GatewayRequest } from '../auth/gateway-request.js';
import type { GatewayIdentity, Verdict } from '../auth/verdict.js';
import type { TokenMinter } from '../mutate/create-token-minter.js';
import { answer, answerDenied, count, identityHeaders, prepare, stripV4Mapped, type HandlerContext, type Prepared } from '../proxy/internal/proxy-handler.js';

/** The decision API: nginx `auth_request` / Traefik `forwardAuth` style and Envoy ext_authz HTTP style. */
export interface DecisionHandler {
  /** True when `url` is under the decision prefix. */
  handles(url: string): boolean;
  handle(req: IncomingMessage, res: ServerResponse, listener: GatewayListenerConfig, started: number): void;
}

/** What the decision API needs from the gateway. */
export interface DecisionHandlerOptions {
  readonly ctx: HandlerContext;
  readonly managedFor: (p: Prepared) => ReadonlySet<string>;
  readonly minter: TokenMinter | undefined;
  readonly log: (p: Prepared | undefined, req: IncomingMessage, status: number, reason: string, identity: GatewayIdentity | undefined, started: number) => void;
  readonly realmOf: (r: GatewayRequest) => string;
}

const first = (v: string | string[] | undefined): string | undefined => (Array.isArray(v) ? v[0] : v);

/**
 * Creates the decision API under `decision.pathPrefix` (default `/_tessera/authz`):
 *
 * - `GET <prefix>/auth` — nginx `auth_request` (and Traefik `forwardAuth`): the original request is
 *   described by `X-Original-URI` / `X-Forwarded-Uri`, `X-Original-Method` / `X-Forwarded-Method`,
 *   `X-Original-Host` / `X-Forwarded-Host` (else `Host`), with the caller's `Authorization`;
 * - `<METHOD> <prefix>/ext/<original path>` — Envoy ext_authz HTTP service: the original method,
 *   path appended to the prefix, original headers.
 *
 * Answers 200 with the identity headers the upstream should get (claims, payload, minted token,
 * `x-tessera-request-principal`), 401 with the Envoy text and `WWW-Authenticate`, or 403
 * `RBAC: access denied`. The route is found by the original host and path (or `decision.route`).
 *
 * @example
 * ```nginx
 * location = /_auth { internal; proxy_pass http://127.0.0.1:9001/_tessera/authz/auth;
 *   proxy_set_header X-Original-URI $request_uri; proxy_set_header X-Original-Method $request_method; }
 * ```
 */
export function createDecisionHandler(options: DecisionHandlerOptions): DecisionHandler {
  const { ctx } = options;
  const prefix = ctx.config.decision.pathPrefix.replace(/\/+$/, '');
  const authPath = `${prefix}/auth`;
  const extPrefix = `${prefix}/ext`;
  const fallback = ctx.config.decision.route;

  const reply = (req: IncomingMessage, res: ServerResponse, p: Prepared, verdict: Verdict, started: number) => {
    count(p.counters, verdict);
    if (verdict.kind !== 'allow') {
      answerDenied(res, verdict, options.realmOf(p.request));
      options.log(p, req, verdict.kind === 'unauthenticated' ? 401 : verdict.kind === 'denied' ? 403 : 400, `decision: ${verdict.reason}`, undefined, started);
      return;
    }
    const ok = (minted: string | undefined) => {
      const built = identityHeaders(p, verdict.identity, minted);
      if (!built.ok) {
        answer(res, 401, 'Jwt claim cannot be forwarded', { 'www-authenticate': 'Bearer error="invalid_token"' });
        options.log(p, req, 401, `decision: ${built.reason}`, verdict.identity, started);
        return;
      }
      const headers = built.headers;
      for (const [k, v] of verdict.extraHeaders) headers.push(k, v);
      // iss/sub come from the token: only printable ASCII may become a header value.
      if (verdict.identity && /^[\x20-\x7e]+$/.test(verdict.identity.requestPrincipal)) headers.push('x-tessera-request-principal', verdict.identity.requestPrincipal);
      headers.push('content-type', 'text/plain; charset=utf-8', 'content-length', '2');
      res.writeHead(200, headers);
      res.end('OK');
      options.log(p, req, 200, `decision: ${verdict.reason}`, verdict.identity, started);
    };
    const mint = p.route.config.mutations.mint;
    if (mint && verdict.identity && options.minter) {
      Promise.resolve()
        .then(() => options.minter!.mint(verdict.identity!, mint))
        .then(ok, () => answer(res, 503, 'upstream token unavailable'))
        .catch(() => answer(res, 500, 'internal error'));
    } else ok(undefined);
  };

  return {
    handles: (url) => url === authPath || url.startsWith(`${authPath}?`) || url.startsWith(`${extPrefix}/`),
    handle(req, res, listener, started) {
      const url = req.url ?? '';
      let original: { method: string; url: string; host: string | undefined };
      if (url.startsWith(`${extPrefix}/`)) {
        original = { method: req.method ?? 'GET', url: url.slice(extPrefix.length), host: undefined };
      } else {
        const uri = first(req.headers['x-original-uri']) ?? first(req.headers['x-forwarded-uri']);
        const method = first(req.headers['x-original-method']) ?? first(req.headers['x-forwarded-method']) ?? 'GET';
        if (uri === undefined || !uri.startsWith('/') || !/^[A-Z]{1,20}$/.test(method)) {
          answer(res, 400, 'Bad Request: X-Original-URI and X-Original-Method describe the request to decide on');
          options.log(undefined, req, 400, 'decision: no original URI', undefined, started);
          return;
        }
        // Only a proxy the gateway trusts speaks for the original host: nginx passes the client's
        // own headers to the auth subrequest, so from anyone else X-Original-Host could pick the
        // most permissive route. X-Forwarded-Host is never taken (clients set it freely).
        const peer = stripV4Mapped(req.socket.remoteAddress ?? '');
        const host = ctx.isTrustedProxy(peer) ? first(req.headers['x-original-host']) : undefined;
        original = { method, url: uri, host };
      }
      const p = prepare(ctx, req, listener, original, fallback);
      if ('error' in p) {
        // No route means no policy can speak for the request: deny (fail closed).
        const status = p.error === 404 ? 403 : p.error;
        answer(res, status, status === 403 ? 'RBAC: access denied' : 'Bad Request');
        options.log(undefined, req, status, `decision: ${p.reason}`, undefined, started);
        return;
      }
      const prepared = p;
      let verdict: Verdict | Promise<Verdict>;
      try {
        verdict = prepared.state.enforcer.evaluate(prepared.request, prepared.route.config);
      } catch {
        answer(res, 500, 'internal error');
        return;
      }
      if (verdict instanceof Promise) verdict.then((v) => reply(req, res, prepared, v, started)).catch(() => answer(res, 500, 'internal error'));
      else reply(req, res, prepared, verdict, started);
    },
  };
}
