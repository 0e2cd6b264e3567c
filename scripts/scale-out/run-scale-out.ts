// The faults of the scale-out proof, one after the other under a steady load (docs/deploy.md,
// "Scale-out"): kill -9 a token-service replica and restart it; rotate the signing key through one
// replica; revoke a token through one replica; stop Redis, then PostgreSQL, for a while. Each phase
// is measured; afterwards, every token answered and every client made must be in PostgreSQL.
import { setTimeout as sleep } from 'node:timers/promises';
import type { ScaleStack } from './start-stack.js';
import { requestToken, startSteadyLoad, type PhaseCounts } from './steady-load.js';

/** How hard and how long. */
export interface ScaleOutProfile {
  /** Requests per second of the steady load. */
  rate: number;
  /** Quiet time before and after each fault, ms. */
  settleMs: number;
  /** How long Redis and PostgreSQL stay stopped, ms. */
  outageMs: number;
  /** How long a killed replica stays dead before it is restarted, ms. */
  deadMs: number;
}

/** What the run measured. */
export interface ScaleOutReport {
  profile: ScaleOutProfile;
  phases: Record<string, PhaseCounts>;
  /** kill -9: from the restart to HAProxy sending it traffic again. */
  rejoinMs: number;
  /** The rotated-in kid served by every replica's JWKS, ms after the rotation answered. */
  rotationPropagationMs: number;
  /** A revocation at one replica refused by both gateways, ms after the revocation answered. */
  revocationMs: number;
  /** The same after Redis came back (the event bus between replicas). */
  revocationAfterRedisMs: number;
  /** From restarting Redis / PostgreSQL to the first token issued. */
  recoveryMs: { redis: number; postgres: number };
  /** Tokens answered 200 whose audit record is missing; clients answered 201 that are missing. */
  lost: { auditRecords: number; clients: number };
  totals: { tokensIssued: number; clientsCreated: number };
}

async function until<T>(probe: () => Promise<T | undefined>, limitMs: number, what: string): Promise<T> {
  const deadline = Date.now() + limitMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await sleep(10);
  }
}

/** ms until both gateways refuse `token` (401), after revoking it at one replica. */
async function revokeAndWatch(stack: ScaleStack, token: string): Promise<number> {
  const secret = Buffer.from('load-client:load-client-secret-0123456789').toString('base64');
  const revoked = await fetch(`${stack.replicaUrls[0]}/revoke`, {
    method: 'POST',
    headers: { authorization: `Basic ${secret}`, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ token }),
  });
  if (revoked.status !== 200) throw new Error(`revoke: ${revoked.status}`);
  const at = Date.now();
  await Promise.all(
    stack.gatewayUrls.map((gateway) =>
      until(
        async () => {
          const res = await fetch(`${gateway}/orders`, { headers: { authorization: `Bearer ${token}` } });
          await res.body?.cancel();
          return res.status === 401 ? true : undefined;
        },
        30_000,
        `${gateway} to refuse the revoked token`,
      ),
    ),
  );
  return Date.now() - at;
}

/** A fresh token both gateways accept (the one a revocation probe then revokes). */
async function acceptedToken(stack: ScaleStack): Promise<string> {
  const res = await requestToken(stack);
  if (res.status !== 200) throw new Error(`token: ${res.status}`);
  const token = ((await res.json()) as { access_token: string }).access_token;
  for (const gateway of stack.gatewayUrls) {
    const ok = await fetch(`${gateway}/orders`, { headers: { authorization: `Bearer ${token}` } });
    await ok.body?.cancel();
    if (ok.status !== 200) throw new Error(`${gateway} refused a fresh token: ${ok.status}`);
  }
  return token;
}

/** ms until a token is issued again through the Service, from `since`. */
async function recovery(stack: ScaleStack, since: number): Promise<number> {
  await until(async () => ((await requestToken(stack)).status === 200 ? true : undefined), 60_000, 'a token again');
  return Date.now() - since;
}

/**
 * Runs every fault under the steady load and reports what happened. Throws only when the stack
 * itself cannot be driven (a probe never succeeds); what the faults did is in the report.
 *
 * @example
 * ```ts
 * const report = await runScaleOut(stack, { rate: 200, settleMs: 5000, outageMs: 10_000, deadMs: 3000 });
 * ```
 */
export async function runScaleOut(stack: ScaleStack, profile: ScaleOutProfile): Promise<ScaleOutReport> {
  const load = await startSteadyLoad(stack, profile.rate);
  const settle = () => sleep(profile.settleMs);
  try {
    await load.phase('steady');
    await settle();

    await load.phase('kill -9 a replica, restart it');
    await stack.replicas[1]!.stop('SIGKILL');
    await sleep(profile.deadMs);
    const restarted = Date.now();
    await stack.replicas[1]!.start();
    await until(async () => ((await stack.serverState(1)) === 'UP' ? true : undefined), 30_000, 'HAProxy to see it UP');
    const rejoinMs = Date.now() - restarted;
    await settle();

    await load.phase('rotate the signing key at one replica');
    const rotated = await fetch(`${stack.replicaUrls[0]}/admin/keys/rotate`, {
      method: 'POST',
      headers: { authorization: `Bearer ${stack.adminToken}`, 'content-type': 'application/json' },
      body: '{}',
    });
    const { kid } = (await rotated.json()) as { kid: string };
    const rotatedAt = Date.now();
    await Promise.all(
      stack.replicaUrls.map((url) =>
        until(
          async () => {
            const jwks = (await (await fetch(`${url}/.well-known/jwks.json`)).json()) as { keys: { kid: string }[] };
            return jwks.keys.some((k) => k.kid === kid) ? true : undefined;
          },
          30_000,
          `${url} to serve ${kid}`,
        ),
      ),
    );
    const rotationPropagationMs = Date.now() - rotatedAt;
    await settle();

    await load.phase('revoke a token at one replica');
    const revocationMs = await revokeAndWatch(stack, await acceptedToken(stack));
    await settle();

    await load.phase('Redis stopped');
    await stack.redis.stop('SIGTERM');
    await sleep(profile.outageMs);
    await load.phase('Redis back');
    const redisBack = Date.now();
    await stack.redis.start();
    const redisRecovery = await recovery(stack, redisBack);
    await settle();
    const revocationAfterRedisMs = await revokeAndWatch(stack, await acceptedToken(stack));

    await load.phase('PostgreSQL stopped');
    await stack.postgres.stop('SIGINT');
    await sleep(profile.outageMs);
    await load.phase('PostgreSQL back');
    const postgresBack = Date.now();
    await stack.postgres.start();
    const postgresRecovery = await recovery(stack, postgresBack);
    await settle();

    const record = await load.stop();
    // Nothing lost: every token answered has its audit record, every client answered 201 exists.
    const audited = new Set(
      (await stack.query<{ target: string }>(`SELECT target FROM tessera.audit WHERE action = 'token.issued'`)).map(
        (r) => r.target,
      ),
    );
    const stored = new Set(
      (await stack.query<{ client_id: string }>('SELECT client_id FROM tessera.clients')).map((r) => r.client_id),
    );
    return {
      profile,
      phases: record.phases,
      rejoinMs,
      rotationPropagationMs,
      revocationMs,
      revocationAfterRedisMs,
      recoveryMs: { redis: redisRecovery, postgres: postgresRecovery },
      lost: {
        auditRecords: record.issued.filter((jti) => !audited.has(jti)).length,
        clients: record.clients.filter((id) => !stored.has(id)).length,
      },
      totals: { tokensIssued: record.issued.length, clientsCreated: record.clients.length },
    };
  } finally {
    await load.stop();
  }
}

/** The report as the table docs/deploy.md shows. */
export function formatScaleOutReport(report: ScaleOutReport): string {
  const rows = Object.entries(report.phases).map(([name, c]) => {
    const failed = Object.values(c.failures).reduce((a, b) => a + b, 0);
    const kinds = Object.entries(c.failures)
      .map(([what, count]) => `${count}× ${what}`)
      .join(', ');
    return `| ${name} | ${c.requests} | ${failed} | ${kinds || '—'} |`;
  });
  return [
    `steady load ${report.profile.rate} req/s; outages ${report.profile.outageMs / 1000} s; a killed replica stays dead ${report.profile.deadMs / 1000} s`,
    '',
    '| phase | requests | not answered as expected | which |',
    '|---|---:|---:|---|',
    ...rows,
    '',
    '| measure | value |',
    '|---|---:|',
    `| killed replica back in HAProxy after its restart | ${report.rejoinMs} ms |`,
    `| rotated-in key served by every replica | ${report.rotationPropagationMs} ms |`,
    `| revocation at one replica refused by both gateways | ${report.revocationMs} ms |`,
    `| the same, after Redis came back | ${report.revocationAfterRedisMs} ms |`,
    `| tokens again after Redis came back | ${report.recoveryMs.redis} ms |`,
    `| tokens again after PostgreSQL came back | ${report.recoveryMs.postgres} ms |`,
    `| tokens issued / audit records missing | ${report.totals.tokensIssued} / ${report.lost.auditRecords} |`,
    `| clients created / missing | ${report.totals.clientsCreated} / ${report.lost.clients} |`,
  ].join('\n');
}
