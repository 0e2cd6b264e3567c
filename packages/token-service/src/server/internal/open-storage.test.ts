import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { openStorage } from './open-storage.js';

const pgUrl = process.env['TESSERA_TEST_PG_URL'];

test(
  'storage.url (TESSERA_STORAGE_URL) names the connection only: the back-end settings beside it stay',
  { skip: pgUrl === undefined ? 'set TESSERA_TEST_PG_URL to run it' : false },
  async () => {
    const schema = `tessera_open_storage_${randomBytes(4).toString('hex')}`;
    const storage = await openStorage(
      { type: 'postgres', dataDir: '/nonexistent', url: pgUrl, postgres: { schema } } as never,
      { clock: () => Date.now(), env: { TESSERA_KEK: Buffer.alloc(32, 1).toString('base64url') } },
    );
    const db = new pg.Client({ connectionString: pgUrl });
    await db.connect();
    try {
      await storage.close();
      const found = await db.query('SELECT 1 FROM information_schema.schemata WHERE schema_name = $1', [schema]);
      assert.equal(found.rowCount, 1, 'the tables went into the configured schema');
    } finally {
      await db.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await db.end();
    }
  },
);
