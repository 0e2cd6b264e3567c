import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { tokenServiceErrors } from '../../errors.js';

/**
 * The admin bearer token: `admin.token` when configured, else the one kept in
 * `<dataDir>/admin-token` (created 0600 with 32 random bytes on first start, so a restart keeps it).
 *
 * @example
 * ```ts
 * const adminToken = await loadAdminToken(config.admin.token, config.storage.dataDir, logger);
 * ```
 */
export async function loadAdminToken(configured: string | undefined, dataDir: string, logger: Logger): Promise<string> {
  if (configured !== undefined && configured !== '') return configured;
  const file = join(dataDir, 'admin-token');
  let token: string;
  try {
    token = (await readFile(file, 'utf8')).trim();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    await mkdir(dataDir, { recursive: true, mode: 0o700 });
    token = randomBytes(32).toString('base64url');
    // 'wx': never overwrite a token another process wrote first.
    await writeFile(file, token + '\n', { mode: 0o600, flag: 'wx' }).catch(async (e: NodeJS.ErrnoException) => {
      if (e.code !== 'EEXIST') throw e;
      token = (await readFile(file, 'utf8')).trim();
    });
    logger.info({ file }, 'generated an admin token');
  }
  if (token.length < 24)
    throw tokenServiceErrors.create('ERR_TOKEN_SERVICE_CONFIG_INVALID', `${file}: the admin token is too short`);
  return token;
}
