import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openJournaledMap, type JournaledMapOptions } from './json-journal.js';

interface Entry {
  readonly key: string;
  readonly n: number;
  readonly dead?: boolean;
}

function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-journal-'));
  return fn(dir).finally(() => rmSync(dir, { recursive: true, force: true }));
}

const options = (dir: string, extra: Partial<JournaledMapOptions<Entry>> = {}): JournaledMapOptions<Entry> => ({
  path: join(dir, 'j.jsonl'),
  decode(value) {
    const v = value as Entry;
    if (typeof v?.key !== 'string' || typeof v.n !== 'number') throw new Error('not an entry');
    return v;
  },
  keyOf: (v) => v.key,
  isLive: (v) => v.dead !== true,
  ...extra,
});

const set = (entry: Entry) => (map: Map<string, Entry>) => {
  map.set(entry.key, entry);
  return { result: undefined, set: [entry.key] };
};
const remove = (key: string) => (map: Map<string, Entry>) => ({ result: map.delete(key), removed: [key] });

test('journal: changes survive a restart; deletions and dead entries are not read back; the file is 0600', () =>
  withDir(async (dir) => {
    const first = await openJournaledMap(options(dir));
    await Promise.all([first.change(set({ key: 'a', n: 1 })), first.change(set({ key: 'b', n: 2 }))]);
    await first.change(set({ key: 'a', n: 3 }));
    await first.change(remove('b'));
    await first.change(set({ key: 'c', n: 4, dead: true }));
    await first.close();
    assert.equal(statSync(join(dir, 'j.jsonl')).mode & 0o777, 0o600);
    const second = await openJournaledMap(options(dir));
    assert.deepEqual([...second.current()], [['a', { key: 'a', n: 3 }]]);
    await second.close();
  }));

test('journal: a last line cut short by a crash is dropped; a damaged line before it refuses to start, naming it', () =>
  withDir(async (dir) => {
    const journal = await openJournaledMap(options(dir));
    await journal.change(set({ key: 'a', n: 1 }));
    await journal.close();
    appendFileSync(join(dir, 'j.jsonl'), '{"p":{"key":"b","n":');
    const reopened = await openJournaledMap(options(dir));
    assert.deepEqual([...reopened.current().keys()], ['a']);
    await reopened.close();
    assert.ok(readFileSync(join(dir, 'j.jsonl'), 'utf8').endsWith('\n'), 'rewritten without the torn line');

    appendFileSync(join(dir, 'j.jsonl'), 'not json\n{"p":{"key":"c","n":1}}\n');
    await assert.rejects(openJournaledMap(options(dir)), (err: Error & { code?: string }) => {
      assert.equal(err.code, 'ERR_STORE_CORRUPT');
      assert.match(err.message, /line 3/);
      return true;
    });
  }));

test('journal: compacted once it outgrows what is live; the result reads back the same', () =>
  withDir(async (dir) => {
    const journal = await openJournaledMap(options(dir, { minCompactBytes: 2_000 }));
    for (let i = 0; i < 500; i++) await journal.change(set({ key: `k${i % 5}`, n: i }));
    const size = statSync(join(dir, 'j.jsonl')).size;
    assert.ok(size < 2_500, `compacted: ${size} bytes for 500 changes of 5 keys`);
    await journal.close();
    const reopened = await openJournaledMap(options(dir));
    assert.deepEqual(
      [...reopened.current().values()].map((e) => e.n).sort((a, b) => a - b),
      [495, 496, 497, 498, 499],
    );
    await reopened.close();
  }));

test('journal: a document of the earlier version is read once and replaced', () =>
  withDir(async (dir) => {
    const legacy = join(dir, 'old.json');
    writeFileSync(
      legacy,
      JSON.stringify({
        entries: [
          { key: 'a', n: 1 },
          { key: 'x', n: 0, dead: true },
        ],
      }),
    );
    const withLegacy = options(dir, {
      legacy: { path: legacy, decode: (json) => (json as { entries: Entry[] }).entries },
    });
    const journal = await openJournaledMap(withLegacy);
    assert.deepEqual([...journal.current().keys()], ['a']);
    await journal.close();
    assert.equal(existsSync(legacy), false);
    const reopened = await openJournaledMap(withLegacy);
    assert.deepEqual([...reopened.current().keys()], ['a']);
    await reopened.close();
  }));

test('journal: a change that throws changes nothing on disk; a closed journal refuses changes', () =>
  withDir(async (dir) => {
    const journal = await openJournaledMap(options(dir));
    await assert.rejects(
      journal.change(() => {
        throw new Error('refused');
      }),
      /refused/,
    );
    await journal.close();
    await assert.rejects(journal.change(set({ key: 'a', n: 1 })), { code: 'ERR_STORE_UNAVAILABLE' });
    assert.equal(readFileSync(join(dir, 'j.jsonl'), 'utf8').trim().split('\n').length, 1, 'the header only');
  }));
