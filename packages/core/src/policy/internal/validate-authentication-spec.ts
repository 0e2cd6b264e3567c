// RequestAuthentication `spec` validation. Every value is built as the type types.ts declares, so
// the compiler checks the validator's output against the public types.
import type { ClaimToHeader, JwtHeaderLocation, JwtRule, RequestAuthenticationSpec } from '../types.js';
import {
  fieldsOf,
  HEADER_NAME,
  isObject,
  show,
  type Draft,
  type FieldChecker,
  type FieldPath,
} from './field-checker.js';
import { rejectTargetRefs, validateSelector } from './validate-selector.js';

/** Istio's CRD bound on `spaceDelimitedClaims` (`maxItems: 64`). */
const MAX_SPACE_DELIMITED_CLAIMS = 64;

/** Go's `time.ParseDuration` syntax, as Istio reads `timeout`. */
const DURATION = /^(?:\d+(?:\.\d+)?(?:h|m|s|ms|us|µs|ns))+$/;

const SPEC_FIELDS = [...fieldsOf<RequestAuthenticationSpec>()(['selector', 'jwtRules']), 'targetRef', 'targetRefs'];
const JWT_RULE_FIELDS = fieldsOf<JwtRule>()([
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
  'spaceDelimitedClaims',
]);
const HEADER_LOCATION_FIELDS = fieldsOf<JwtHeaderLocation>()(['name', 'prefix']);
const CLAIM_TO_HEADER_FIELDS = fieldsOf<ClaimToHeader>()(['header', 'claim']);

function headerLocation(c: FieldChecker, value: unknown, path: FieldPath): JwtHeaderLocation | undefined {
  // Istio's own JWTRule example writes `fromHeaders: ["x-goog-iap-jwt-assertion"]`: accept a
  // bare string as `{ name }`.
  const ho = typeof value === 'string' ? { name: value } : (c.object(value, path, 'fromHeaders entry') ?? {});
  c.keys(ho, path, HEADER_LOCATION_FIELDS, 'fromHeaders entry');
  const name = c.string(ho.name, [...path, 'name'], 'name', true);
  if (name !== undefined && !HEADER_NAME.test(name))
    c.error([...path, 'name'], `${show(name)} is not a valid header name`);
  let prefix: string | undefined;
  if (ho.prefix !== undefined && ho.prefix !== null) {
    if (typeof ho.prefix !== 'string') c.error([...path, 'prefix'], 'prefix must be a string');
    else prefix = ho.prefix;
  }
  if (name === undefined) return undefined; // reported: name is required
  return prefix === undefined ? { name } : { name, prefix };
}

function claimToHeader(c: FieldChecker, value: unknown, path: FieldPath): ClaimToHeader | undefined {
  const ho = c.object(value, path, 'outputClaimToHeaders entry') ?? {};
  c.keys(ho, path, CLAIM_TO_HEADER_FIELDS, 'outputClaimToHeaders entry');
  const header = c.string(ho.header, [...path, 'header'], 'header', true);
  if (header !== undefined && !HEADER_NAME.test(header))
    c.error([...path, 'header'], `${show(header)} is not a valid header name`);
  const claim = c.string(ho.claim, [...path, 'claim'], 'claim', true);
  if (header === undefined || claim === undefined) return undefined; // reported: both are required
  return { header, claim };
}

function headerName(c: FieldChecker, value: unknown, path: FieldPath, what: string): string | undefined {
  const name = c.string(value, path, what);
  if (name !== undefined && !HEADER_NAME.test(name)) c.error(path, `${show(name)} is not a valid header name`);
  return name;
}

function jwtRule(c: FieldChecker, value: unknown, path: FieldPath): JwtRule | undefined {
  const obj = c.object(value, path, 'a jwtRule') ?? {};
  c.keys(obj, path, JWT_RULE_FIELDS, 'jwtRule');
  const issuer = c.string(obj.issuer, [...path, 'issuer'], 'issuer', true);
  const out: Partial<Draft<JwtRule>> = {};
  // `issuer` first, as in the file: `out` keeps the field order of Istio's JWTRule.
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
  const fromHeaders = c.items(obj.fromHeaders, [...path, 'fromHeaders'], 'fromHeaders', (h, at) =>
    headerLocation(c, h, at),
  );
  if (fromHeaders !== undefined) out.fromHeaders = fromHeaders;
  const fromParams = c.strings(obj.fromParams, [...path, 'fromParams'], 'fromParams');
  if (fromParams !== undefined) out.fromParams = fromParams;
  const fromCookies = c.strings(obj.fromCookies, [...path, 'fromCookies'], 'fromCookies');
  if (fromCookies !== undefined) out.fromCookies = fromCookies;
  const payloadHeader = headerName(
    c,
    obj.outputPayloadToHeader,
    [...path, 'outputPayloadToHeader'],
    'outputPayloadToHeader',
  );
  if (payloadHeader !== undefined) out.outputPayloadToHeader = payloadHeader;
  if (obj.forwardOriginalToken !== undefined && obj.forwardOriginalToken !== null) {
    if (typeof obj.forwardOriginalToken !== 'boolean')
      c.error([...path, 'forwardOriginalToken'], 'forwardOriginalToken must be true or false');
    else out.forwardOriginalToken = obj.forwardOriginalToken;
  }
  const claimHeaders = c.items(
    obj.outputClaimToHeaders,
    [...path, 'outputClaimToHeaders'],
    'outputClaimToHeaders',
    (h, at) => claimToHeader(c, h, at),
  );
  if (claimHeaders !== undefined) out.outputClaimToHeaders = claimHeaders;
  const timeout = c.string(obj.timeout, [...path, 'timeout'], 'timeout');
  if (timeout !== undefined) {
    if (!DURATION.test(timeout))
      c.error([...path, 'timeout'], `timeout ${show(timeout)} is not a duration like "5s" or "500ms"`);
    out.timeout = timeout;
  }
  // Each entry is checked non-empty (Istio's `minLength: 1`): an empty name would match no claim
  // and hide a typo.
  const delimited = c.strings(obj.spaceDelimitedClaims, [...path, 'spaceDelimitedClaims'], 'spaceDelimitedClaims');
  if (delimited !== undefined) {
    if (delimited.length > MAX_SPACE_DELIMITED_CLAIMS)
      c.error(
        [...path, 'spaceDelimitedClaims'],
        `spaceDelimitedClaims lists ${delimited.length} claims; at most ${MAX_SPACE_DELIMITED_CLAIMS} (Istio's limit)`,
      );
    out.spaceDelimitedClaims = delimited;
  }
  if (out.issuer === undefined) return undefined; // reported: issuer is required
  return { ...out, issuer: out.issuer };
}

/**
 * Validates a RequestAuthentication `spec` (Istio field names): unknown fields, `targetRef(s)`,
 * the selector and every JWT rule, recording each problem on `c`.
 */
export function validateAuthenticationSpec(c: FieldChecker, spec: Record<string, unknown>): RequestAuthenticationSpec {
  const p: FieldPath = ['spec'];
  c.keys(spec, p, SPEC_FIELDS, 'RequestAuthentication spec');
  rejectTargetRefs(c, spec, p);
  const out: Draft<RequestAuthenticationSpec> = {};
  const selector = validateSelector(c, spec.selector, [...p, 'selector']);
  if (selector !== undefined) out.selector = selector;
  const jwtRules = c.items(spec.jwtRules, [...p, 'jwtRules'], 'jwtRules', (r, at) => jwtRule(c, r, at));
  if (jwtRules !== undefined) out.jwtRules = jwtRules;
  return out;
}
