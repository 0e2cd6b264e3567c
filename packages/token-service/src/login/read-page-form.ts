import type { IncomingMessage, ServerResponse } from 'node:http';
import { isTesseraError } from '@tessera/core';
import { hasMediaType } from '../http/has-media-type.js';
import { parseForm } from '../http/parse-form.js';
import { readBody } from '../http/read-body.js';
import { errorPage, sameSitePost } from './provider-pages.js';

/**
 * Reads a form posted by one of the provider's pages (login, consent, logout), or answers the
 * refusal itself and gives undefined: a form from another site is refused before anything else is
 * read (403, CSRF), then the media type (415), then the body (413 when too large, 400 when it
 * cannot be read).
 *
 * @example
 * ```ts
 * const form = await readPageForm(req, res, { page: 'consent', issuer: ctx.issuerUrl(), bodyLimitBytes: 65536 });
 * if (form === undefined) return;
 * ```
 */
export async function readPageForm(
  req: IncomingMessage,
  res: ServerResponse,
  options: { readonly page: string; readonly issuer: string; readonly bodyLimitBytes: number },
): Promise<Map<string, string> | undefined> {
  if (!sameSitePost(req, options.issuer)) {
    errorPage(res, 403, 'access_denied', `the ${options.page} form was posted from another site`);
    return undefined;
  }
  if (!hasMediaType(req, 'application/x-www-form-urlencoded')) {
    errorPage(res, 415, 'invalid_request', `the ${options.page} form is sent as application/x-www-form-urlencoded`);
    return undefined;
  }
  try {
    return parseForm(await readBody(req, options.bodyLimitBytes));
  } catch (error) {
    if (!isTesseraError(error)) throw error;
    errorPage(res, error.status === 413 ? 413 : 400, 'invalid_request', `the ${options.page} form could not be read`);
    return undefined;
  }
}
