// Validation of Istio security documents, by hand rather than with a schema library so every
// problem carries the exact field path the loader turns into a file line (ARCHITECTURE.md,
// "Configuration"). Fields Istio has but Tessera cannot honour are rejected, never ignored: a policy
// silently applied more widely (or not at all) than written is a security bug. The validators build
// their output as the types of types.ts declare them, so the compiler checks one against the other.
import type {
  AuthorizationPolicyDocument,
  PolicyDocument,
  PolicyMetadata,
  PolicySourceLocation,
  RequestAuthenticationDocument,
} from '../types.js';
import { FieldChecker, fieldsOf, isObject, show, type Draft, type RawIssue } from './field-checker.js';
import { validateAuthenticationSpec } from './validate-authentication-spec.js';
import { validateAuthorizationSpec } from './validate-authorization-spec.js';

/** What {@link validateDocument} found. */
export interface ValidationResult {
  /** The cleaned, frozen document; undefined when there are issues or the document was skipped. */
  readonly document: PolicyDocument | undefined;
  readonly issues: readonly RawIssue[];
  readonly warnings: readonly RawIssue[];
  /** Set when the document is of another kind (e.g. a Deployment in the same file) and was skipped. */
  readonly skipped: string | undefined;
}

type ApiVersion = PolicyDocument['apiVersion'];

/** The `apiVersion`s Tessera reads. */
export const SUPPORTED_API_VERSIONS: ReadonlySet<string> = new Set<ApiVersion>([
  'security.istio.io/v1',
  'security.istio.io/v1beta1',
]);
/** The Istio annotation that makes a policy report instead of enforce. */
export const DRY_RUN_ANNOTATION = 'istio.io/dry-run';

// `source` is Tessera's own note of where a document was read (set by the loader); `status` is
// what Kubernetes adds to a stored resource.
const DOCUMENT_FIELDS = [
  ...fieldsOf<Record<keyof AuthorizationPolicyDocument | keyof RequestAuthenticationDocument, unknown>>()([
    'apiVersion',
    'kind',
    'metadata',
    'spec',
    'source',
  ]),
  'status',
];
const isApiVersion = (v: unknown): v is ApiVersion => typeof v === 'string' && SUPPORTED_API_VERSIONS.has(v);

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

function metadata(c: FieldChecker, value: unknown, kind: PolicyDocument['kind']): PolicyMetadata | undefined {
  const obj = c.object(value, ['metadata'], 'metadata');
  if (obj === undefined) {
    c.error(['metadata'], 'metadata.name is required');
    return undefined;
  }
  const name = c.string(obj.name, ['metadata', 'name'], 'metadata.name', true);
  if (name?.includes('/')) c.error(['metadata', 'name'], 'metadata.name must not contain "/"');
  const out: Partial<Draft<PolicyMetadata>> = {};
  if (name !== undefined) out.name = name;
  const namespace = c.string(obj.namespace, ['metadata', 'namespace'], 'metadata.namespace');
  if (namespace !== undefined) {
    if (namespace.includes('/')) c.error(['metadata', 'namespace'], 'metadata.namespace must not contain "/"');
    out.namespace = namespace;
  }
  const annotations = c.stringMap(obj.annotations, ['metadata', 'annotations'], 'metadata.annotations');
  if (annotations !== undefined) {
    out.annotations = annotations;
    const dry = annotations[DRY_RUN_ANNOTATION];
    if (dry !== undefined && dry !== 'true' && dry !== 'false')
      c.error(['metadata', 'annotations', DRY_RUN_ANNOTATION], `${DRY_RUN_ANNOTATION} must be "true" or "false"`);
    if (dry !== undefined && kind === 'RequestAuthentication')
      c.warn(
        ['metadata', 'annotations', DRY_RUN_ANNOTATION],
        `${DRY_RUN_ANNOTATION} has no effect on a RequestAuthentication`,
      );
  }
  const labels = c.stringMap(obj.labels, ['metadata', 'labels'], 'metadata.labels');
  if (labels !== undefined) out.labels = labels;
  if (out.name === undefined) return undefined; // reported: name is required
  return { ...out, name: out.name };
}

/** Validates one document given as a plain value (parsed YAML/JSON or built in code). */
export function validateDocument(value: unknown, source?: PolicySourceLocation): ValidationResult {
  const c = new FieldChecker();
  const done = (document: PolicyDocument | undefined, skipped?: string): ValidationResult => ({
    document:
      c.issues.length === 0 && skipped === undefined && document !== undefined ? deepFreeze(document) : undefined,
    issues: c.issues,
    warnings: c.warnings,
    skipped,
  });
  if (!isObject(value)) {
    c.error([], 'a policy document must be a mapping with apiVersion, kind, metadata and spec');
    return done(undefined);
  }
  const kind = value.kind;
  if (kind !== 'AuthorizationPolicy' && kind !== 'RequestAuthentication') {
    if (typeof kind === 'string' && kind.length > 0)
      return done(undefined, `kind ${kind} is not a policy Tessera reads`);
    c.error(['kind'], 'kind must be AuthorizationPolicy or RequestAuthentication');
    return done(undefined);
  }
  const apiVersion = value.apiVersion;
  if (!isApiVersion(apiVersion))
    c.error(
      ['apiVersion'],
      `apiVersion must be security.istio.io/v1 or security.istio.io/v1beta1 (got ${show(apiVersion)})`,
    );
  c.keys(value, [], DOCUMENT_FIELDS, kind);
  const meta = metadata(c, value.metadata, kind);
  // `spec: {}` and a missing or null spec mean the same: no selector, no rules.
  const spec = value.spec === undefined || value.spec === null ? {} : (c.object(value.spec, ['spec'], 'spec') ?? {});
  const at = source === undefined ? {} : { source };
  if (kind === 'AuthorizationPolicy') {
    const clean = validateAuthorizationSpec(c, spec);
    if (!isApiVersion(apiVersion) || meta === undefined) return done(undefined); // both reported above
    return done({ apiVersion, kind, metadata: meta, spec: clean, ...at });
  }
  const clean = validateAuthenticationSpec(c, spec);
  if (!isApiVersion(apiVersion) || meta === undefined) return done(undefined); // both reported above
  return done({ apiVersion, kind, metadata: meta, spec: clean, ...at });
}
