import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { tokenServiceErrors } from '../errors.js';

/** A logo for the provider's pages, read once at start. */
export interface Logo {
  readonly body: Buffer;
  readonly contentType: string;
}

const TYPES: Readonly<Record<string, string>> = {
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.webp': 'image/webp',
};

/** Larger than any logo needs to be; the page must stay light. */
const MAX_BYTES = 256 * 1024;

/**
 * Reads `login.page.logoFile` (PNG, SVG, JPEG or WebP by its extension, at most 256 KiB); a file
 * that cannot be read or is not one of those is a configuration error at start, naming the file.
 *
 * @example
 * ```ts
 * const logo = loadLogo('/etc/tessera/logo.svg');
 * ```
 */
export function loadLogo(path: string): Logo {
  const contentType = TYPES[extname(path).toLowerCase()];
  const refuse = (why: string): never => {
    throw tokenServiceErrors.create('ERR_TOKEN_SERVICE_CONFIG_INVALID', `login.page.logoFile: ${path}: ${why}`);
  };
  if (contentType === undefined) return refuse(`must end in ${Object.keys(TYPES).join(', ')}`);
  let body: Buffer;
  try {
    body = readFileSync(path);
  } catch (err) {
    return refuse((err as NodeJS.ErrnoException).code ?? (err as Error).message);
  }
  if (body.length > MAX_BYTES) return refuse(`${body.length} bytes, more than ${MAX_BYTES}`);
  return { body, contentType };
}
