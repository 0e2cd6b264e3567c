import { checkId, checkTime, invalid, plainJson } from './validate.js';
import type { StorageEvent } from '../types.js';

/** Validates a published event and stamps it with `origin` and `at`. */
export function toStorageEvent(input: unknown, origin: string, now: number, maxBytes: number): StorageEvent {
  if (typeof input !== 'object' || input === null) invalid('event must be an object');
  const e = input as { type?: unknown; at?: unknown; data?: unknown };
  checkId('event type', e.type);
  const at = e.at === undefined ? now : checkTime('event at', e.at);
  if (e.data !== undefined && (typeof e.data !== 'object' || e.data === null || Array.isArray(e.data)))
    invalid('event data must be an object');
  const data = (e.data === undefined ? {} : plainJson('event data', e.data)) as Record<string, unknown>;
  const event: StorageEvent = { type: e.type as string, at, data, origin };
  if (Buffer.byteLength(JSON.stringify(event)) > maxBytes) invalid(`event exceeds ${maxBytes} bytes`);
  return event;
}
