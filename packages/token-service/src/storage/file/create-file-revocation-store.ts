import { join } from 'node:path';
import type { Clock } from '@tessera/core';
import { tokenServiceErrors } from '../../errors.js';
import { asPromise } from '../../internal/as-promise.js';
import type { Closable } from '../internal/closable.js';
import { ensureDir, openJsonDocument } from '../internal/json-document.js';
import { checkCursor, checkId, checkLimit, checkTime } from '../internal/validate.js';
import type { RevocationStore, RevokedToken, TokenLink } from '../types.js';

/** Options of {@link createFileRevocationStore}. */
export interface FileRevocationStoreOptions {
  readonly dataDir: string;
  readonly clock?: Clock;
}

interface Entry extends RevokedToken {
  readonly seq: number;
}

interface State {
  seq: number;
  byJti: Map<string, Entry>;
}

function purge(state: State, now: number): number {
  let n = 0;
  for (const [jti, e] of state.byJti) {
    if (e.exp <= now) {
      state.byJti.delete(jti);
      n += 1;
    }
  }
  return n;
}

const publicPart = ({ seq: _seq, ...rest }: Entry): RevokedToken => ({ ...rest });

interface Link extends TokenLink {
  readonly parent: string;
}

/** Family links by child `jti` (a child has one parent) and child `jti`s by parent. */
interface Links {
  byJti: Map<string, Link>;
  byParent: Map<string, Set<string>>;
}

function addLink(links: Links, link: Link): void {
  links.byJti.set(link.jti, link);
  let children = links.byParent.get(link.parent);
  if (children === undefined) links.byParent.set(link.parent, (children = new Set()));
  children.add(link.jti);
}

function purgeLinks(links: Links, now: number): number {
  let n = 0;
  for (const [jti, link] of links.byJti) {
    if (link.exp > now) continue;
    links.byJti.delete(jti);
    const siblings = links.byParent.get(link.parent);
    siblings?.delete(jti);
    if (siblings?.size === 0) links.byParent.delete(link.parent);
    n += 1;
  }
  return n;
}

/**
 * The `file` revocation list: `<dataDir>/revocations.json`. Each revocation gets the next sequence
 * number, which is the `listSince` cursor; entries past their `exp` (by the injected clock) are
 * ignored at once and dropped at the next write. Token family links live in
 * `<dataDir>/token-links.json`, a document of their own, so the revocation list a restart reads
 * stays small; they expire the same way.
 *
 * @example
 * ```ts
 * const revocations = await createFileRevocationStore({ dataDir: './.tessera' });
 * await revocations.revoke('jti-1', Date.now() + 60_000);
 * ```
 */
export async function createFileRevocationStore(
  options: FileRevocationStoreOptions,
): Promise<RevocationStore & Closable> {
  if (typeof options?.dataDir !== 'string' || options.dataDir === '')
    throw tokenServiceErrors.create('ERR_STORE_CONFIG_INVALID', 'file revocation store: dataDir is required');
  const clock = options.clock ?? Date.now;
  await ensureDir(options.dataDir);
  const doc = await openJsonDocument<State>({
    path: join(options.dataDir, 'revocations.json'),
    // Numbers start at wall-clock ms × 1000: if the file is lost and started afresh, new numbers
    // are still above every cursor a poller holds (see the redis store).
    initial: () => ({ seq: Date.now() * 1000, byJti: new Map() }),
    decode(json) {
      const j = json as { version?: unknown; seq?: unknown; items?: unknown };
      if (j?.version !== 1 || !Number.isSafeInteger(j.seq) || !Array.isArray(j.items))
        throw new Error('expected { "version": 1, "seq": n, "items": [...] }');
      const state: State = { seq: j.seq as number, byJti: new Map() };
      for (const raw of j.items as Array<Record<string, unknown>>) {
        const jti = checkId('jti', raw?.jti);
        const e: Entry = {
          jti,
          exp: checkTime('exp', raw.exp),
          revokedAt: checkTime('revokedAt', raw.revokedAt),
          seq: checkTime('seq', raw.seq),
        };
        if (raw.clientId !== undefined) Object.assign(e, { clientId: checkId('clientId', raw.clientId) });
        if (e.seq > state.seq || state.byJti.has(jti)) throw new Error(`entry for jti "${jti}" is inconsistent`);
        state.byJti.set(jti, e);
      }
      return state;
    },
    encode: (state) => ({ version: 1, seq: state.seq, items: [...state.byJti.values()].sort((a, b) => a.seq - b.seq) }),
  });
  const linkDoc = await openJsonDocument<Links>({
    path: join(options.dataDir, 'token-links.json'),
    initial: () => ({ byJti: new Map(), byParent: new Map() }),
    decode(json) {
      const j = json as { version?: unknown; links?: unknown };
      if (j?.version !== 1 || !Array.isArray(j.links)) throw new Error('expected { "version": 1, "links": [...] }');
      const links: Links = { byJti: new Map(), byParent: new Map() };
      for (const raw of j.links as Array<Record<string, unknown>>) {
        const jti = checkId('jti', raw?.jti);
        if (links.byJti.has(jti)) throw new Error(`token "${jti}" is linked twice`);
        addLink(links, { jti, parent: checkId('parent', raw.parent), exp: checkTime('exp', raw.exp) });
      }
      return links;
    },
    encode: (links) => ({
      version: 1,
      links: [...links.byJti.values()].map(({ parent, jti, exp }) => ({ parent, jti, exp })),
    }),
  }).catch(async (err: unknown) => {
    await doc.close();
    throw err;
  });

  return {
    async revoke(jti, expiresAt, opts) {
      checkId('jti', jti);
      checkTime('expiresAt', expiresAt);
      if (opts?.clientId !== undefined) checkId('clientId', opts.clientId);
      return doc.mutate((state) => {
        const now = clock();
        const purged = purge(state, now) > 0;
        if (expiresAt <= now || state.byJti.has(jti)) return { result: false, changed: purged };
        state.seq += 1;
        const entry: Entry = {
          jti,
          exp: expiresAt,
          revokedAt: now,
          seq: state.seq,
          ...(opts?.clientId === undefined ? {} : { clientId: opts.clientId }),
        };
        state.byJti.set(jti, entry);
        return { result: true, changed: true };
      });
    },
    isRevoked: (jti) =>
      asPromise(() => {
        checkId('jti', jti);
        const e = doc.current().byJti.get(jti);
        return e !== undefined && e.exp > clock();
      }),
    listSince: (cursor, limit) =>
      asPromise(() => {
        const after = checkCursor(cursor);
        const max = checkLimit(limit, 1000, 10_000);
        const now = clock();
        const items = [...doc.current().byJti.values()]
          .filter((e) => e.seq > after && e.exp > now)
          .sort((a, b) => a.seq - b.seq)
          .slice(0, max);
        const last = items.at(-1);
        return { items: items.map(publicPart), cursor: last === undefined ? String(after) : String(last.seq) };
      }),
    async purgeExpired() {
      const now = clock();
      await linkDoc.mutate((links) => ({ result: undefined, changed: purgeLinks(links, now) > 0 }));
      return doc.mutate((state) => {
        const n = purge(state, now);
        return { result: n, changed: n > 0 };
      });
    },
    async linkChild(parentJti, childJti, expiresAt) {
      checkId('parentJti', parentJti);
      checkId('childJti', childJti);
      checkTime('expiresAt', expiresAt);
      await linkDoc.mutate((links) => {
        const now = clock();
        const purged = purgeLinks(links, now) > 0;
        if (expiresAt <= now || links.byJti.has(childJti)) return { result: undefined, changed: purged };
        addLink(links, { parent: parentJti, jti: childJti, exp: expiresAt });
        return { result: undefined, changed: true };
      });
    },
    listChildren: (parentJti, limit) =>
      asPromise(() => {
        checkId('parentJti', parentJti);
        const max = checkLimit(limit, 1000, 10_000);
        const now = clock();
        const links = linkDoc.current();
        const out: TokenLink[] = [];
        for (const jti of links.byParent.get(parentJti) ?? []) {
          const link = links.byJti.get(jti)!;
          if (link.exp <= now) continue;
          out.push({ jti, exp: link.exp });
          if (out.length === max) break;
        }
        return out;
      }),
    async close() {
      await linkDoc.close();
      await doc.close();
    },
  };
}
