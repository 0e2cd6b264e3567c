import type { Logger } from 'pino';
import type { Clock, Explanation, JwtPayload, KeySourceFactory, TesseraErrorCode, WithdrawnKeys } from '@tessera/core';
import type { GatewayConfig } from '../config/load-gateway-config.js';
import type { GatewayMetrics } from '../ops/create-gateway-metrics.js';
import type { GatewayRequest } from '../request/gateway-request.js';

/** The verified caller of a request, with what its RequestAuthentication rule says to do with the token. */
export interface GatewayIdentity {
  /** The verified token (never logged). */
  readonly token: string;
  readonly payload: Readonly<JwtPayload>;
  /** `iss/sub`, Istio's `requestPrincipal`. */
  readonly requestPrincipal: string;
  /** Lower-case header that carried the token; `undefined` when it came from a query parameter or cookie. */
  readonly tokenHeader: string | undefined;
  /** Query parameter that carried the token, removed before forwarding unless the token is forwarded. */
  readonly tokenParam: string | undefined;
  /** `forwardOriginalToken` of the matching jwtRule (Istio default `false`: the token is removed). */
  readonly forwardOriginalToken: boolean;
  /** Headers the matching jwtRule writes (`outputPayloadToHeader`, `outputClaimToHeaders`), computed by core. */
  readonly headersToAdd: readonly (readonly [name: string, value: string])[];
}

/**
 * What authentication and authorization decided for one request. A deny is a value, not an
 * exception (ARCHITECTURE.md, "Errors"); `reason` goes to the access log and never holds a token.
 *
 * @example
 * ```ts
 * const v: Verdict = { kind: 'denied', reason: 'deny-matched ns/deny-admin rule 0', dryRun: undefined };
 * ```
 */
export type Verdict =
  | {
      readonly kind: 'allow';
      readonly identity: GatewayIdentity | undefined;
      readonly reason: string;
      readonly dryRun: 'allow' | 'deny' | undefined;
      readonly extraHeaders: readonly (readonly [string, string])[];
    }
  | {
      readonly kind: 'unauthenticated';
      readonly body: string;
      readonly invalidToken: boolean;
      readonly code: TesseraErrorCode;
      readonly reason: string;
    }
  | {
      readonly kind: 'denied';
      readonly reason: string;
      readonly dryRun: 'allow' | 'deny' | undefined;
      /** Who was refused, when a token authenticated them (for the access log and the decision report). */
      readonly identity?: GatewayIdentity | undefined;
      readonly response?: {
        readonly status: number;
        readonly body: string;
        readonly headers: readonly (readonly [string, string])[];
      };
    }
  | { readonly kind: 'bad-request'; readonly code: TesseraErrorCode; readonly reason: string };

/** Where a route sits for policy selection. */
export interface RouteFacts {
  readonly name: string;
  readonly namespace: string;
  readonly labels: Readonly<Record<string, string>>;
}

/**
 * Authenticates and authorizes one request against a compiled policy set. Built once per policy
 * set; a reload builds a new one and the gateway swaps the reference.
 */
export interface Enforcer {
  evaluate(request: GatewayRequest, route: RouteFacts): Verdict | Promise<Verdict>;
  /** Header names every jwtRule may write (`outputPayloadToHeader`, `outputClaimToHeaders`): client copies are removed. */
  readonly managedHeaders: ReadonlySet<string>;
  /** Number of policies in force, for `/readyz` and logs. */
  readonly size: number;
  /** Which policy and rule decide this request and why (core's `explain`), for the admin API and the CLI. */
  explain?(request: GatewayRequest, route: RouteFacts): Promise<Explanation>;
}

/** What an {@link EnforcerFactory} gets: the policy sources (files and folders) and the gateway's settings. */
export interface EnforcerFactoryInput {
  readonly sources: readonly string[];
  readonly config: GatewayConfig;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly metrics: GatewayMetrics;
  /** True when the token service has revoked this `jti`. */
  readonly isRevoked: ((jti: string) => boolean) | undefined;
  /** Remote JWKS / discovery key sources, shared across reloads and counted in metrics. */
  readonly remoteKeySource?: KeySourceFactory;
  /** Keys the token service withdrew; a new one empties the identity cache (the key sources drop it). */
  readonly withdrawnKeys?: WithdrawnKeys | undefined;
}

/** Compiles policy files into an {@link Enforcer}; throws (with file, line, field) on a bad file. */
export type EnforcerFactory = (input: EnforcerFactoryInput) => Enforcer | Promise<Enforcer>;
