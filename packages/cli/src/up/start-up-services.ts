// The services `tessera up` starts next to the token service and the gateway: the orders service
// (verifies tokens itself) and the teams backend of scenario 6 (trusts only the gateway's tokens).
import { once } from 'node:events';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createOrdersService } from './orders-service.js';
import { createTeamsBackend } from './teams-backend.js';

/** The running services of `tessera up`. */
export interface UpServices {
  readonly ordersUrl: string;
  readonly teamsUrl: string;
  /** Tells the teams backend which gateway mints its tokens (known once the gateway listens). */
  trustGateway(issuer: string, jwksUri: string): void;
  close(): Promise<void>;
}

/**
 * Listens on 127.0.0.1 (port 0 = a free one) and resolves to the base URL.
 *
 * @example
 * ```ts
 * const url = await listenOnLoopback(server, 7406);
 * ```
 */
export async function listenOnLoopback(server: Server, port: number): Promise<string> {
  server.listen(port, '127.0.0.1');
  await once(server, 'listening');
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** Stops accepting and ends every connection, idle or not: these demo services hold no work worth draining. */
async function stop(server: Server): Promise<void> {
  if (!server.listening) return;
  const closed = once(server, 'close');
  server.close();
  server.closeAllConnections();
  await closed;
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
  let urls: [orders: string, teams: string];
  try {
    urls = [
      await listenOnLoopback(orders.server, options.ordersPort),
      await listenOnLoopback(teams.server, options.teamsPort),
    ];
  } catch (error) {
    await stop(orders.server);
    orders.close();
    teams.close();
    throw error;
  }
  return {
    ordersUrl: urls[0],
    teamsUrl: urls[1],
    trustGateway: (issuer, jwksUri) => teams.trust({ issuer, jwksUri }),
    async close() {
      await Promise.all([stop(orders.server), stop(teams.server)]);
      orders.close();
      teams.close();
    },
  };
}
