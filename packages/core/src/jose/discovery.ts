import type { Agent } from 'node:http';
import { coreErrors } from '../errors/errors.js';
import { FetchFailure, fetchJson } from './internal/fetch-json.js';

/** Options of {@link discoverIssuer}. Durations in milliseconds. */
export interface DiscoveryOptions {
  /** Time allowed for each document fetch, in milliseconds. Default 5000. */
  timeoutDuration?: number;
  /** Largest document accepted, in bytes. Default 262144. */
  maxResponseBytes?: number;
  /** Extra request headers. */
  headers?: Readonly<Record<string, string>>;
  /** node:http(s) Agent, e.g. `new https.Agent({ ca })` for a private CA. */
  agent?: Agent;
  /** Redirects: `same-origin` (default) follows them only within the issuer's origin; `none` follows none. */
  redirect?: 'same-origin' | 'none';
  /** Aborts the discovery. */
  signal?: AbortSignal;
}

/** The parts of an OpenID Provider / OAuth 2.0 Authorization Server metadata document Tessera uses. */
export interface IssuerMetadata {
  readonly issuer: string;
  readonly jwks_uri: string;
  readonly token_endpoint?: string;
  readonly [member: string]: unknown;
}

/**
 * Fetches an issuer's metadata: OpenID Connect Discovery 1.0 §4
 * (`{issuer}/.well-known/openid-configuration`), falling back to RFC 8414 §3.1
 * (`/.well-known/oauth-authorization-server` inserted before the issuer's path). The document's
 * `issuer` must equal `issuer` exactly (OIDC Discovery §4.3, RFC 8414 §3.3) and `jwks_uri` must be
 * an absolute URL (https when the issuer is https), else `ERR_DISCOVERY_FAILED`; a mismatching
 * issuer is never retried at the fallback location.
 *
 * @example
 * ```ts
 * const { jwks_uri } = await discoverIssuer('https://ts.example');
 * const keys = createRemoteJwks(jwks_uri);
 * ```
 */
export async function discoverIssuer(issuer: string, options: DiscoveryOptions = {}): Promise<IssuerMetadata> {
  const base = parseIssuer(issuer);
  const path = base.pathname.replace(/\/+$/, '');
  const locations = [
    new URL(`${base.origin}${path}/.well-known/openid-configuration`),
    new URL(`${base.origin}/.well-known/oauth-authorization-server${path}`),
  ];
  const problems: string[] = [];
  for (const location of locations) {
    let document: unknown;
    try {
      document = await fetchJson(location, {
        timeoutDuration: options.timeoutDuration ?? 5000,
        maxResponseBytes: options.maxResponseBytes ?? 262_144,
        headers: options.headers,
        agent: options.agent,
        redirect: options.redirect ?? 'same-origin',
        signal: options.signal,
        accept: 'application/json',
      });
    } catch (error) {
      if (!(error instanceof FetchFailure)) throw error;
      problems.push(`${location.href}: ${error.message}`);
      if (error.reason === 'aborted') break;
      continue;
    }
    return checkMetadata(document, issuer, base, location);
  }
  throw coreErrors.create('ERR_DISCOVERY_FAILED', `discovery for issuer ${issuer} failed: ${problems.join('; ')}`);
}

function parseIssuer(issuer: string): URL {
  let url: URL | undefined;
  try {
    url = typeof issuer === 'string' ? new URL(issuer) : undefined;
  } catch {
    /* below */
  }
  // RFC 8414 §2: an issuer is an https URL with no query or fragment (http allowed for local setups).
  if (
    url === undefined ||
    (url.protocol !== 'https:' && url.protocol !== 'http:') ||
    url.search !== '' ||
    url.hash !== '' ||
    url.username !== '' ||
    url.password !== ''
  ) {
    throw coreErrors.create(
      'ERR_CONFIG_INVALID',
      `issuer ${JSON.stringify(String(issuer))} must be an absolute http(s) URL without query or fragment`,
    );
  }
  return url;
}

function checkMetadata(document: unknown, issuer: string, base: URL, location: URL): IssuerMetadata {
  const fail = (why: string): never => {
    throw coreErrors.create('ERR_DISCOVERY_FAILED', `discovery document ${location.href} ${why}`);
  };
  if (typeof document !== 'object' || document === null || Array.isArray(document)) return fail('is not a JSON object');
  const doc = document as Record<string, unknown>;
  // Exact string comparison: no trailing-slash or case folding (OIDC Discovery §4.3).
  if (doc['issuer'] !== issuer)
    return fail(
      `names issuer ${JSON.stringify(String(doc['issuer']).slice(0, 200))}, expected ${JSON.stringify(issuer)}`,
    );
  const jwksUri = doc['jwks_uri'];
  if (typeof jwksUri !== 'string') return fail('has no jwks_uri');
  let parsed: URL;
  try {
    parsed = new URL(jwksUri);
  } catch {
    return fail('has a jwks_uri that is not an absolute URL');
  }
  if (parsed.protocol !== 'https:' && !(parsed.protocol === 'http:' && base.protocol === 'http:')) {
    return fail(`has a jwks_uri with scheme ${parsed.protocol} for an ${base.protocol} issuer`);
  }
  return Object.freeze({ ...doc, issuer, jwks_uri: jwksUri });
}
