import { coreErrors } from '../errors/errors.js';

/**
 * Options of {@link normalizePath}. The defaults are the strictest safe choice.
 *
 * @example
 * ```ts
 * normalizePath('/a%2Fb', { escapedSlashes: 'keep' }); // { path: '/a%2Fb', ... }
 * ```
 */
export interface NormalizePathOptions {
  /**
   * Merge runs of `/` into one (Istio `MERGE_SLASHES`, Envoy `merge_slashes`). Default `true`:
   * without it `//admin` slips past a rule on `/admin*` and reaches a backend that merges them.
   */
  readonly mergeSlashes?: boolean;
  /**
   * What to do with an encoded slash or backslash (`%2F`, `%5C`), which RFC 3986 says is data, not a
   * separator, but which many backends decode (Envoy `path_with_escaped_slashes_action`):
   * - `'reject'` (default): throw `ERR_HTTP_PATH_INVALID`;
   * - `'keep'`: leave it encoded (upper-cased) as a character of its segment;
   * - `'decode'`: decode it to `/` or `\` and normalize again (Istio `DECODE_AND_MERGE_SLASHES`).
   *   A decoded backslash then follows `backslash`.
   */
  readonly escapedSlashes?: 'reject' | 'keep' | 'decode';
  /**
   * What to do with a raw `\` in the path: `'reject'` (default) throws; `'convert'` turns it into
   * `/` as Envoy's `normalize_path` does, because Windows servers treat it as a separator.
   */
  readonly backslash?: 'reject' | 'convert';
  /**
   * A raw `;` in a segment (RFC 3986 path parameters, matrix parameters): `'reject'` (default)
   * throws, because servlet containers read `/public/..;/admin` as `/admin` while everyone else
   * reads `/public/..;` as a segment, and `/admin;x=1` routes to `/admin`; `'allow'` keeps it as
   * a character of its segment, for matrix-parameter APIs.
   */
  readonly pathParameters?: 'reject' | 'allow';
}

/**
 * The result of {@link normalizePath}.
 *
 * @example
 * ```ts
 * const { path, query } = normalizePath(req.url ?? '/');
 * ```
 */
export interface NormalizedPath {
  /** The normalized path, always starting with `/`, without query. */
  readonly path: string;
  /** The raw query string after the first `?` (without it), untouched; `undefined` when there is no `?`. */
  readonly query: string | undefined;
  /** Whether `path` differs from the path part of the input. */
  readonly changed: boolean;
}

const HEX = '0123456789ABCDEF';

function hexValue(code: number): number {
  if (code >= 0x30 && code <= 0x39) return code - 0x30;
  if (code >= 0x41 && code <= 0x46) return code - 0x37;
  if (code >= 0x61 && code <= 0x66) return code - 0x57;
  return -1;
}

// RFC 3986 §2.3: unreserved = ALPHA / DIGIT / "-" / "." / "_" / "~"
function isUnreserved(code: number): boolean {
  return (
    (code >= 0x41 && code <= 0x5a) ||
    (code >= 0x61 && code <= 0x7a) ||
    (code >= 0x30 && code <= 0x39) ||
    code === 0x2d ||
    code === 0x2e ||
    code === 0x5f ||
    code === 0x7e
  );
}

const invalid = (message: string): never => {
  throw coreErrors.create('ERR_HTTP_PATH_INVALID', message);
};

/**
 * Normalizes an origin-form request target the way Istio's gateway does before authorization, so
 * that one spelling of a path is matched by policies, routed and forwarded upstream
 * (ARCHITECTURE.md, "Request path"):
 *
 * 1. splits off the query at the first `?` (returned raw, never altered);
 * 2. rejects what has no single reading (different servers read it differently): not starting
 *    with `/`, `#`, control characters raw or encoded, space, DEL, `%00`, a malformed escape, a raw
 *    `\` (unless `backslash: 'convert'`), `%2F`/`%5C` (unless `escapedSlashes` says otherwise),
 *    `%25` followed by two hex digits (double encoding: `/%252e%252e/admin`), an encoded `?` or
 *    `#`, a raw `;` (unless `pathParameters: 'allow'`), a segment ending in a dot or whitespace
 *    (`/admin.`, `/admin%20`: Windows and some frameworks strip them);
 * 3. decodes percent-encoded unreserved characters and upper-cases other escapes (RFC 3986
 *    §6.2.2.1–2), so `/%61dmin` is `/admin`; bytes above 0x7E are percent-encoded;
 * 4. removes dot segments (RFC 3986 §5.2.4), so `/a/../admin` is `/admin` and `/..` is `/`;
 * 5. merges repeated slashes (unless `mergeSlashes: false`).
 *
 * Throws `ERR_HTTP_PATH_INVALID` (400) for anything it rejects.
 *
 * @example
 * ```ts
 * normalizePath('//api/./v1/../%61dmin?x=1'); // { path: '/api/admin', query: 'x=1', changed: true }
 * normalizePath('/admin%2f');                 // throws ERR_HTTP_PATH_INVALID
 * ```
 */
export function normalizePath(target: string, options: NormalizePathOptions = {}): NormalizedPath {
  if (typeof target !== 'string') return invalid('the request target is not a string');
  const mergeSlashes = options.mergeSlashes ?? true;
  const escapedSlashes = options.escapedSlashes ?? 'reject';
  const backslash = options.backslash ?? 'reject';
  if (escapedSlashes !== 'reject' && escapedSlashes !== 'keep' && escapedSlashes !== 'decode') {
    throw coreErrors.create('ERR_CONFIG_INVALID', "escapedSlashes must be 'reject', 'keep' or 'decode'");
  }
  if (backslash !== 'reject' && backslash !== 'convert')
    throw coreErrors.create('ERR_CONFIG_INVALID', "backslash must be 'reject' or 'convert'");
  const pathParameters = options.pathParameters ?? 'reject';
  if (pathParameters !== 'reject' && pathParameters !== 'allow')
    throw coreErrors.create('ERR_CONFIG_INVALID', "pathParameters must be 'reject' or 'allow'");

  const q = target.indexOf('?');
  const raw = q === -1 ? target : target.slice(0, q);
  const query = q === -1 ? undefined : target.slice(q + 1);
  if (raw.charCodeAt(0) !== 0x2f) return invalid('the request path must start with "/" (origin-form, RFC 9112 §3.2.1)');

  // Fast path: plain paths (the common case) need no rewriting at all.
  if (isPlain(raw, mergeSlashes)) return { path: raw, query, changed: false };

  const decoded = decode(raw, escapedSlashes, backslash, pathParameters);
  let path = removeDotSegments(decoded);
  if (mergeSlashes) path = path.replace(/\/{2,}/g, '/');
  for (const segment of path.split('/')) {
    // After dot-segment removal no segment is `.` or `..`: a trailing dot or space is the segment's.
    if (segment.endsWith('.') || segment.endsWith('%20') || segment.endsWith('%09')) {
      invalid('a path segment ends in a dot or whitespace, which servers read differently');
    }
  }
  return { path, query, changed: path !== raw };
}

/** True when `raw` contains only safe characters, no escapes, no dot segments and (if merging) no `//`. */
function isPlain(raw: string, mergeSlashes: boolean): boolean {
  let prev = 0;
  for (let i = 0; i < raw.length; i++) {
    const c = raw.charCodeAt(i);
    if (c <= 0x20 || c >= 0x7f || c === 0x25 /* % */ || c === 0x5c /* \ */ || c === 0x23 /* # */) return false;
    if (c === 0x3b /* ; */) return false;
    if (c === 0x2f && prev === 0x2f && mergeSlashes) return false;
    if (c === 0x2e && prev === 0x2f) return false; // a segment starting with '.': maybe a dot segment
    if (c === 0x2e && (i === raw.length - 1 || raw.charCodeAt(i + 1) === 0x2f)) return false; // ends in '.'
    prev = c;
  }
  return true;
}

function decode(
  raw: string,
  escapedSlashes: 'reject' | 'keep' | 'decode',
  backslash: 'reject' | 'convert',
  pathParameters: 'reject' | 'allow',
): string {
  let out = '';
  for (let i = 0; i < raw.length; i++) {
    const c = raw.charCodeAt(i);
    if (c === 0x25) {
      const hi = hexValue(raw.charCodeAt(i + 1));
      const lo = hexValue(raw.charCodeAt(i + 2));
      if (hi < 0 || lo < 0) invalid('the request path has a malformed percent-escape');
      const byte = hi * 16 + lo;
      i += 2;
      if (byte === 0) invalid('the request path contains %00');
      if (byte < 0x20 || byte === 0x7f) invalid('the request path contains an encoded control character');
      if (byte === 0x3f || byte === 0x23) invalid('the request path contains an encoded "?" or "#"');
      if (byte === 0x25 && hexValue(raw.charCodeAt(i + 1)) >= 0 && hexValue(raw.charCodeAt(i + 2)) >= 0) {
        invalid('the request path is encoded twice (%25 followed by two hex digits)');
      }
      if (byte === 0x2f || byte === 0x5c) {
        if (escapedSlashes === 'reject')
          invalid(`the request path contains an encoded ${byte === 0x2f ? 'slash (%2F)' : 'backslash (%5C)'}`);
        if (escapedSlashes === 'decode') {
          if (byte === 0x5c && backslash === 'reject') invalid('the request path contains an encoded backslash (%5C)');
          out += '/';
          continue;
        }
        out += byte === 0x2f ? '%2F' : '%5C';
        continue;
      }
      if (isUnreserved(byte)) out += String.fromCharCode(byte);
      else out += '%' + HEX[byte >> 4] + HEX[byte & 15];
      continue;
    }
    if (c < 0x20 || c === 0x7f) invalid('the request path contains a control character');
    if (c === 0x20) invalid('the request path contains a space');
    if (c === 0x23) invalid('the request path contains "#"');
    if (c === 0x3b && pathParameters === 'reject') {
      invalid('the request path has a path parameter (";"), which servers read differently');
    }
    if (c === 0x5c) {
      if (backslash === 'reject') invalid('the request path contains a backslash');
      out += '/';
      continue;
    }
    if (c > 0x7e) {
      // node:http hands raw bytes over as Latin-1 characters; re-encode each byte.
      if (c > 0xff) invalid('the request path contains a character outside Latin-1');
      out += '%' + HEX[c >> 4] + HEX[c & 15];
      continue;
    }
    out += raw[i];
  }
  return out;
}

/** RFC 3986 §5.2.4 remove_dot_segments, on an absolute path. */
function removeDotSegments(path: string): string {
  const segments = path.split('/');
  const out: string[] = [];
  // segments[0] is '' (path starts with '/').
  for (let i = 1; i < segments.length; i++) {
    const s = segments[i]!;
    const last = i === segments.length - 1;
    if (s === '.') {
      if (last) out.push('');
      continue;
    }
    if (s === '..') {
      out.pop();
      if (last) out.push('');
      continue;
    }
    out.push(s);
  }
  return '/' + out.join('/');
}
