import type { IncomingMessage } from 'node:http';
import type { GatewayIdentity, Verdict } from '../auth/verdict.js';
import type { GatewayContext } from '../context/gateway-context.js';
import type { RouteCounters } from '../ops/create-gateway-metrics.js';
import type { Prepared } from '../request/prepare-request.js';
import type { AccessLog } from '../respond/create-access-log.js';
import { INTERNAL, MINT_FAILED, claimUnsafe, realmOf, refusalOf, type Outcome } from '../respond/outcome.js';

/** An allowed verdict. */
export type Allowed = Extract<Verdict, { kind: 'allow' }>;

/** One request going through the pipeline; each entry extends it with its own sink (response, socket). */
export interface Exchange {
  readonly req: IncomingMessage;
  /** `performance.now()` when the request arrived (0 when the access log is off). */
  readonly started: number;
  readonly p: Prepared;
}

/** What the mutate stage built for an allowed request, or why a claim could not be forwarded. */
export type Mutated<H> = { readonly ok: true; readonly value: H } | { readonly ok: false; readonly reason: string };

/**
 * How one entry (HTTP proxy, WebSocket upgrade, decision API) ends the pipeline. Created once per
 * gateway, not per request: the per-request state travels in the {@link Exchange}.
 */
export interface PipelineEntry<X extends Exchange, H> {
  /** Mutate: what the allowed request carries on (the upstream head, or the decision answer's headers). */
  mutate(x: X, verdict: Allowed, minted: string | undefined): Mutated<H>;
  /** Sends the allowed request on: forward, tunnel, or answer 200; logs its own access line. */
  finish(x: X, verdict: Allowed, built: H): void;
  /** Writes a refusal on this entry's sink (respond). */
  write(x: X, outcome: Outcome): void;
}

/** The one request pipeline: authenticate and authorize → mint → mutate → finish or respond. */
export interface Pipeline {
  /** Runs an exchange whose request was prepared (parsed, normalized, routed). */
  run<X extends Exchange, H>(entry: PipelineEntry<X, H>, x: X): void;
  /** Runs an exchange whose verdict is known (a login chose which of a session's tokens speaks for it). */
  decide<X extends Exchange, H>(entry: PipelineEntry<X, H>, x: X, verdict: Verdict): void;
  /** Writes an outcome through `entry` and logs it: the one place a refusal becomes an answer. */
  respond<X extends Exchange, H>(entry: PipelineEntry<X, H>, x: X, outcome: Outcome, identity?: GatewayIdentity): void;
}

/** Records the verdict in the route's counters (Envoy's jwt_authn and rbac stats). */
function count(counters: RouteCounters, verdict: Verdict): void {
  if (verdict.kind === 'unauthenticated') {
    counters.jwtDenied.inc();
    return;
  }
  if (verdict.kind === 'bad-request') return;
  counters.jwtAllowed.inc();
  if (verdict.kind === 'allow') counters.allowed.inc();
  else counters.denied.inc();
  if (verdict.dryRun === 'allow') counters.dryRunAllowed.inc();
  else if (verdict.dryRun === 'deny') counters.dryRunDenied.inc();
}

/**
 * Creates the request pipeline every entry runs, in the order of Envoy's filter chain and
 * Oathkeeper's pipeline (ARCHITECTURE.md, "Request path (gateway)"):
 *
 * 1. authenticate and authorize: the route's policy set decides (`Enforcer.evaluate`), synchronously
 *    when the keys are at hand;
 * 2. respond on a refusal: {@link refusalOf} turns the verdict into status, headers, body and the
 *    access log's reason, the same for every entry;
 * 3. mint (or exchange) the last-mile token when the route asks for one;
 * 4. mutate: the entry builds what the request carries on (identity headers, claims, the token);
 * 5. finish: the entry forwards, tunnels or answers 200.
 *
 * Anything unexpected on the way denies with 500 (fail closed), logged once.
 *
 * @example
 * ```ts
 * const pipeline = createPipeline(ctx, log);
 * pipeline.run(httpEntry, { req, res, started, p });
 * ```
 */
export function createPipeline(ctx: GatewayContext, log: AccessLog): Pipeline {
  const { config, logger, minter } = ctx;

  function respond<X extends Exchange, H>(
    entry: PipelineEntry<X, H>,
    x: X,
    outcome: Outcome,
    identity?: GatewayIdentity,
  ): void {
    entry.write(x, outcome);
    log(x.req, x.p, x.started, outcome.status, outcome.reason, outcome.detail, identity);
  }

  function fail<X extends Exchange, H>(entry: PipelineEntry<X, H>, x: X, err: unknown): void {
    // ARCHITECTURE.md "Errors": an unexpected error on an auth path denies; it never passes through.
    logger.error({ err, route: x.p.route.config.name }, 'unexpected error on the auth path; request denied');
    try {
      respond(entry, x, INTERNAL);
    } catch (writeErr) {
      logger.error({ err: writeErr }, 'could not answer a failed request');
    }
  }

  function mintFailed<X extends Exchange, H>(entry: PipelineEntry<X, H>, x: X, v: Allowed, err: unknown): void {
    logger.error({ err, route: x.p.route.config.name }, 'minting a token for the upstream failed');
    respond(entry, x, MINT_FAILED, v.identity);
  }

  function carryOn<X extends Exchange, H>(entry: PipelineEntry<X, H>, x: X, v: Allowed, minted: string | undefined) {
    const built = entry.mutate(x, v, minted);
    if (!built.ok) respond(entry, x, claimUnsafe(realmOf(config, x.p.request), built.reason), v.identity);
    else entry.finish(x, v, built.value);
  }

  function decide<X extends Exchange, H>(entry: PipelineEntry<X, H>, x: X, v: Verdict): void {
    try {
      count(x.p.counters, v);
      if (v.kind !== 'allow') {
        // A denied caller is named in the access log and the decision report (never its token).
        respond(entry, x, refusalOf(v, realmOf(config, x.p.request)), v.kind === 'denied' ? v.identity : undefined);
        return;
      }
      const mint = x.p.route.config.mutations.mint;
      if (mint === undefined || v.identity === undefined || minter === undefined) {
        carryOn(entry, x, v, undefined);
        return;
      }
      let minted: string | Promise<string>;
      try {
        minted = minter.mint(v.identity, mint);
      } catch (err) {
        mintFailed(entry, x, v, err);
        return;
      }
      if (typeof minted === 'string') carryOn(entry, x, v, minted);
      else {
        minted
          .then(
            (m) => carryOn(entry, x, v, m),
            (err: unknown) => mintFailed(entry, x, v, err),
          )
          .catch((err: unknown) => fail(entry, x, err));
      }
    } catch (err) {
      fail(entry, x, err);
    }
  }

  return {
    respond,
    decide,
    run(entry, x) {
      let verdict: Verdict | Promise<Verdict>;
      try {
        verdict = x.p.state.enforcer.evaluate(x.p.request, x.p.route.config);
      } catch (err) {
        fail(entry, x, err);
        return;
      }
      if (verdict instanceof Promise) {
        verdict.then(
          (v) => decide(entry, x, v),
          (err: unknown) => fail(entry, x, err),
        );
      } else decide(entry, x, verdict);
    },
  };
}
