import type { IncomingMessage } from 'node:http';
import { tokenServiceErrors } from '../../errors.js';
import { hasMediaType } from '../../http/has-media-type.js';
import { parseForm } from '../../http/parse-form.js';

/**
 * Parses the form body of an OAuth endpoint: form content type, no query string, strict parameters.
 *
 * @example
 * ```ts
 * const form = readOAuthForm(req, await readBody(req, 65536));
 * ```
 */
export function readOAuthForm(req: IncomingMessage, body: Buffer): Map<string, string> {
  // RFC 6749 §2.3.1 / §3.2: credentials and parameters travel in the body, never in the URI.
  if (req.url !== undefined && req.url.includes('?'))
    throw tokenServiceErrors.create(
      'ERR_TOKEN_INVALID_REQUEST',
      'parameters must be sent in the request body, not the URI',
    );
  if (!hasMediaType(req, 'application/x-www-form-urlencoded'))
    throw tokenServiceErrors.create('ERR_TOKEN_INVALID_REQUEST', 'the body must be application/x-www-form-urlencoded');
  return parseForm(body);
}
