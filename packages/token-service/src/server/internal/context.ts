import type { IncomingMessage } from 'node:http';
import type { Clock } from '@tessera/core';
import type { Logger } from 'pino';
import type { ClientAuthenticator } from '../../clients/create-client-authenticator.js';
import type { ClientRecord } from '../../clients/client-record.js';
import type { TokenServiceConfig } from '../../config/load-config.js';
import type { GrantTable } from '../../grants/create-grant-table.js';
import type { RateLimiter } from '../../http/create-rate-limiter.js';
import type { KeyRing } from '../../keys/create-key-ring.js';
import type { ServiceMetrics } from '../../ops/create-service-metrics.js';
import type { Storage } from '../../storage/index.js';
import type { AccessTokenIssuer } from '../../tokens/create-access-token-issuer.js';
import type { TokenValidator } from '../../tokens/create-token-validator.js';

/** Everything the endpoint handlers share; built once by `createTokenService`. */
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
  readonly getClient: (id: string) => Promise<ClientRecord | undefined>;
  readonly forgetClient: (id: string) => void;
  /** The issuer URL (known once the server listens). */
  issuerUrl(): string;
  /** The admin bearer token. */
  adminToken(): string;
  /** Appends an audit record; failures are logged and counted, never thrown at the caller. */
  audit(entry: { actor: string; action: string; target?: string; details?: Record<string, unknown> }): Promise<void>;
  /** The source address of a request (X-Forwarded-For only with `server.trustProxy`). */
  remoteAddress(req: IncomingMessage): string;
}
