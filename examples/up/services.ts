// The services `tessera up` starts next to the token service and the gateway: the orders service
// (verifies tokens itself) and the teams backend of scenario 6 (trusts only the gateway's tokens).
import { createTeamsBackend } from '../06-last-mile/teams-backend.js';
import { closeServer, listen } from '../internal/listen.js';
import { createOrdersService } from './orders-service.js';

export { lastMilePolicies } from '../06-last-mile/policies.js';

/** The running services of `tessera up`. */
export interface UpServices {
  readonly ordersUrl: string;
  readonly teamsUrl: string;
  /** Tells the teams backend which gateway mints its tokens (known once the gateway listens). */
  trustGateway(issuer: string, jwksUri: string): void;
  close(): Promise<void>;
}

/**
 * Starts the orders service and the teams backend on the given ports (0 = free ones).
 *
 * @example
 * ```ts
 * const services = await startUpServices({ issuer, jwksUri, ordersPort: 7401, teamsPort: 7402 });
 * ```
 */
export async function startUpServices(options: {
  issuer: string;
  jwksUri: string;
  ordersPort: number;
  teamsPort: number;
  /** The orders service's client for the revocation feed (`revocations: true` at the token service). */
  revocations?: { clientId: string; clientSecret: string };
}): Promise<UpServices> {
  const orders = createOrdersService({
    issuer: options.issuer,
    jwksUri: options.jwksUri,
    ...(options.revocations === undefined ? {} : { revocations: options.revocations }),
  });
  const teams = createTeamsBackend();
  const ordersUrl = await listen(orders.server, options.ordersPort);
  let teamsUrl: string;
  try {
    teamsUrl = await listen(teams.server, options.teamsPort);
  } catch (error) {
    await closeServer(orders.server);
    orders.close();
    throw error;
  }
  return {
    ordersUrl,
    teamsUrl,
    trustGateway: (issuer, jwksUri) => teams.trust({ issuer, jwksUri }),
    async close() {
      await Promise.all([closeServer(orders.server), closeServer(teams.server)]);
      orders.close();
      teams.close();
    },
  };
}
