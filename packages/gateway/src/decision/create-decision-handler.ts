import type { IncomingMessage, ServerResponse } from 'node:http';
import type { GatewayListenerConfig } from '../config/load-gateway-config.js';
import type { GatewayContext } from '../context/gateway-context.js';
import { identityHeaders } from '../mutate/identity-headers.js';
import type { Exchange, Pipeline, PipelineEntry } from '../pipeline/create-pipeline.js';
import { prepareRequest, stripV4Mapped, type OriginalRequest } from '../request/prepare-request.js';
import type { AccessLog } from '../respond/create-access-log.js';
import { badRequest, denied, notPrepared, type Outcome } from '../respond/outcome.js';
import { writeOutcome } from '../respond/write-outcome.js';

/** The decision API: nginx `auth_request` / Traefik `forwardAuth` style and Envoy ext_authz HTTP style. */
export interface DecisionHandler {
  /** True when `url` is under the decision prefix. */
  handles(url: string): boolean;
  handle(req: IncomingMessage, res: ServerResponse, listener: GatewayListenerConfig, started: number): void;
}

/** What the decision API needs from the gateway. */
export interface DecisionHandlerOptions {
  readonly ctx: GatewayContext;
  readonly pipeline: Pipeline;
  readonly log: AccessLog;
}

interface DecisionExchange extends Exchange {
  readonly res: ServerResponse;
}

/** The front proxy that calls the decision API (`decision.proxy`); it alone says how the original request is described. */
export type DecisionProxy = 'nginx' | 'traefik' | 'envoy';

/**
 * Headers that describe the original request, per family. nginx's snippet sets the X-Original-*
 * headers with `proxy_set_header` (which overwrites a client's copy); Traefik's `forwardAuth` sets
 * X-Forwarded-* itself and passes every other client header through. So a header of the family the
 * configured proxy does not set can only come from the client: its presence is an attack or a
 * misconfiguration, and is refused rather than guessed about. X-Forwarded-Proto is read in Traefik
 * mode only and ignored otherwise: load balancers in front of nginx and Envoy's own connection
 * manager set it on every request, and it names no path, method or host.
 */
const NGINX_HEADERS = ['x-original-uri', 'x-original-method', 'x-original-host'] as const;
const TRAEFIK_HEADERS = ['x-forwarded-uri', 'x-forwarded-method', 'x-forwarded-host'] as const;
const FOREIGN: Record<DecisionProxy, readonly string[]> = {
  nginx: TRAEFIK_HEADERS,
  traefik: NGINX_HEADERS,
  envoy: [...NGINX_HEADERS, ...TRAEFIK_HEADERS],
};

/** Why a decision call's description of the original request was refused (400), or the request it describes. */
type ReadOriginal = { ok: true; original: OriginalRequest } | { ok: false; reason: string };

/** The single value of a header the proxy sets; a repeated one is refused (node would join the copies). */
function single(req: IncomingMessage, name: string): string | undefined | null {
  const values = req.headersDistinct[name];
  if (values === undefined) return undefined;
  return values.length === 1 ? values[0]! : null;
}

/** Reads the original request from the headers of `proxy`'s family; every one of them is required. */
function readOriginal(req: IncomingMessage, proxy: 'nginx' | 'traefik'): ReadOriginal {
  const [uriName, methodName, hostName] = proxy === 'nginx' ? NGINX_HEADERS : TRAEFIK_HEADERS;
  const uri = single(req, uriName);
  const method = single(req, methodName);
  const host = single(req, hostName);
  if (uri === null || method === null || host === null)
    return { ok: false, reason: 'a header describing the original request is repeated' };
  if (uri === undefined || method === undefined || host === undefined)
    return { ok: false, reason: `${uriName}, ${methodName} and ${hostName} are required` };
  if (!uri.startsWith('/')) return { ok: false, reason: `${uriName} is not an origin-form target` };
  if (!/^[A-Z]{1,20}$/.test(method)) return { ok: false, reason: `${methodName} is not a method` };
  if (proxy === 'nginx') return { ok: true, original: { method, url: uri, host } };
  const proto = single(req, 'x-forwarded-proto');
  if (proto === null || (proto !== undefined && proto !== 'http' && proto !== 'https'))
    return { ok: false, reason: 'x-forwarded-proto is not http or https' };
  return { ok: true, original: { method, url: uri, host, ...(proto === undefined ? {} : { scheme: proto }) } };
}

/**
 * Creates the decision API under `decision.pathPrefix` (default `/_tessera/authz`), for the one
 * front proxy named by `decision.proxy`, answering callers in `trustedProxies` only (else 403):
 *
 * - `nginx`: `GET <prefix>/auth` (`auth_request`); the original request is `X-Original-URI`,
 *   `X-Original-Method` and `X-Original-Host`, all three set by nginx;
 * - `traefik`: `GET <prefix>/auth` (`forwardAuth`); the original request is `X-Forwarded-Uri`,
 *   `X-Forwarded-Method`, `X-Forwarded-Host` and, when present, `X-Forwarded-Proto`;
 * - `envoy`: `<METHOD> <prefix>/ext/<original path>` (ext_authz HTTP service); the request line and
 *   `Host` are the original request's.
 *
 * A call carrying another family's headers is refused with 400, so no client-added header can
 * describe a different request than the one the proxy forwards. Answers 200 with the identity
 * headers the upstream should get (claims, payload, minted token, `x-tessera-request-principal`),
 * 401 with the Envoy text and `WWW-Authenticate`, or 403 `RBAC: access denied`. The route is found
 * by the original host and path (or `decision.route`).
 *
 * @example
 * ```nginx
 * location = /_auth { internal; proxy_pass http://127.0.0.1:9001/_tessera/authz/auth;
 *   proxy_set_header X-Original-URI $request_uri; proxy_set_header X-Original-Method $request_method;
 *   proxy_set_header X-Original-Host $host; }
 * ```
 */
export function createDecisionHandler(options: DecisionHandlerOptions): DecisionHandler {
  const { ctx, pipeline, log } = options;
  const prefix = ctx.config.decision.pathPrefix.replace(/\/+$/, '');
  const authPath = `${prefix}/auth`;
  const extPrefix = `${prefix}/ext`;
  const fallback = ctx.config.decision.route;
  const proxy = ctx.config.decision.proxy;
  const foreign = proxy === undefined ? [] : FOREIGN[proxy];

  const entry: PipelineEntry<DecisionExchange, string[]> = {
    mutate(x, v, minted) {
      const built = identityHeaders(x.p, v.identity, minted);
      if (!built.ok) return built;
      const headers = built.headers;
      for (const [k, val] of v.extraHeaders) headers.push(k, val);
      // iss/sub come from the token: only printable ASCII may become a header value.
      if (v.identity && /^[\x20-\x7e]+$/.test(v.identity.requestPrincipal)) {
        headers.push('x-tessera-request-principal', v.identity.requestPrincipal);
      }
      return { ok: true, value: headers };
    },
    finish(x, v, headers) {
      headers.push('content-type', 'text/plain; charset=utf-8', 'content-length', '2');
      x.res.writeHead(200, headers);
      x.res.end('OK');
      log(x.req, x.p, x.started, 200, 'allowed', v.reason, v.identity, v.dryRun);
    },
    write: (x, outcome) => writeOutcome(x.res, outcome),
  };

  /** A refusal before the original request could be prepared: no route, no identity. */
  const refuse = (req: IncomingMessage, res: ServerResponse, outcome: Outcome, started: number) => {
    writeOutcome(res, outcome);
    log(req, undefined, started, outcome.status, outcome.reason, outcome.detail, undefined);
  };
  const untrusted: Outcome = {
    ...denied('decision API caller is not a trusted proxy'),
    body: 'Forbidden: the decision API answers trusted proxies only',
  };

  return {
    handles: (url) => url === prefix || url.startsWith(`${prefix}/`) || url.startsWith(`${prefix}?`),
    handle(req, res, listener, started) {
      // The decision API believes what the caller says about another request, so only a front
      // proxy the operator named may call it (loadGatewayConfig requires both settings).
      const peer = stripV4Mapped(req.socket.remoteAddress ?? '');
      if (proxy === undefined || !ctx.isTrustedProxy(peer)) {
        refuse(req, res, untrusted, started);
        return;
      }
      for (const name of foreign) {
        if (req.headers[name] !== undefined) {
          refuse(
            req,
            res,
            badRequest(
              `${name} from a ${proxy} caller`,
              'ERR_GATEWAY_BAD_REQUEST',
              `Bad Request: ${name} is not set by ${proxy}; refusing an ambiguous original request`,
            ),
            started,
          );
          return;
        }
      }
      const url = req.url ?? '';
      const ext = url.startsWith(`${extPrefix}/`);
      if ((proxy === 'envoy') !== ext || (!ext && url !== authPath && !url.startsWith(`${authPath}?`))) {
        const use = proxy === 'envoy' ? `${extPrefix}/<original path>` : authPath;
        refuse(
          req,
          res,
          { ...notPrepared(404, 'wrong decision endpoint'), body: `Not Found: decision.proxy is ${proxy}; use ${use}` },
          started,
        );
        return;
      }
      let original: OriginalRequest;
      if (proxy === 'envoy') {
        // Envoy's ext_authz HTTP service: the original method, the original path appended to the
        // prefix, the original Host.
        original = { method: req.method ?? 'GET', url: url.slice(extPrefix.length), host: undefined };
      } else {
        const read = readOriginal(req, proxy);
        if (!read.ok) {
          refuse(req, res, badRequest(read.reason, 'ERR_GATEWAY_BAD_REQUEST', `Bad Request: ${read.reason}`), started);
          return;
        }
        original = read.original;
      }
      const p = prepareRequest(ctx, req, listener, original, fallback);
      if ('error' in p) {
        // No route means no policy can speak for the request: deny (fail closed).
        refuse(
          req,
          res,
          p.error === 404
            ? { ...denied(p.reason), reason: 'ERR_GATEWAY_ROUTE_NOT_FOUND' }
            : notPrepared(p.error, p.reason),
          started,
        );
        return;
      }
      pipeline.run(entry, { req, res, started, p });
    },
  };
}
