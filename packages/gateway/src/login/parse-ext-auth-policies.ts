import { isNode, LineCounter, parseAllDocuments } from 'yaml';
import { formatFieldPath, formatIssue, locateField, type PolicyIssue, type YamlFieldPath } from '@tessera/core';
import { gatewayErrors } from '../errors.js';
import type { ClaimToHeader, ExtAuthPolicy, OidcAuthorizationCode, SecretRef } from './ext-auth-policy.js';

/** The Gloo API group and version the brief's ExtAuthPolicy uses. */
export const EXT_AUTH_API_VERSION = 'security.policy.gloo.solo.io/v2';

/** Gloo kinds that sit beside an ExtAuthPolicy in the brief's files and mean nothing to this gateway. */
const OTHER_GLOO_KINDS = new Set(['VirtualGateway', 'RouteTable', 'ExtAuthServer', 'Secret', 'VirtualDestination']);

// The accepted fields, by exact path, as a tree: a leaf is the value's type. Anything else in an
// ExtAuthPolicy is refused (file, line, field), as the Istio loader does.
type Leaf = 'string' | 'boolean' | 'uint' | 'duration' | 'ignore' | { readonly enum: readonly string[] };
type Shape =
  Leaf | { readonly object: Readonly<Record<string, Shape>> } | { readonly array: Shape } | { readonly map: 'string' };

const secretRef: Shape = { object: { name: 'string', namespace: 'string' } };
const claimsToHeaders: Shape = {
  object: { claimsToHeaders: { array: { object: { claim: 'string', header: 'string', append: 'boolean' } } } },
};
const OIDC_FIELDS: Readonly<Record<string, Shape>> = {
  appUrl: 'string',
  callbackPath: 'string',
  clientId: 'string',
  clientSecretRef: secretRef,
  issuerUrl: 'string',
  scopes: { array: 'string' },
  authEndpointQueryParams: { map: 'string' },
  logoutPath: 'string',
  afterLogoutUrl: 'string',
  headers: {
    object: { idTokenHeader: 'string', accessTokenHeader: 'string', useBearerSchemaForAuthorization: 'boolean' },
  },
  identityToken: claimsToHeaders,
  accessToken: claimsToHeaders,
  session: {
    object: {
      failOnFetchFailure: 'boolean',
      cookieOptions: {
        object: {
          maxAge: 'uint',
          notSecure: 'boolean',
          httpOnly: 'boolean',
          path: 'string',
          domain: 'string',
          sameSite: { enum: ['DefaultMode', 'LaxMode', 'StrictMode', 'NoneMode'] },
        },
      },
      cookie: { object: { keyPrefix: 'string' } },
      redis: {
        object: {
          cookieName: 'string',
          keyPrefix: 'string',
          allowRefreshing: 'boolean',
          preExpiryBuffer: 'duration',
          headerName: 'string',
          options: { object: { host: 'string', db: 'uint' } },
        },
      },
      cipherConfig: { object: { keyRef: secretRef } },
    },
  },
};
const DOCUMENT: Shape = {
  object: {
    apiVersion: 'string',
    kind: 'string',
    // Kubernetes metadata: the name and namespace are read; labels, annotations and the like are not.
    metadata: 'ignore',
    spec: {
      object: {
        applyToRoutes: { array: { object: { route: { object: { labels: { map: 'string' } } } } } },
        config: {
          object: {
            // Gloo's reference to its ext-auth server: this gateway is that server.
            server: 'ignore',
            glooAuth: {
              object: {
                configs: {
                  array: { object: { oauth2: { object: { oidcAuthorizationCode: { object: OIDC_FIELDS } } } } },
                },
              },
            },
          },
        },
      },
    },
  },
};

/** A protobuf Duration as YAML writes it: `2s`, `1.5s`, `500ms`, `1m`. */
const DURATION = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/;
const DURATION_SECONDS: Readonly<Record<string, number>> = { ms: 0.001, s: 1, m: 60, h: 3600 };

/** Seconds of a Gloo duration (already validated). */
function seconds(value: string): number {
  const m = DURATION.exec(value)!;
  return Number(m[1]) * DURATION_SECONDS[m[2]!]!;
}

type Path = YamlFieldPath;

function leafProblem(value: unknown, leaf: Leaf): string | undefined {
  if (leaf === 'ignore') return undefined;
  if (leaf === 'string')
    return typeof value === 'string' && value.length > 0 ? undefined : 'must be a non-empty string';
  if (leaf === 'boolean') return typeof value === 'boolean' ? undefined : 'must be true or false';
  if (leaf === 'uint')
    return Number.isSafeInteger(value) && (value as number) >= 0 ? undefined : 'must be a whole number ≥ 0';
  if (leaf === 'duration')
    return typeof value === 'string' && DURATION.test(value) ? undefined : 'must be a duration such as 2s or 500ms';
  return leaf.enum.includes(value as string) ? undefined : `must be one of ${leaf.enum.join(', ')}`;
}

function check(value: unknown, shape: Shape, path: Path, issues: { path: Path; message: string }[]): void {
  if (typeof shape === 'string' || 'enum' in shape) {
    const problem = leafProblem(value, shape);
    if (problem !== undefined) issues.push({ path, message: problem });
    return;
  }
  const isMapping = typeof value === 'object' && value !== null && !Array.isArray(value);
  if ('array' in shape) {
    if (!Array.isArray(value)) issues.push({ path, message: 'must be a list' });
    else value.forEach((v, i) => check(v, shape.array, [...path, i], issues));
    return;
  }
  if (!isMapping) {
    issues.push({ path, message: 'must be a mapping' });
    return;
  }
  for (const [k, v] of Object.entries(value)) {
    const child = 'map' in shape ? 'string' : shape.object[k];
    if (child === undefined)
      issues.push({ path: [...path, k], message: 'unknown field (not accepted by this gateway)' });
    else check(v, child, [...path, k], issues);
  }
}

type Raw = Record<string, unknown>;
const obj = (v: unknown): Raw => (typeof v === 'object' && v !== null ? (v as Raw) : {});

function claims(list: unknown): ClaimToHeader[] {
  return (Array.isArray(list) ? list : []).map((c) => {
    const r = obj(c);
    return { claim: r['claim'] as string, header: (r['header'] as string).toLowerCase(), append: r['append'] === true };
  });
}

function ref(v: unknown): SecretRef | undefined {
  const r = obj(v);
  return v === undefined
    ? undefined
    : { name: r['name'] as string, namespace: (r['namespace'] as string | undefined) ?? 'default' };
}

/** Gloo's defaults applied to a checked `oidcAuthorizationCode`. */
function toOidc(raw: Raw): OidcAuthorizationCode {
  const session = obj(raw['session']);
  const cookieOptions = obj(session['cookieOptions']);
  const redis = session['redis'] === undefined ? undefined : obj(session['redis']);
  const headers = obj(raw['headers']);
  const scopes = (raw['scopes'] as string[] | undefined) ?? [];
  return {
    appUrl: (raw['appUrl'] as string).replace(/\/+$/, ''),
    callbackPath: (raw['callbackPath'] as string | undefined) ?? '/oauth-gloo-callback',
    clientId: raw['clientId'] as string,
    clientSecretRef: ref(raw['clientSecretRef']),
    issuerUrl: raw['issuerUrl'] as string,
    scopes: scopes.includes('openid') ? scopes : ['openid', ...scopes],
    authEndpointQueryParams: (raw['authEndpointQueryParams'] as Record<string, string> | undefined) ?? {},
    logoutPath: raw['logoutPath'] as string | undefined,
    afterLogoutUrl: raw['afterLogoutUrl'] as string | undefined,
    headers: {
      idTokenHeader: (headers['idTokenHeader'] as string | undefined)?.toLowerCase(),
      accessTokenHeader: (headers['accessTokenHeader'] as string | undefined)?.toLowerCase(),
      useBearerSchemaForAuthorization: headers['useBearerSchemaForAuthorization'] === true,
    },
    identityTokenClaimsToHeaders: claims(obj(raw['identityToken'])['claimsToHeaders']),
    accessTokenClaimsToHeaders: claims(obj(raw['accessToken'])['claimsToHeaders']),
    session: {
      failOnFetchFailure: session['failOnFetchFailure'] === true,
      cookieOptions: {
        maxAge: (cookieOptions['maxAge'] as number | undefined) ?? 30 * 24 * 3600,
        notSecure: cookieOptions['notSecure'] === true,
        httpOnly: cookieOptions['httpOnly'] !== false,
        path: (cookieOptions['path'] as string | undefined) ?? '/',
        domain: cookieOptions['domain'] as string | undefined,
        sameSite:
          (cookieOptions['sameSite'] as OidcAuthorizationCode['session']['cookieOptions']['sameSite'] | undefined) ??
          'DefaultMode',
      },
      cookieKeyPrefix: (obj(session['cookie'])['keyPrefix'] as string | undefined) ?? '',
      redis:
        redis === undefined
          ? undefined
          : {
              cookieName: (redis['cookieName'] as string | undefined) ?? '__session',
              keyPrefix: (redis['keyPrefix'] as string | undefined) ?? '',
              allowRefreshing: redis['allowRefreshing'] !== false,
              preExpiryBuffer: redis['preExpiryBuffer'] === undefined ? 2 : seconds(redis['preExpiryBuffer'] as string),
              headerName: redis['headerName'] as string | undefined,
              host: (obj(redis['options'])['host'] as string | undefined) ?? '127.0.0.1:6379',
              db: (obj(redis['options'])['db'] as number | undefined) ?? 0,
            },
      cipherKeyRef: ref(obj(session['cipherConfig'])['keyRef']),
    },
  };
}

/** Semantic checks a shape cannot express: required fields, URLs, paths that must differ. */
function checkOidc(raw: Raw, path: Path, issues: { path: Path; message: string }[]): void {
  for (const field of ['appUrl', 'clientId', 'issuerUrl'])
    if (raw[field] === undefined) issues.push({ path: [...path, field], message: 'is required' });
  for (const field of ['appUrl', 'issuerUrl', 'afterLogoutUrl']) {
    const v = raw[field];
    if (typeof v !== 'string') continue;
    let url: URL | undefined;
    try {
      url = new URL(v);
    } catch {
      url = undefined;
    }
    if (url === undefined || (url.protocol !== 'https:' && url.protocol !== 'http:'))
      issues.push({ path: [...path, field], message: 'must be an http or https URL' });
  }
  for (const field of ['callbackPath', 'logoutPath']) {
    const v = raw[field];
    if (typeof v === 'string' && !v.startsWith('/'))
      issues.push({ path: [...path, field], message: 'must start with /' });
  }
  if (raw['logoutPath'] !== undefined && raw['logoutPath'] === (raw['callbackPath'] ?? '/oauth-gloo-callback'))
    issues.push({ path: [...path, 'logoutPath'], message: 'must differ from callbackPath' });
  const session = obj(raw['session']);
  if (session['redis'] !== undefined && session['cookie'] !== undefined)
    issues.push({ path: [...path, 'session'], message: 'cookie and redis are alternatives: give one' });
}

/** What {@link parseExtAuthPolicies} found in one file. */
export interface ParsedExtAuthPolicies {
  readonly policies: readonly ExtAuthPolicy[];
  /** Gloo documents of other kinds, skipped. */
  readonly warnings: readonly PolicyIssue[];
  /** Problems, each with file, line and field. */
  readonly issues: readonly PolicyIssue[];
}

/**
 * Reads the ExtAuthPolicy documents of a policy file (the brief's YAML, unchanged): checks every
 * field against the accepted set, applies Gloo's defaults, and reports problems as
 * `file:line:column: field.path: message`. Istio kinds are left to the policy loader; the brief's
 * other Gloo kinds (VirtualGateway, RouteTable, ExtAuthServer, Secret) are skipped with a warning.
 *
 * @example
 * ```ts
 * const { policies, issues } = parseExtAuthPolicies(readFileSync('webui-auth.yaml', 'utf8'), 'webui-auth.yaml');
 * ```
 */
export function parseExtAuthPolicies(text: string, file: string): ParsedExtAuthPolicies {
  const lines = new LineCounter();
  const docs = parseAllDocuments(text, { lineCounter: lines, uniqueKeys: true, prettyErrors: false });
  const policies: ExtAuthPolicy[] = [];
  const warnings: PolicyIssue[] = [];
  const issues: PolicyIssue[] = [];
  for (const doc of Array.isArray(docs) ? docs : [docs]) {
    // YAML errors are the policy loader's to report (it reads the same file).
    if (doc.errors.length > 0 || doc.contents === null) continue;
    const value = obj(doc.toJS({ maxAliasCount: 100 }));
    const at = (path: Path, message: string): PolicyIssue => {
      const pos = locateField(doc, path, lines);
      return {
        file,
        ...(pos === undefined ? {} : pos),
        path: formatFieldPath(path),
        message,
      };
    };
    const kind = value['kind'];
    if (typeof kind === 'string' && OTHER_GLOO_KINDS.has(kind) && String(value['apiVersion']).includes('solo.io')) {
      warnings.push(at([], `skipped: ${kind} is Gloo's own configuration; this gateway needs only the ExtAuthPolicy`));
      continue;
    }
    if (kind !== 'ExtAuthPolicy') continue;
    const found: { path: Path; message: string }[] = [];
    if (value['apiVersion'] !== EXT_AUTH_API_VERSION)
      found.push({ path: ['apiVersion'], message: `must be ${EXT_AUTH_API_VERSION}` });
    check(value, DOCUMENT, [], found);
    const configs = obj(obj(obj(value['spec'])['config'])['glooAuth'])['configs'];
    const oidcConfigs = (Array.isArray(configs) ? configs : []).map(
      (c) => obj(obj(c)['oauth2'])['oidcAuthorizationCode'],
    );
    if (oidcConfigs.length !== 1 || oidcConfigs[0] === undefined)
      found.push({
        path: ['spec', 'config', 'glooAuth', 'configs'],
        message: 'must hold exactly one oauth2.oidcAuthorizationCode (the login this gateway runs)',
      });
    else
      checkOidc(
        obj(oidcConfigs[0]),
        ['spec', 'config', 'glooAuth', 'configs', 0, 'oauth2', 'oidcAuthorizationCode'],
        found,
      );
    const routes = obj(value['spec'])['applyToRoutes'];
    if (!Array.isArray(routes) || routes.length === 0)
      found.push({ path: ['spec', 'applyToRoutes'], message: 'must select at least one route by its labels' });
    if (found.length > 0) {
      issues.push(...found.map((f) => at(f.path, f.message)));
      continue;
    }
    const metadata = obj(value['metadata']);
    const start = isNode(doc.contents) && doc.contents.range ? lines.linePos(doc.contents.range[0]) : undefined;
    policies.push({
      name: typeof metadata['name'] === 'string' ? metadata['name'] : '(unnamed)',
      namespace: typeof metadata['namespace'] === 'string' ? metadata['namespace'] : 'default',
      source: `${file}${start === undefined ? '' : `:${start.line}`}`,
      applyToRoutes: (routes as unknown[]).map((r) => (obj(obj(r)['route'])['labels'] as Record<string, string>) ?? {}),
      oidc: toOidc(obj(oidcConfigs[0])),
    });
  }
  return { policies, warnings, issues };
}

/**
 * The error for a list of ExtAuthPolicy problems (`ERR_GATEWAY_CONFIG_INVALID`), one per line.
 *
 * @example
 * ```ts
 * if (issues.length > 0) throw extAuthPolicyInvalid(issues);
 * ```
 */
export function extAuthPolicyInvalid(issues: readonly PolicyIssue[]): Error {
  return gatewayErrors.create(
    'ERR_GATEWAY_CONFIG_INVALID',
    `invalid ExtAuthPolicy:\n  ${issues.map(formatIssue).join('\n  ')}`,
    {
      details: { issues },
    },
  );
}
