import type { Logger } from 'pino';
import type { DecisionHub } from '../../admin/create-decision-hub.js';
import type { KeyRing } from '../../keys/create-key-ring.js';
import type { RevocationStreams } from '../../oauth/create-revocation-streams.js';
import type { EventBus, Unsubscribe } from '../../storage/index.js';

/**
 * Subscribes to the storage event bus, the only channel between replicas (ARCHITECTURE.md, "Token
 * path"): every revocation and key withdrawal (this replica's too) goes to the open revocation
 * streams; another
 * replica's key change reloads the ring, and its client change evicts that client's cache entry;
 * another replica's gateway push (`gateway.*`) goes to this replica's decision hub.
 *
 * @example
 * ```ts
 * const unsubscribe = await followStorageEvents({ events: storage.events, streams, ring, forgetClient, logger });
 * ```
 */
export function followStorageEvents(options: {
  readonly events: EventBus;
  readonly streams: RevocationStreams;
  readonly ring: KeyRing;
  readonly forgetClient: (id: string) => void;
  readonly logger: Logger;
  /** Applies the pushes other replicas received (it skips this replica's own). */
  readonly decisions?: DecisionHub;
}): Promise<Unsubscribe> {
  const { events, streams, ring, forgetClient, logger, decisions } = options;
  return events.subscribe((event) => {
    if (decisions !== undefined && event.type.startsWith('gateway.')) {
      decisions.receive(event);
      return;
    }
    if (
      event.type === 'revocation.added' &&
      typeof event.data['jti'] === 'string' &&
      typeof event.data['exp'] === 'number'
    ) {
      streams.broadcast({ jti: event.data['jti'], exp: event.data['exp'] });
    }
    if (event.type === 'key.changed' && typeof event.data['kid'] === 'string') {
      const at = event.data['withdrawnAt'];
      if (typeof at === 'number') streams.keyWithdrawn({ kid: event.data['kid'], at: Math.floor(at / 1000) });
    }
    // This replica already applied its own changes when it made them.
    if (event.origin === events.id) return;
    if (event.type === 'key.changed')
      void ring.tick().catch((err: unknown) => logger.warn({ err }, 'key reload failed'));
    if (event.type === 'client.changed' && typeof event.data['clientId'] === 'string')
      forgetClient(event.data['clientId']);
  });
}
