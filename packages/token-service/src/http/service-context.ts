import type { IncomingMessage } from 'node:http';
import type { Clock } from '@tessera/core';
import type { Logger } from 'pino';
import type { DecisionHub } from '../admin/create-decision-hub.js';
import type { ClientAuthenticator } from '../clients/create-client-authenticator.js';
import type { TokenServiceConfig } from '../config/load-config.js';
import type { GrantTable } from '../grants/create-grant-table.js';
import type { KeyRing } from '../keys/create-key-ring.js';
import type { ClientRecord } from '../clients/client-record.js';
import type { HashWorkers } from '../clients/create-hash-workers.js';
import type { UserAuthenticator } from '../users/authenticate-user.js';
import type { AuditWriter } from '../ops/create-audit-writer.js';
import type { ServiceMetrics } from '../ops/create-service-metrics.js';
import type { Storage } from '../storage/index.js';
import type { AccessTokenIssuer } from '../tokens/create-access-token-issuer.js';
import type { TokenValidator } from '../tokens/create-token-validator.js';
import type { RateLimiter } from './create-rate-limiter.js';

/**
 * Everything an endpoint handler may use, whatever its group (`oauth/`, `admin/`, later `login/`).
 * It exists only while the service runs: `listen()` builds it once (`createServiceContext`), so
 * every member is there and nothing in it is optional-until-started.
 *
 * @example
 * ```ts
 * export async function handleSomething(ctx: ServiceContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
 *   sendJson(res, 200, { issuer: ctx.issuerUrl() });
 * }
 * ```
 */
export interface ServiceContext {
  readonly config: TokenServiceConfig;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly storage: Storage;
  readonly keyRing: KeyRing;
  readonly grants: GrantTable;
  readonly authenticator: ClientAuthenticator;
  readonly issuer: AccessTokenIssuer;
  readonly validator: TokenValidator;
  readonly metrics: ServiceMetrics;
  readonly perAddress: RateLimiter | undefined;
  readonly perClient: RateLimiter | undefined;
  /** The admin bearer token (configured, or generated and kept in the data directory). */
  readonly adminToken: string;
  /** Appends an audit record; failures are logged and counted, never thrown at the caller. */
  readonly audit: AuditWriter;
  /** The low-priority threads that hash and check secrets and passwords. */
  readonly hashWorkers: HashWorkers;
  /** Checks people's passwords (login page, password grant). */
  readonly people: UserAuthenticator;
  /** Drops what is cached about a client (after an admin change or a `client.changed` event). */
  readonly forgetClient: (id: string) => void;
  /** A client through the short-lived client cache (`forgetClient` drops an entry). */
  readonly getClient: (id: string) => Promise<ClientRecord | undefined>;
  /** The decisions gateways push, their heartbeats and policy sets, and the live streams (issue 17). */
  readonly decisions: DecisionHub;
  /** The issuer URL: `server.issuer`, else the base URL the server listens on. */
  issuerUrl(): string;
  /** The source address of a request (X-Forwarded-For only with `server.trustProxy`). */
  remoteAddress(req: IncomingMessage): string;
}
