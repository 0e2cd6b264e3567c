// A bounded steady load on the scale-out stack, the way its clients use it: calls through the two
// gateways with a current token (most of the load), tokens from the token service behind HAProxy,
// and now and then a new client through the admin API. Every answer is counted per phase, and every
// token and client that was answered as made is remembered, to check afterwards that none is lost.
import type { ScaleStack } from './start-stack.js';

/** What one phase of the load saw. */
export interface PhaseCounts {
  requests: number;
  /** Answers other than the expected success, by `<status> <error code>` or network error. */
  failures: Record<string, number>;
}

/** The load's record: per phase, and what was made. */
export interface LoadRecord {
  readonly phases: Record<string, PhaseCounts>;
  /** `jti` of every token the token service answered with 200. */
  readonly issued: string[];
  /** Id of every client the admin API answered 201 for. */
  readonly clients: string[];
}

/** A running load. */
export interface SteadyLoad {
  /**
   * Counts what follows under `name`; resolves once every request of the phase before has been
   * answered, so a fault injected after it cannot land on them (they would be counted in a phase
   * where nothing was wrong).
   */
  phase(name: string): Promise<void>;
  /** A token that was valid a moment ago (for probes). */
  token(): string;
  stop(): Promise<LoadRecord>;
}

const CLIENT = { id: 'load-client', secret: 'load-client-secret-0123456789' };

function jtiOf(token: string): string {
  return (JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as { jti: string }).jti;
}

/** Requests a client_credentials token through the Service; the parsed answer. */
export async function requestToken(stack: ScaleStack, baseUrl = stack.tokenServiceUrl): Promise<Response> {
  return fetch(`${baseUrl}/token`, {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from(`${CLIENT.id}:${CLIENT.secret}`).toString('base64')}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: 'grant_type=client_credentials&audience=app',
    signal: AbortSignal.timeout(5000),
  });
}

/** The client the load uses, made through the admin API. */
export async function createLoadClient(stack: ScaleStack): Promise<void> {
  const res = await fetch(`${stack.tokenServiceUrl}/admin/clients`, {
    method: 'POST',
    headers: { authorization: `Bearer ${stack.adminToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({ id: CLIENT.id, secret: CLIENT.secret, audiences: ['app'] }),
  });
  if (res.status !== 201) throw new Error(`creating ${CLIENT.id}: ${res.status} ${await res.text()}`);
}

/** `<status> <error>` of an unexpected answer: the OAuth `error`, else the first words of the body. */
async function describe(res: Response): Promise<string> {
  const text = await res.text();
  try {
    const body = JSON.parse(text) as { error?: string; code?: string };
    return `${res.status} ${body.error ?? body.code ?? text.slice(0, 40)}`;
  } catch {
    return `${res.status} ${text.slice(0, 40).trim()}`;
  }
}

/**
 * Starts `rate` requests per second: of every 10, 8 through a gateway (alternating), 2 for a token;
 * and one new client per second.
 *
 * @example
 * ```ts
 * const load = await startSteadyLoad(stack, 200);
 * await load.phase('kill -9 a replica');
 * const record = await load.stop();
 * ```
 */
export async function startSteadyLoad(stack: ScaleStack, rate: number): Promise<SteadyLoad> {
  await createLoadClient(stack);
  const first = await requestToken(stack);
  if (first.status !== 200) throw new Error(`the first token: ${await describe(first)}`);
  let current = ((await first.json()) as { access_token: string }).access_token;
  const record: LoadRecord = { phases: {}, issued: [jtiOf(current)], clients: [] };
  let counts: PhaseCounts = { requests: 0, failures: {} };
  record.phases['start'] = counts;
  const inFlight = new Set<Promise<void>>();
  const track = (work: () => Promise<string | undefined>) => {
    const phase = counts;
    phase.requests += 1;
    const p = work()
      .catch((error: unknown) => {
        const cause = (error as { cause?: { code?: string } }).cause;
        return `network ${cause?.code ?? (error as Error).name}`;
      })
      .then((failure) => {
        if (failure !== undefined) phase.failures[failure] = (phase.failures[failure] ?? 0) + 1;
      })
      .finally(() => inFlight.delete(p));
    inFlight.add(p);
  };
  let n = 0;
  let clients = 0;
  const tick = () => {
    for (let i = 0; i < rate / 20; i++) {
      n += 1;
      if (n % 10 < 2)
        track(async () => {
          const res = await requestToken(stack);
          if (res.status !== 200) return describe(res);
          const token = ((await res.json()) as { access_token: string }).access_token;
          record.issued.push(jtiOf(token));
          current = token;
          return undefined;
        });
      else {
        const gateway = stack.gatewayUrls[n % stack.gatewayUrls.length]!;
        const token = current;
        track(async () => {
          const res = await fetch(`${gateway}/orders`, {
            headers: { authorization: `Bearer ${token}` },
            signal: AbortSignal.timeout(5000),
          });
          if (res.status === 200) {
            await res.body?.cancel();
            return undefined;
          }
          return describe(res);
        });
      }
      if (n % rate === 0) {
        const id = `client-${(clients += 1)}`;
        track(async () => {
          const res = await fetch(`${stack.tokenServiceUrl}/admin/clients`, {
            method: 'POST',
            headers: { authorization: `Bearer ${stack.adminToken}`, 'content-type': 'application/json' },
            body: JSON.stringify({ id, audiences: ['app'] }),
            signal: AbortSignal.timeout(5000),
          });
          if (res.status !== 201) return describe(res);
          await res.body?.cancel();
          record.clients.push(id);
          return undefined;
        });
      }
    }
  };
  const timer = setInterval(tick, 50);
  return {
    async phase(name) {
      counts = { requests: 0, failures: {} };
      record.phases[name] = counts;
      await Promise.all([...inFlight]);
    },
    token: () => current,
    async stop() {
      clearInterval(timer);
      await Promise.all(inFlight);
      return record;
    },
  };
}
