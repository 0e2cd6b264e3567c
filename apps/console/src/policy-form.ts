import { listOf } from './format';

/** One `outputClaimToHeaders` entry of the form: copy this claim of a verified token into this request header. */
export interface ClaimHeaderRow {
  readonly header: string;
  readonly claim: string;
}

/** One claim the AuthorizationPolicy requires: the claim and its accepted values (one a line, or comma-separated). */
export interface ClaimRequirementRow {
  readonly claim: string;
  readonly values: string;
}

/**
 * What the JWT policy form holds, as typed (lists are text, one value a line): {@link policyYaml}
 * turns it into Istio YAML, {@link policyFormProblems} says what is missing or malformed.
 */
export interface PolicyForm {
  /** `metadata.name` of both documents. */
  readonly name: string;
  /** `metadata.namespace`; empty leaves it out (the gateway's default namespace, like `kubectl apply`). */
  readonly namespace: string;
  /** `selector.matchLabels` as `key=value` lines: the routes (or workloads) the policies apply to; empty = the whole namespace. */
  readonly labels: string;
  readonly issuer: string;
  /** Where the verification keys come from: a JWKS address, a pasted set, or the issuer's OpenID discovery document. */
  readonly jwksSource: 'uri' | 'inline' | 'discovery';
  readonly jwksUri: string;
  /** The pasted JWKS, as JSON text. */
  readonly jwks: string;
  readonly audiences: string;
  /** Pass the token through to the backend (`true`) or strip it once verified (`false`, Istio's default). */
  readonly forwardOriginalToken: boolean;
  readonly claimHeaders: readonly ClaimHeaderRow[];
  /** The header the token is read from; empty = `Authorization: Bearer …` (Istio's default). */
  readonly tokenHeader: string;
  readonly tokenPrefix: string;
  /** How long fetched keys are used before they are fetched again (a Go duration); empty = the gateway's default. */
  readonly cacheDuration: string;
  /** JWKS fetch timeout (`timeout`, a Go duration); empty = 5s. */
  readonly timeout: string;
  /**
   * The AuthorizationPolicy written with the RequestAuthentication: none; `allow` (only requests
   * with a token of this issuer, to these hosts and paths, with these claims, reach the routes);
   * `require` (requests to these hosts and paths without such a token, or without these claims,
   * are denied; others are left to other policies).
   */
  readonly authorization: 'none' | 'allow' | 'require';
  readonly hosts: string;
  readonly paths: string;
  readonly methods: string;
  readonly requiredClaims: readonly ClaimRequirementRow[];
}

/** A problem of the form, on one of its fields (`claimHeaders.1.header` for a row's field). */
export interface PolicyFormProblem {
  readonly field: string;
  readonly message: string;
}

/** A new form: one route label to fill in, keys by address, the token stripped, no AuthorizationPolicy. */
export const EMPTY_POLICY_FORM: PolicyForm = {
  name: 'require-jwt',
  namespace: 'default',
  labels: 'app=',
  issuer: '',
  jwksSource: 'uri',
  jwksUri: '',
  jwks: '',
  audiences: '',
  forwardOriginalToken: false,
  claimHeaders: [],
  tokenHeader: '',
  tokenPrefix: '',
  cacheDuration: '',
  timeout: '',
  authorization: 'none',
  hosts: '',
  paths: '',
  methods: '',
  requiredClaims: [],
};

/** The gateway's bounds on `policies.jwks.cacheMaxAgeMs` (its configuration schema). */
export const CACHE_MAX_AGE_BOUNDS_MS = { min: 1_000, max: 86_400_000 } as const;

// Go's time.ParseDuration syntax, as Istio reads `timeout` (core's validator uses the same one).
const DURATION = /^(?:\d+(?:\.\d+)?(?:h|m|s|ms|us|µs|ns))+$/;
const DURATION_PART = /(\d+(?:\.\d+)?)(ms|us|µs|ns|h|m|s)/g;
const UNIT_MS: Readonly<Record<string, number>> = {
  h: 3_600_000,
  m: 60_000,
  s: 1000,
  ms: 1,
  us: 0.001,
  µs: 0.001,
  ns: 0.000_001,
};
// RFC 9110 token characters: what core accepts as a header name.
const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const LABEL_KEY = /^(?:[a-z0-9]([-a-z0-9.]*[a-z0-9])?\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;

/**
 * Milliseconds of a Go duration (`90s`, `1h30m`, `500ms`), or undefined when it is not one.
 *
 * @example
 * ```ts
 * durationMs('1h30m'); // 5_400_000
 * ```
 */
export function durationMs(text: string): number | undefined {
  if (!DURATION.test(text)) return undefined;
  let total = 0;
  for (const [, amount, unit] of text.matchAll(DURATION_PART)) total += Number(amount) * UNIT_MS[unit!]!;
  return total;
}

/**
 * `key=value` lines (or comma-separated pairs) as a map; malformed entries are left out (see
 * {@link policyFormProblems}), and so is a key with no value yet (`app=`, the form's start).
 *
 * @example
 * ```ts
 * parseLabels('app=orders\ntier=api'); // { app: 'orders', tier: 'api' }
 * ```
 */
export function parseLabels(text: string): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const pair of listOf(text)) {
    const eq = pair.indexOf('=');
    const key = pair.slice(0, eq).trim();
    const value = pair.slice(eq + 1).trim();
    if (eq > 0 && value !== '') labels[key] = value;
  }
  return labels;
}

/**
 * The `request.auth.claims[…]` key of a required claim: a name goes in one pair of brackets as it
 * is (dots included: `https://example.com/roles` is one claim, as Envoy reads it); a nested claim
 * is written as its bracketed path, `[realm_access][roles]`.
 *
 * @example
 * ```ts
 * claimConditionKey('groups'); // 'request.auth.claims[groups]'
 * ```
 */
export function claimConditionKey(claim: string): string {
  const name = claim.trim();
  return `request.auth.claims${name.startsWith('[') ? name : `[${name}]`}`;
}

/**
 * Everything the form still needs before its YAML is what was meant: required fields, malformed
 * addresses, durations, header names, JWKS text. The linter is the final word (the page runs it);
 * these are said next to the field, as the user types.
 *
 * @example
 * ```ts
 * policyFormProblems({ ...EMPTY_POLICY_FORM, issuer: '' }); // [{ field: 'issuer', message: 'The issuer is required.' }, ...]
 * ```
 */
export function policyFormProblems(form: PolicyForm): PolicyFormProblem[] {
  const problems: PolicyFormProblem[] = [];
  const add = (field: string, message: string) => problems.push({ field, message });
  if (form.name.trim() === '') add('name', 'A name is required.');
  else if (form.name.includes('/')) add('name', 'A name cannot contain "/".');
  if (form.namespace.includes('/')) add('namespace', 'A namespace cannot contain "/".');
  for (const pair of listOf(form.labels)) {
    const eq = pair.indexOf('=');
    if (eq <= 0) add('labels', `"${pair}" is not key=value.`);
    else if (!LABEL_KEY.test(pair.slice(0, eq).trim()))
      add('labels', `"${pair.slice(0, eq).trim()}" is not a label key.`);
  }
  if (form.issuer.trim() === '')
    add('issuer', 'The issuer is required: tokens are verified only for their own issuer.');
  if (form.jwksSource === 'uri') {
    const uri = form.jwksUri.trim();
    if (uri === '') add('jwksUri', 'The JWKS address is required (or paste the keys, or use discovery).');
    else if (!isHttpUrl(uri)) add('jwksUri', 'The JWKS address must be an http(s) URL.');
  } else if (form.jwksSource === 'inline') {
    const jwks = inlineJwks(form.jwks);
    if (typeof jwks !== 'string') add('jwks', jwks.problem);
  } else if (!isHttpUrl(form.issuer.trim()))
    add('issuer', 'Discovery reads <issuer>/.well-known/openid-configuration: the issuer must be an http(s) URL.');
  form.claimHeaders.forEach((row, i) => {
    if (row.header.trim() === '' && row.claim.trim() === '') return; // an empty row is left out
    if (!HEADER_NAME.test(row.header.trim())) add(`claimHeaders.${i}.header`, 'Not a valid header name.');
    if (row.claim.trim() === '') add(`claimHeaders.${i}.claim`, 'Which claim?');
  });
  if (form.tokenHeader.trim() !== '' && !HEADER_NAME.test(form.tokenHeader.trim()))
    add('tokenHeader', 'Not a valid header name.');
  if (form.timeout.trim() !== '' && durationMs(form.timeout.trim()) === undefined)
    add('timeout', 'A duration like 5s or 500ms.');
  const cache = form.cacheDuration.trim();
  if (cache !== '') {
    const ms = durationMs(cache);
    if (ms === undefined) add('cacheDuration', 'A duration like 10m or 1h.');
    else if (ms < CACHE_MAX_AGE_BOUNDS_MS.min || ms > CACHE_MAX_AGE_BOUNDS_MS.max)
      add('cacheDuration', "Between 1s and 24h (the gateway's bounds).");
    else if (form.jwksSource === 'inline') add('cacheDuration', 'Pasted keys are never fetched: nothing to cache.');
  }
  if (form.authorization !== 'none') {
    for (const path of listOf(form.paths))
      if (!path.startsWith('/') && !path.startsWith('*'))
        add('paths', `"${path}" must start with / (or * for a suffix).`);
    form.requiredClaims.forEach((row, i) => {
      if (row.claim.trim() === '' && row.values.trim() === '') return;
      const key = claimConditionKey(row.claim);
      if (row.claim.trim() === '' || !/^request\.auth\.claims(\[[^[\]]+\])+$/.test(key))
        add(`requiredClaims.${i}.claim`, 'A claim name, or a nested path like [realm_access][roles].');
      if (listOf(row.values).length === 0) add(`requiredClaims.${i}.values`, 'At least one accepted value.');
    });
  }
  return problems;
}

/** The pasted JWKS as Istio's `jwks` string (compact JSON), or why it is not a key set. */
export function inlineJwks(text: string): string | { readonly problem: string } {
  if (text.trim() === '') return { problem: 'Paste the JSON Web Key Set: {"keys":[...]}.' };
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    return { problem: `Not JSON: ${(err as Error).message}` };
  }
  if (typeof parsed !== 'object' || parsed === null || !Array.isArray((parsed as { keys?: unknown }).keys))
    return { problem: 'A JSON Web Key Set is an object with a "keys" array.' };
  return JSON.stringify(parsed);
}

function isHttpUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return url.protocol === 'https:' || url.protocol === 'http:';
  } catch {
    return false;
  }
}
