import { coreErrors } from '../errors/errors.js';

/**
 * Request headers as Tessera reads them. Give node:http's `req.headersDistinct` (every value kept,
 * so duplicates are visible) or any plain object whose values are a string or a list of strings, or
 * a WHATWG `Headers`. node:http's `req.headers` keeps only the first `Authorization` header and so
 * hides a duplicate: prefer `headersDistinct` (ARCHITECTURE.md, "Platform facts").
 */
export type HttpHeaders = Readonly<Record<string, string | readonly string[] | undefined>> | Headers;

/** Options of {@link extractBearerToken}. */
export interface ExtractBearerTokenOptions {
  /**
   * The request target (`/path?query`) or its query string, used to detect an `access_token` query
   * parameter (RFC 6750 §2.3). A query token together with a header token is always a conflict.
   */
  url?: string;
  /** Accept a token from the `access_token` query parameter when there is no header (RFC 6750 §2.3). Default `false`. */
  allowQueryToken?: boolean;
  /** Longest token accepted, in characters. Default 16384. */
  maxTokenLength?: number;
}

const DEFAULT_MAX_TOKEN_LENGTH = 16_384;
// RFC 6750 §2.1: b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="
const B64TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/;

/**
 * Finds the bearer token of a request (RFC 6750 §2.1): exactly one `Authorization: Bearer <token>`
 * header, scheme matched case-insensitively (RFC 7235 §2.1).
 *
 * Returns `undefined` when the request carries no bearer credentials (no `Authorization` header, or
 * one with another scheme such as `Basic`), so the caller can answer 401 without an `error`
 * attribute (RFC 6750 §3.1). Throws `ERR_AUTH_CREDENTIALS_CONFLICT` when there are two
 * `Authorization` headers or a header and an `access_token` query parameter (RFC 6750 §2: a client
 * must not use more than one method), and `ERR_JWT_MALFORMED` when the bearer credentials are
 * empty, not a b64token, or longer than `maxTokenLength`.
 *
 * @example
 * ```ts
 * const token = extractBearerToken(req.headersDistinct, { url: req.url });
 * if (token === undefined) return challenge(); // 401, WWW-Authenticate: Bearer realm="api"
 * ```
 */
export function extractBearerToken(headers: HttpHeaders, options: ExtractBearerTokenOptions = {}): string | undefined {
  const maxLength = options.maxTokenLength ?? DEFAULT_MAX_TOKEN_LENGTH;
  const values = authorizationValues(headers);
  const queryTokens = options.url === undefined ? 0 : countQueryTokens(options.url);

  if (values.length > 1) {
    throw coreErrors.create('ERR_AUTH_CREDENTIALS_CONFLICT', 'the request carries more than one Authorization header');
  }
  if (values.length === 1) {
    const value = values[0]!;
    const token = parseBearer(value, maxLength);
    if (token === undefined) {
      // Another scheme (Basic, DPoP, ...): no bearer credentials. A query token on top still conflicts.
      if (queryTokens > 0) throw conflict();
      return undefined;
    }
    if (queryTokens > 0) throw conflict();
    return token;
  }
  if (queryTokens === 0) return undefined;
  if (queryTokens > 1)
    throw coreErrors.create(
      'ERR_AUTH_CREDENTIALS_CONFLICT',
      'the request carries more than one access_token query parameter',
    );
  if (!options.allowQueryToken) return undefined;
  const token = queryToken(options.url!);
  if (token === undefined || token.length === 0)
    throw coreErrors.create('ERR_JWT_MALFORMED', 'the access_token query parameter is empty');
  if (token.length > maxLength)
    throw coreErrors.create('ERR_JWT_MALFORMED', `the token is longer than ${maxLength} characters`);
  if (!B64TOKEN.test(token))
    throw coreErrors.create('ERR_JWT_MALFORMED', 'the access_token query parameter is not a b64token');
  return token;
}

function conflict() {
  return coreErrors.create(
    'ERR_AUTH_CREDENTIALS_CONFLICT',
    'the request carries a token both in the Authorization header and in the query (RFC 6750 §2)',
  );
}

/** Every `Authorization` value, whatever the case of the header name and however duplicates are represented. */
function authorizationValues(headers: HttpHeaders): string[] {
  if (typeof (headers as Headers).get === 'function' && typeof (headers as Headers).getSetCookie === 'function') {
    // WHATWG Headers joins duplicates with ", "; a joined value fails the b64token check below
    // because a token never contains a comma or a space, so the request is still refused.
    const value = (headers as Headers).get('authorization');
    return value === null ? [] : [value];
  }
  const out: string[] = [];
  const record = headers as Readonly<Record<string, string | readonly string[] | undefined>>;
  for (const name in record) {
    if (name.length !== 13 || name.toLowerCase() !== 'authorization') continue;
    const value = record[name];
    if (typeof value === 'string') out.push(value);
    else if (Array.isArray(value)) for (const v of value as readonly unknown[]) if (typeof v === 'string') out.push(v);
  }
  return out;
}

/** The token of `Bearer <token>`, `undefined` for another scheme; throws on malformed bearer credentials. */
function parseBearer(value: string, maxLength: number): string | undefined {
  const trimmed = value.trim();
  if (trimmed.length < 6 || trimmed.slice(0, 6).toLowerCase() !== 'bearer') return undefined;
  if (trimmed.length === 6) throw coreErrors.create('ERR_JWT_MALFORMED', 'the Bearer credentials are empty');
  const sep = trimmed.charCodeAt(6);
  if (sep !== 0x20) {
    // "Bearerx": another (unknown) scheme name that merely starts with "bearer".
    if (sep === 0x09) throw coreErrors.create('ERR_JWT_MALFORMED', 'the Bearer scheme must be followed by a space');
    return undefined;
  }
  let start = 7;
  while (trimmed.charCodeAt(start) === 0x20) start++;
  const token = trimmed.slice(start);
  if (token.length === 0) throw coreErrors.create('ERR_JWT_MALFORMED', 'the Bearer credentials are empty');
  if (token.length > maxLength)
    throw coreErrors.create('ERR_JWT_MALFORMED', `the token is longer than ${maxLength} characters`);
  if (!B64TOKEN.test(token))
    throw coreErrors.create('ERR_JWT_MALFORMED', 'the Bearer credentials are not a single b64token (RFC 6750 §2.1)');
  return token;
}

function queryString(url: string): string {
  const q = url.indexOf('?');
  if (q === -1) return url.startsWith('/') ? '' : url;
  const hash = url.indexOf('#', q);
  return hash === -1 ? url.slice(q + 1) : url.slice(q + 1, hash);
}

function countQueryTokens(url: string): number {
  const query = queryString(url);
  if (query.length === 0 || !query.includes('access_token')) return 0;
  let n = 0;
  for (const [name] of new URLSearchParams(query)) if (name === 'access_token') n++;
  return n;
}

function queryToken(url: string): string | undefined {
  return new URLSearchParams(queryString(url)).get('access_token') ?? undefined;
}
