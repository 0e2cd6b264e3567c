// The PostgreSQL and Redis clients are optional peer dependencies: only the back-ends that use them
// load them, and a missing one is a configuration error that names the package to install.
import type pg from 'pg';
import type { Redis } from 'ioredis';
import { tokenServiceErrors } from '../../errors.js';

let pgModule: Promise<typeof pg> | undefined;
let ioredisModule: Promise<{ Redis: typeof Redis }> | undefined;

function missing(pkg: string, backEnd: string, error: unknown): never {
  const code = (error as { code?: string } | null)?.code;
  if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND')
    throw tokenServiceErrors.create(
      'ERR_STORE_CONFIG_INVALID',
      `the ${backEnd} back-end needs the package "${pkg}": install it beside @tessera/token-service (npm install ${pkg})`,
      { cause: error },
    );
  throw error;
}

/**
 * The `pg` module, loaded once, for the postgres back-end.
 *
 * @example
 * ```ts
 * const { Pool } = await loadPg();
 * ```
 */
export function loadPg(): Promise<typeof pg> {
  pgModule ??= import('pg').then(
    (m) => m.default,
    (error: unknown) => {
      pgModule = undefined;
      return missing('pg', 'postgres', error);
    },
  );
  return pgModule;
}

/**
 * The `ioredis` module, loaded once, for the redis back-end.
 *
 * @example
 * ```ts
 * const { Redis } = await loadIoredis();
 * ```
 */
export function loadIoredis(): Promise<{ Redis: typeof Redis }> {
  ioredisModule ??= import('ioredis').then(
    (m) => ({ Redis: m.Redis }),
    (error: unknown) => {
      ioredisModule = undefined;
      return missing('ioredis', 'redis', error);
    },
  );
  return ioredisModule;
}

/** A PostgreSQL identifier in double quotes (SQL standard; the `"` doubled), as `pg.escapeIdentifier`. */
export function quoteIdentifier(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
