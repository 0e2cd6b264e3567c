// Hand-written validation of Istio security documents. Hand checks rather than a schema library so
// every problem carries the exact field path the loader turns into a file line (ARCHITECTURE.md,
// "Configuration"). Fields Istio has but Tessera cannot honour are rejected, never ignored: a policy
// silently applied more widely (or not at all) than written is a security bug.
import { parseCidr } from './ip.js';
import { compilePathTemplate, isPathTemplate } from './string-match.js';
import type { PolicyDocument, PolicySourceLocation } from '../types.js';

export type FieldPath = readonly (string | number)[];

export interface RawIssue {
  readonly path: FieldPath;
  readonly message: string;
}

export interface ValidationResult {
  /** The cleaned, frozen document; undefined when there are issues or the document was skipped. */
  readonly document: PolicyDocument | undefined;
  readonly issues: readonly RawIssue[];
  readonly warnings: readonly RawIssue[];
  /** Set when the document is of another kind (e.g. a Deployment in the same file) and was skipped. */
  readonly skipped: string | undefined;
}

export const SUPPORTED_API_VERSIONS = new Set(['security.istio.io/v1', 'security.istio.io/v1beta1']);
const KINDS = new Set(['AuthorizationPolicy', 'RequestAuthentication']);
const ACTIONS = new Set(['ALLOW', 'DENY', 'AUDIT', 'CUSTOM']);
export const DRY_RUN_ANNOTATION = 'istio.io/dry-run';
const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const DURATION = /^(?:\d+(?:\.\d+)?(?:h|m|s|ms|us|µs|ns))+$/;

const SOURCE_FIELDS = [
  'principals',
  'notPrincipals',
  'requestPrincipals',
  'notRequestPrincipals',
  'namespaces',
  'notNamespaces',
  'serviceAccounts',
  'notServiceAccounts',
  'ipBlocks',
  'notIpBlocks',
  'remoteIpBlocks',
  'notRemoteIpBlocks',
] as const;
const OPERATION_FIELDS = [
  'hosts',
  'notHosts',
  'ports',
  'notPorts',
  'methods',
  'notMethods',
  'paths',
  'notPaths',
] as const;
const JWT_RULE_FIELDS = new Set([
  'issuer',
  'audiences',
  'jwksUri',
  'jwks',
  'fromHeaders',
  'fromParams',
  'fromCookies',
  'outputPayloadToHeader',
  'forwardOriginalToken',
  'outputClaimToHeaders',
  'timeout',
]);

/** Condition keys Tessera evaluates, and how their values are checked. */
export type ConditionKind = 'string' | 'ip' | 'port';
const SIMPLE_KEYS: Record<string, ConditionKind> = {
  'request.auth.principal': 'string',
  'request.auth.audiences': 'string',
  'request.auth.presenter': 'string',
  'source.ip': 'ip',
  'remote.ip': 'ip',
  'destination.ip': 'ip',
  'source.principal': 'string',
  'source.namespace': 'string',
  'destination.port': 'port',
  'connection.sni': 'string',
};

/** Parsed `when` key. */
export type ConditionKey =
  | { readonly kind: 'simple'; readonly key: string; readonly values: ConditionKind }
  | { readonly kind: 'header'; readonly name: string }
  | { readonly kind: 'claim'; readonly path: readonly string[] };

/** Parses a `when` key, or returns why it is not supported. */
export function parseConditionKey(key: string): ConditionKey | string {
  const simple = SIMPLE_KEYS[key];
  if (simple !== undefined) return { kind: 'simple', key, values: simple };
  const header = /^request\.headers\[([^\]]+)\]$/.exec(key);
  if (header) {
    if (!HEADER_NAME.test(header[1]!)) return `${JSON.stringify(header[1])} is not a valid header name`;
    return { kind: 'header', name: header[1]!.toLowerCase() };
  }
  if (key.startsWith('request.auth.claims')) {
    const rest = key.slice('request.auth.claims'.length);
    if (!/^(\[[^[\]]+\])+$/.test(rest))
      return 'request.auth.claims needs one or more [name] parts, e.g. request.auth.claims[groups] or request.auth.claims[a][b]';
    return { kind: 'claim', path: rest.slice(1, -1).split('][') };
  }
  if (key.startsWith('experimental.'))
    return `${JSON.stringify(key)} (Envoy filter metadata) is not supported outside Envoy`;
  return `unknown condition key ${JSON.stringify(key)}; supported: ${[...Object.keys(SIMPLE_KEYS), 'request.headers[...]', 'request.auth.claims[...]'].join(', ')}`;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const show = (v: unknown): string => JSON.stringify(v);

class Checker {
  readonly issues: RawIssue[] = [];
  readonly warnings: RawIssue[] = [];
  error(path: FieldPath, message: string): void {
    this.issues.push({ path, message });
  }
  warn(path: FieldPath, message: string): void {
    this.warnings.push({ path, message });
  }
  /** Unknown members are errors: a typo such as `notpaths` must not silently widen a policy. */
  keys(value: Record<string, unknown>, path: FieldPath, allowed: Iterable<string>, what: string): void {
    const set = allowed instanceof Set ? (allowed as Set<string>) : new Set(allowed);
    for (const k of Object.keys(value))
      if (!set.has(k)) this.error([...path, k], `unknown field ${show(k)} in ${what}; allowed: ${[...set].join(', ')}`);
  }
  object(value: unknown, path: FieldPath, what: string): Record<string, unknown> | undefined {
    if (value === undefined || value === null) return undefined;
    if (!isObject(value)) {
      this.error(path, `${what} must be a mapping`);
      return undefined;
    }
    return value;
  }
  string(value: unknown, path: FieldPath, what: string, required = false): string | undefined {
    if (value === undefined || value === null) {
      if (required) this.error(path, `${what} is required`);
      return undefined;
    }
    if (typeof value !== 'string') {
      this.error(path, `${what} must be a string`);
      return undefined;
    }
    if (value.length === 0) {
      this.error(path, `${what} must not be empty`);
      return undefined;
    }
    return value;
  }
  strings(
    value: unknown,
    path: FieldPath,
    what: string,
    each?: (v: string, p: FieldPath) => string | undefined,
  ): string[] | undefined {
    if (value === undefined || value === null) return undefined;
    if (!Array.isArray(value)) {
      this.error(path, `${what} must be a list of strings`);
      return undefined;
    }
    const out: string[] = [];
    value.forEach((v, i) => {
      const s = this.string(v, [...path, i], `${what}[${i}]`, true);
      if (s === undefined) return;
      const problem = each?.(s, [...path, i]);
      if (problem !== undefined) this.error([...path, i], problem);
      else out.push(s);
    });
    return out;
  }
  list(value: unknown, path: FieldPath, what: string): unknown[] | undefined {
    if (value === undefined || value === null) return undefined;
    if (!Array.isArray(value)) {
      this.error(path, `${what} must be a list`);
      return undefined;
    }
    const items: unknown[] = value; // Array.isArray narrows to any[]
    return items;
  }
  stringMap(value: unknown, path: FieldPath, what: string): Record<string, string> | undefined {
    const obj = this.object(value, path, what);
    if (obj === undefined) return undefined;
    const out = Object.create(null) as Record<string, string>;
    for (const [k, v] of Object.entries(obj)) {
      if (typeof v !== 'string')
        this.error([...path, k], `${what} values must be strings (quote them in YAML, e.g. "true")`);
      else out[k] = v;
    }
    return out;
  }
}

function checkCidr(v: string): string | undefined {
  const parsed = parseCidr(v);
  return typeof parsed === 'string' ? parsed : undefined;
}

function checkPort(v: string): string | undefined {
  return /^\d{1,5}$/.test(v) && Number(v) <= 65535 ? undefined : `${show(v)} is not a port number (0-65535)`;
}

function checkServiceAccount(v: string): string | undefined {
  return /^[^/*\s]+\/[^/*\s]+$/.test(v) ? undefined : `${show(v)} must be "<namespace>/<service account>"`;
}

function checkPath(v: string): string | undefined {
  if (!isPathTemplate(v)) return undefined;
  const compiled = compilePathTemplate(v);
  return typeof compiled === 'string' ? compiled : undefined;
}

/** Istio's CRD type for ports is string; YAML `[8080]` gives numbers. Accept whole numbers. */
function portsAsStrings(value: unknown): unknown {
  return Array.isArray(value)
    ? value.map((v: unknown) => (typeof v === 'number' && Number.isInteger(v) ? String(v) : v))
    : value;
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

function selector(c: Checker, value: unknown, path: FieldPath): { matchLabels?: Record<string, string> } | undefined {
  const obj = c.object(value, path, 'selector');
  if (obj === undefined) return undefined;
  c.keys(obj, path, ['matchLabels'], 'selector (only matchLabels is supported)');
  const matchLabels = c.stringMap(obj.matchLabels, [...path, 'matchLabels'], 'selector.matchLabels');
  return matchLabels === undefined ? {} : { matchLabels };
}

function rejectTargetRefs(c: Checker, spec: Record<string, unknown>, path: FieldPath): void {
  for (const k of ['targetRef', 'targetRefs']) {
    if (spec[k] !== undefined)
      c.error(
        [...path, k],
        `${k} selects Kubernetes Gateway API resources and is not supported outside Kubernetes; select routes with selector.matchLabels (route labels) instead`,
      );
  }
}

function authorizationSpec(c: Checker, spec: Record<string, unknown>): Record<string, unknown> {
  const p: FieldPath = ['spec'];
  c.keys(spec, p, ['selector', 'action', 'provider', 'rules', 'targetRef', 'targetRefs'], 'AuthorizationPolicy spec');
  rejectTargetRefs(c, spec, p);
  const out: Record<string, unknown> = {};
  const sel = selector(c, spec.selector, [...p, 'selector']);
  if (sel !== undefined) out.selector = sel;
  let action = 'ALLOW';
  if (spec.action !== undefined && spec.action !== null) {
    if (typeof spec.action !== 'string' || !ACTIONS.has(spec.action))
      c.error([...p, 'action'], `action must be one of ALLOW, DENY, AUDIT, CUSTOM (got ${show(spec.action)})`);
    else action = spec.action;
    out.action = action;
  }
  const provider = c.object(spec.provider, [...p, 'provider'], 'provider');
  if (provider !== undefined) {
    c.keys(provider, [...p, 'provider'], ['name'], 'provider');
    const name = c.string(provider.name, [...p, 'provider', 'name'], 'provider.name', true);
    if (action !== 'CUSTOM') c.error([...p, 'provider'], 'provider is only allowed with action: CUSTOM');
    if (name !== undefined) out.provider = { name };
  } else if (action === 'CUSTOM') {
    c.error([...p, 'provider'], 'action: CUSTOM requires provider.name (the external authorizer to ask)');
  }
  const rules = c.list(spec.rules, [...p, 'rules'], 'rules');
  if (rules !== undefined) out.rules = rules.map((r, i) => rule(c, r, [...p, 'rules', i]));
  return out;
}

function rule(c: Checker, value: unknown, path: FieldPath): Record<string, unknown> {
  const obj = c.object(value, path, 'a rule') ?? {};
  c.keys(obj, path, ['from', 'to', 'when'], 'rule');
  const out: Record<string, unknown> = {};
  const from = c.list(obj.from, [...path, 'from'], 'from');
  if (from !== undefined) {
    out.from = from.map((f, i) => {
      const fp = [...path, 'from', i];
      const fo = c.object(f, fp, 'from entry') ?? {};
      c.keys(fo, fp, ['source'], 'from entry');
      const src = c.object(fo.source, [...fp, 'source'], 'source') ?? {};
      const sp = [...fp, 'source'];
      c.keys(src, sp, SOURCE_FIELDS, 'source');
      const source: Record<string, string[]> = {};
      for (const field of SOURCE_FIELDS) {
        const check = field.toLowerCase().includes('ipblocks')
          ? checkCidr
          : field.toLowerCase().includes('serviceaccounts')
            ? checkServiceAccount
            : undefined;
        const list = c.strings(src[field], [...sp, field], field, check);
        if (list !== undefined) source[field] = list;
      }
      return { source };
    });
  }
  const to = c.list(obj.to, [...path, 'to'], 'to');
  if (to !== undefined) {
    out.to = to.map((t, i) => {
      const tp = [...path, 'to', i];
      const to = c.object(t, tp, 'to entry') ?? {};
      c.keys(to, tp, ['operation'], 'to entry');
      const op = c.object(to.operation, [...tp, 'operation'], 'operation') ?? {};
      const opp = [...tp, 'operation'];
      c.keys(op, opp, OPERATION_FIELDS, 'operation');
      const operation: Record<string, string[]> = {};
      for (const field of OPERATION_FIELDS) {
        const isPort = field === 'ports' || field === 'notPorts';
        const isPath = field === 'paths' || field === 'notPaths';
        const list = c.strings(
          isPort ? portsAsStrings(op[field]) : op[field],
          [...opp, field],
          field,
          isPort ? checkPort : isPath ? checkPath : undefined,
        );
        if (list !== undefined) operation[field] = list;
      }
      return { operation };
    });
  }
  const when = c.list(obj.when, [...path, 'when'], 'when');
  if (when !== undefined) {
    out.when = when.map((w, i) => {
      const wp = [...path, 'when', i];
      const cond = c.object(w, wp, 'condition') ?? {};
      c.keys(cond, wp, ['key', 'values', 'notValues'], 'condition');
      const key = c.string(cond.key, [...wp, 'key'], 'key', true);
      let check: ((v: string) => string | undefined) | undefined;
      if (key !== undefined) {
        const parsed = parseConditionKey(key);
        if (typeof parsed === 'string') c.error([...wp, 'key'], parsed);
        else if (parsed.kind === 'simple')
          check = parsed.values === 'ip' ? checkCidr : parsed.values === 'port' ? checkPort : undefined;
      }
      const isPortKey = key === 'destination.port';
      const values = c.strings(
        isPortKey ? portsAsStrings(cond.values) : cond.values,
        [...wp, 'values'],
        'values',
        check,
      );
      const notValues = c.strings(
        isPortKey ? portsAsStrings(cond.notValues) : cond.notValues,
        [...wp, 'notValues'],
        'notValues',
        check,
      );
      if (
        (values?.length ?? 0) === 0 &&
        (notValues?.length ?? 0) === 0 &&
        cond.values === undefined &&
        cond.notValues === undefined
      ) {
        c.error(wp, 'a condition needs values or notValues');
      }
      const result: Record<string, unknown> = { key };
      if (values !== undefined) result.values = values;
      if (notValues !== undefined) result.notValues = notValues;
      return result;
    });
  }
  return out;
}

function jwtRule(c: Checker, value: unknown, path: FieldPath): Record<string, unknown> {
  const obj = c.object(value, path, 'a jwtRule') ?? {};
  c.keys(obj, path, JWT_RULE_FIELDS, 'jwtRule');
  const out: Record<string, unknown> = {};
  const issuer = c.string(obj.issuer, [...path, 'issuer'], 'issuer', true);
  if (issuer !== undefined) out.issuer = issuer;
  const audiences = c.strings(obj.audiences, [...path, 'audiences'], 'audiences');
  if (audiences !== undefined) out.audiences = audiences;
  const jwksUri = c.string(obj.jwksUri, [...path, 'jwksUri'], 'jwksUri');
  if (jwksUri !== undefined) {
    let ok = false;
    try {
      const u = new URL(jwksUri);
      ok = u.protocol === 'https:' || u.protocol === 'http:';
    } catch {
      /* reported below */
    }
    if (!ok) c.error([...path, 'jwksUri'], `jwksUri ${show(jwksUri)} is not an http(s) URL`);
    out.jwksUri = jwksUri;
  }
  const jwks = c.string(obj.jwks, [...path, 'jwks'], 'jwks');
  if (jwks !== undefined) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(jwks);
    } catch {
      parsed = undefined;
    }
    if (!isObject(parsed) || !Array.isArray(parsed.keys))
      c.error([...path, 'jwks'], 'jwks must be a JSON Web Key Set as a JSON string: {"keys":[...]}');
    out.jwks = jwks;
    if (jwksUri !== undefined)
      c.warn([...path, 'jwksUri'], 'both jwks and jwksUri are set: the inline jwks is used and jwksUri is ignored');
  }
  const headers = c.list(obj.fromHeaders, [...path, 'fromHeaders'], 'fromHeaders');
  if (headers !== undefined) {
    out.fromHeaders = headers.map((h, i) => {
      const hp = [...path, 'fromHeaders', i];
      // Istio's own JWTRule example writes `fromHeaders: ["x-goog-iap-jwt-assertion"]`: accept a
      // bare string as `{ name }`.
      const ho = typeof h === 'string' ? { name: h } : (c.object(h, hp, 'fromHeaders entry') ?? {});
      c.keys(ho, hp, ['name', 'prefix'], 'fromHeaders entry');
      const name = c.string(ho.name, [...hp, 'name'], 'name', true);
      if (name !== undefined && !HEADER_NAME.test(name))
        c.error([...hp, 'name'], `${show(name)} is not a valid header name`);
      let prefix: string | undefined;
      if (ho.prefix !== undefined && ho.prefix !== null) {
        if (typeof ho.prefix !== 'string') c.error([...hp, 'prefix'], 'prefix must be a string');
        else prefix = ho.prefix;
      }
      return prefix === undefined ? { name } : { name, prefix };
    });
  }
  const params = c.strings(obj.fromParams, [...path, 'fromParams'], 'fromParams');
  if (params !== undefined) out.fromParams = params;
  const cookies = c.strings(obj.fromCookies, [...path, 'fromCookies'], 'fromCookies');
  if (cookies !== undefined) out.fromCookies = cookies;
  const payloadHeader = c.string(
    obj.outputPayloadToHeader,
    [...path, 'outputPayloadToHeader'],
    'outputPayloadToHeader',
  );
  if (payloadHeader !== undefined) {
    if (!HEADER_NAME.test(payloadHeader))
      c.error([...path, 'outputPayloadToHeader'], `${show(payloadHeader)} is not a valid header name`);
    out.outputPayloadToHeader = payloadHeader;
  }
  if (obj.forwardOriginalToken !== undefined && obj.forwardOriginalToken !== null) {
    if (typeof obj.forwardOriginalToken !== 'boolean')
      c.error([...path, 'forwardOriginalToken'], 'forwardOriginalToken must be true or false');
    else out.forwardOriginalToken = obj.forwardOriginalToken;
  }
  const claims = c.list(obj.outputClaimToHeaders, [...path, 'outputClaimToHeaders'], 'outputClaimToHeaders');
  if (claims !== undefined) {
    out.outputClaimToHeaders = claims.map((h, i) => {
      const hp = [...path, 'outputClaimToHeaders', i];
      const ho = c.object(h, hp, 'outputClaimToHeaders entry') ?? {};
      c.keys(ho, hp, ['header', 'claim'], 'outputClaimToHeaders entry');
      const header = c.string(ho.header, [...hp, 'header'], 'header', true);
      if (header !== undefined && !HEADER_NAME.test(header))
        c.error([...hp, 'header'], `${show(header)} is not a valid header name`);
      const claim = c.string(ho.claim, [...hp, 'claim'], 'claim', true);
      return { header, claim };
    });
  }
  const timeout = c.string(obj.timeout, [...path, 'timeout'], 'timeout');
  if (timeout !== undefined) {
    if (!DURATION.test(timeout))
      c.error([...path, 'timeout'], `timeout ${show(timeout)} is not a duration like "5s" or "500ms"`);
    out.timeout = timeout;
  }
  return out;
}

function authenticationSpec(c: Checker, spec: Record<string, unknown>): Record<string, unknown> {
  const p: FieldPath = ['spec'];
  c.keys(spec, p, ['selector', 'jwtRules', 'targetRef', 'targetRefs'], 'RequestAuthentication spec');
  rejectTargetRefs(c, spec, p);
  const out: Record<string, unknown> = {};
  const sel = selector(c, spec.selector, [...p, 'selector']);
  if (sel !== undefined) out.selector = sel;
  const rules = c.list(spec.jwtRules, [...p, 'jwtRules'], 'jwtRules');
  if (rules !== undefined) out.jwtRules = rules.map((r, i) => jwtRule(c, r, [...p, 'jwtRules', i]));
  return out;
}

/** Validates one document given as a plain value (parsed YAML/JSON or built in code). */
export function validateDocument(value: unknown, source?: PolicySourceLocation): ValidationResult {
  const c = new Checker();
  const done = (document: PolicyDocument | undefined, skipped?: string): ValidationResult => ({
    document: c.issues.length === 0 && skipped === undefined ? document : undefined,
    issues: c.issues,
    warnings: c.warnings,
    skipped,
  });
  if (!isObject(value)) {
    c.error([], 'a policy document must be a mapping with apiVersion, kind, metadata and spec');
    return done(undefined);
  }
  const kind = value.kind;
  if (typeof kind !== 'string' || !KINDS.has(kind)) {
    if (typeof kind === 'string' && kind.length > 0)
      return done(undefined, `kind ${kind} is not a policy Tessera reads`);
    c.error(['kind'], 'kind must be AuthorizationPolicy or RequestAuthentication');
    return done(undefined);
  }
  const apiVersion = value.apiVersion;
  if (typeof apiVersion !== 'string' || !SUPPORTED_API_VERSIONS.has(apiVersion)) {
    c.error(
      ['apiVersion'],
      `apiVersion must be security.istio.io/v1 or security.istio.io/v1beta1 (got ${show(apiVersion)})`,
    );
  }
  // `source` is Tessera's own note of where a document was read (set by the loader).
  c.keys(value, [], ['apiVersion', 'kind', 'metadata', 'spec', 'status', 'source'], kind);
  const metadata = c.object(value.metadata, ['metadata'], 'metadata');
  const meta: Record<string, unknown> = {};
  if (metadata === undefined) c.error(['metadata'], 'metadata.name is required');
  else {
    const name = c.string(metadata.name, ['metadata', 'name'], 'metadata.name', true);
    if (name !== undefined) {
      if (name.includes('/')) c.error(['metadata', 'name'], 'metadata.name must not contain "/"');
      meta.name = name;
    }
    const namespace = c.string(metadata.namespace, ['metadata', 'namespace'], 'metadata.namespace');
    if (namespace !== undefined) {
      if (namespace.includes('/')) c.error(['metadata', 'namespace'], 'metadata.namespace must not contain "/"');
      meta.namespace = namespace;
    }
    const annotations = c.stringMap(metadata.annotations, ['metadata', 'annotations'], 'metadata.annotations');
    if (annotations !== undefined) {
      meta.annotations = annotations;
      const dry = annotations[DRY_RUN_ANNOTATION];
      if (dry !== undefined && dry !== 'true' && dry !== 'false')
        c.error(['metadata', 'annotations', DRY_RUN_ANNOTATION], `${DRY_RUN_ANNOTATION} must be "true" or "false"`);
      if (dry !== undefined && kind === 'RequestAuthentication')
        c.warn(
          ['metadata', 'annotations', DRY_RUN_ANNOTATION],
          `${DRY_RUN_ANNOTATION} has no effect on a RequestAuthentication`,
        );
    }
    const labels = c.stringMap(metadata.labels, ['metadata', 'labels'], 'metadata.labels');
    if (labels !== undefined) meta.labels = labels;
  }
  // `spec: {}` and a missing or null spec mean the same: no selector, no rules.
  const spec = value.spec === undefined || value.spec === null ? {} : (c.object(value.spec, ['spec'], 'spec') ?? {});
  const cleanSpec = kind === 'AuthorizationPolicy' ? authorizationSpec(c, spec) : authenticationSpec(c, spec);
  const document = {
    apiVersion,
    kind,
    metadata: meta,
    spec: cleanSpec,
    ...(source === undefined ? {} : { source }),
  } as unknown as PolicyDocument;
  return done(deepFreeze(document));
}

/** `spec.rules[0].to[1]` from `['spec', 'rules', 0, 'to', 1]`. */
export function formatFieldPath(path: FieldPath): string {
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : out.length === 0 ? p : `.${p}`;
  return out.length === 0 ? '(document)' : out;
}
