// The JWT policy form's YAML, written by hand. Every scalar (and every key that comes from the
// user) is written with JSON.stringify: JSON is valid YAML 1.2, so a JSON-quoted string can never
// be read as anything else (`no`, `on`, `1e3`, `null`, a `#` comment, a `: ` that starts a
// mapping) by any YAML reader, Istio's YAML 1.1 one included, and the console's bundle needs no
// YAML library. The YAML is Istio's own field names only: `tessera policy lint` rejects any other.
import {
  claimConditionKey,
  durationMs,
  inlineJwks,
  parseLabels,
  type ClaimHeaderRow,
  type PolicyForm,
} from './policy-form';
import { listOf } from './format';

/** A comment line in the YAML (the emitter writes it `# …` at its place in the mapping). */
class Comment {
  constructor(readonly text: string) {}
}

type Value = string | number | boolean | Comment | readonly Value[] | { readonly [key: string]: Value | undefined };

/** The keys this file writes itself, left plain for readability; any other key (a label) is quoted. */
const PLAIN_KEYS: ReadonlySet<string> = new Set([
  'apiVersion',
  'kind',
  'metadata',
  'name',
  'namespace',
  'spec',
  'selector',
  'matchLabels',
  'jwtRules',
  'issuer',
  'jwksUri',
  'jwks',
  'audiences',
  'fromHeaders',
  'prefix',
  'forwardOriginalToken',
  'outputClaimToHeaders',
  'header',
  'claim',
  'timeout',
  'action',
  'rules',
  'from',
  'source',
  'requestPrincipals',
  'notRequestPrincipals',
  'to',
  'operation',
  'hosts',
  'paths',
  'methods',
  'when',
  'key',
  'values',
  'notValues',
]);

const API_VERSION = 'security.istio.io/v1';

/**
 * A scalar in JSON syntax, which YAML 1.2 reads as the same value. JSON leaves DEL, the C1
 * controls and the Unicode line separators raw, and YAML does not allow them raw in a document:
 * they are escaped the JSON way too.
 *
 * @example
 * ```ts
 * yamlScalar('no'); // '"no"', a string, not YAML 1.1's false
 * ```
 */
export function yamlScalar(value: string | number | boolean): string {
  return JSON.stringify(value).replace(
    /[\u007f-\u009f\u2028\u2029]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

const keyOf = (key: string) => (PLAIN_KEYS.has(key) ? key : yamlScalar(key));
const isScalar = (v: Value): v is string | number | boolean =>
  typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';
// A comment holds no user text but numbers and durations; newlines are cut anyway, so it stays one.
const commentLines = (c: Comment, pad: string) => c.text.split('\n').map((line) => `${pad}# ${line}`.trimEnd());

/** Block YAML lines of a mapping or sequence, `indent` spaces in. */
function emit(value: Value, indent: number): string[] {
  const pad = ' '.repeat(indent);
  if (Array.isArray(value)) {
    const lines: string[] = [];
    for (const item of value as readonly Value[]) {
      if (item instanceof Comment) lines.push(...commentLines(item, pad));
      else if (isScalar(item)) lines.push(`${pad}- ${yamlScalar(item)}`);
      else {
        // A mapping (or sequence) in a sequence: its first line goes after the dash.
        const inner = emit(item, indent + 2);
        const first = inner.findIndex((l) => !l.trimStart().startsWith('#'));
        lines.push(...inner.map((l, i) => (i === first ? `${pad}- ${l.slice(indent + 2)}` : l)));
      }
    }
    return lines;
  }
  const lines: string[] = [];
  for (const [key, item] of Object.entries(value as { readonly [key: string]: Value | undefined })) {
    if (item === undefined) continue;
    if (item instanceof Comment) lines.push(...commentLines(item, pad));
    else if (isScalar(item)) lines.push(`${pad}${keyOf(key)}: ${yamlScalar(item)}`);
    else if (Array.isArray(item) ? item.length === 0 : Object.keys(item).length === 0)
      lines.push(`${pad}${keyOf(key)}: ${Array.isArray(item) ? '[]' : '{}'}`);
    else lines.push(`${pad}${keyOf(key)}:`, ...emit(item, indent + 2));
  }
  return lines;
}

/** `metadata`, with the namespace only when one is given. */
function metadata(form: PolicyForm): Value {
  const namespace = form.namespace.trim();
  return { name: form.name.trim(), namespace: namespace === '' ? undefined : namespace };
}

/** `selector`, or nothing for a namespace-wide policy (no labels). */
function selector(form: PolicyForm): Value | undefined {
  const labels = parseLabels(form.labels);
  return Object.keys(labels).length === 0 ? undefined : { matchLabels: labels };
}

/**
 * How the JWKS cache duration maps, as a comment: Istio's JWTRule has no field for it (the
 * linter would refuse one), so it is a setting of whoever fetches the keys.
 */
function cacheComment(form: PolicyForm): Comment | undefined {
  const text = form.cacheDuration.trim();
  const ms = durationMs(text);
  if (ms === undefined || form.jwksSource === 'inline') return undefined;
  return new Comment(
    `JWKS cache duration ${text}: Istio's JWTRule has no field for it.\n` +
      `Tessera's gateway: policies.jwks.cacheMaxAgeMs: ${Math.round(ms)} in its configuration\n` +
      `  (one setting for every remote JWKS).\n` +
      `Istio: istiod's PILOT_JWT_PUB_KEY_REFRESH_INTERVAL=${text} (how often it refetches jwksUri).`,
  );
}

function claimHeaders(rows: readonly ClaimHeaderRow[]): Value | undefined {
  const used = rows
    .map((r) => ({ header: r.header.trim(), claim: r.claim.trim() }))
    .filter((r) => r.header !== '' || r.claim !== '');
  return used.length === 0 ? undefined : used;
}

function requestAuthentication(form: PolicyForm): Value {
  const audiences = listOf(form.audiences);
  const jwks = form.jwksSource === 'inline' ? inlineJwks(form.jwks) : undefined;
  const tokenHeader = form.tokenHeader.trim();
  const timeout = form.timeout.trim();
  const rule: Value = {
    issuer: form.issuer.trim(),
    jwksUri: form.jwksSource === 'uri' ? form.jwksUri.trim() : undefined,
    // A JWKS that does not parse is written as typed, so the linter says where it is wrong.
    jwks: jwks === undefined ? undefined : typeof jwks === 'string' ? jwks : form.jwks,
    cache: cacheComment(form),
    audiences: audiences.length === 0 ? undefined : audiences,
    fromHeaders:
      tokenHeader === ''
        ? undefined
        : [form.tokenPrefix === '' ? { name: tokenHeader } : { name: tokenHeader, prefix: form.tokenPrefix }],
    forwardOriginalToken: form.forwardOriginalToken,
    outputClaimToHeaders: claimHeaders(form.claimHeaders),
    timeout: timeout === '' ? undefined : timeout,
  };
  return {
    apiVersion: API_VERSION,
    kind: 'RequestAuthentication',
    metadata: metadata(form),
    spec: { selector: selector(form), jwtRules: [rule] },
  };
}

/** `to`: one operation with the hosts, paths and methods given, or nothing (every request). */
function operations(form: PolicyForm): Value | undefined {
  const operation = {
    hosts: nonEmpty(listOf(form.hosts)),
    paths: nonEmpty(listOf(form.paths)),
    methods: nonEmpty(listOf(form.methods)),
  };
  return Object.values(operation).every((v) => v === undefined) ? undefined : [{ operation }];
}

function claimConditions(form: PolicyForm, field: 'values' | 'notValues'): Value[] {
  return form.requiredClaims
    .filter((r) => r.claim.trim() !== '' || r.values.trim() !== '')
    .map((r) => ({ key: claimConditionKey(r.claim), [field]: listOf(r.values) }));
}

function authorizationPolicy(form: PolicyForm): Value {
  // `iss/sub` of any subject of this issuer: what requestPrincipals match.
  const principals = [`${form.issuer.trim()}/*`];
  const to = operations(form);
  let rules: Value[];
  if (form.authorization === 'allow') {
    const when = claimConditions(form, 'values');
    rules = [
      {
        from: [{ source: { requestPrincipals: principals } }],
        to,
        when: when.length === 0 ? undefined : when,
      },
    ];
  } else {
    // Rules of a DENY policy are alternatives: no token of this issuer, or (each) a claim without
    // an accepted value, each on the same hosts and paths.
    rules = [
      { from: [{ source: { notRequestPrincipals: principals } }], to },
      ...claimConditions(form, 'notValues').map((condition) => ({ to, when: [condition] })),
    ];
  }
  return {
    apiVersion: API_VERSION,
    kind: 'AuthorizationPolicy',
    metadata: metadata(form),
    spec: { selector: selector(form), action: form.authorization === 'allow' ? 'ALLOW' : 'DENY', rules },
  };
}

function nonEmpty(list: readonly string[]): readonly string[] | undefined {
  return list.length === 0 ? undefined : list;
}

/**
 * The form as Istio YAML: a `RequestAuthentication` (one JWT rule) and, when asked, the matching
 * `AuthorizationPolicy`, as two documents `tessera policy lint` and Istio both read. Pure: the
 * same form always gives the same text.
 *
 * @example
 * ```ts
 * const text = policyYaml({ ...EMPTY_POLICY_FORM, labels: 'app=orders', issuer: 'https://auth.example', jwksUri: 'https://auth.example/jwks' });
 * download('require-jwt.yaml', text);
 * ```
 */
export function policyYaml(form: PolicyForm): string {
  const documents = [requestAuthentication(form)];
  if (form.authorization !== 'none') documents.push(authorizationPolicy(form));
  const header = [
    "# Written by the Tessera console's JWT policy form. Check it with `tessera policy lint`;",
    "# try it in the console's policy simulator or with `tessera policy check`.",
  ];
  return `${header.join('\n')}\n${documents.map((d) => emit(d, 0).join('\n')).join('\n---\n')}\n`;
}
