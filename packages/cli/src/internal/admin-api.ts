import { readFile } from 'node:fs/promises';
import { cliErrors } from '../errors.js';
import { parseUrl } from './token-endpoint.js';

/** The options every admin-API command takes. */
export interface AdminApiOptions {
  url: string;
  adminTokenFile?: string;
}

/**
 * The admin token: `--admin-token-file`, else `TESSERA_ADMIN_TOKEN` (never an argument: it would
 * sit in the shell history).
 */
async function adminToken(options: AdminApiOptions): Promise<string> {
  if (options.adminTokenFile !== undefined) {
    try {
      return (await readFile(options.adminTokenFile, 'utf8')).trim();
    } catch (error) {
      throw cliErrors.create(
        'ERR_CLI_USAGE',
        `cannot read --admin-token-file ${options.adminTokenFile}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
      );
    }
  }
  const fromEnv = process.env['TESSERA_ADMIN_TOKEN'];
  if (fromEnv) return fromEnv;
  throw cliErrors.create(
    'ERR_CLI_USAGE',
    'no admin token: give --admin-token-file (tessera up keeps it in .tessera/token-service/admin-token) or set TESSERA_ADMIN_TOKEN',
  );
}

/**
 * Calls the token service's admin API with the admin token and answers the parsed JSON (undefined
 * for 204). A refusal becomes `ERR_CLI_REMOTE_FAILED` with the problem's code and detail, `what`
 * naming the operation ("the withdrawal") and `notFoundHint` what to do on 404.
 *
 * @example
 * ```ts
 * const answer = await callAdminApi(options, 'POST', `/admin/keys/${kid}/withdraw`, {}, { what: 'the withdrawal' });
 * ```
 */
export async function callAdminApi<T>(
  options: AdminApiOptions,
  method: string,
  path: string,
  body: unknown,
  messages: { readonly what: string; readonly notFoundHint?: string },
): Promise<T | undefined> {
  const base = parseUrl(options.url, '--url').href.replace(/\/+$/, '');
  const token = await adminToken(options);
  let res: Response;
  try {
    res = await fetch(`${base}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(10_000),
    });
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).message;
    throw cliErrors.create('ERR_CLI_REMOTE_FAILED', `cannot reach the token service at ${base}: ${cause}`, {
      details: { hint: 'check the --url and that the token service is running' },
    });
  }
  const text = await res.text();
  if (!res.ok) {
    let detail = `HTTP ${res.status}`;
    try {
      const problem = JSON.parse(text) as { code?: string; detail?: string };
      detail = `${res.status} ${problem.code ?? ''}: ${problem.detail ?? ''}`.trim();
    } catch {
      // not problem JSON: the status says enough
    }
    throw cliErrors.create('ERR_CLI_REMOTE_FAILED', `the token service refused ${messages.what} (${detail})`, {
      details: {
        hint:
          res.status === 401
            ? 'check the admin token'
            : res.status === 404 && messages.notFoundHint !== undefined
              ? messages.notFoundHint
              : 'read the message above',
        status: res.status,
      },
    });
  }
  return text === '' ? undefined : (JSON.parse(text) as T);
}
