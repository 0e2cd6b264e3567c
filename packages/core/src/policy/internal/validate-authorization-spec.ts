// AuthorizationPolicy `spec` validation. Every value is built as the type types.ts declares, so the
// compiler checks the validator's output against the public types.
import type {
  AuthorizationPolicySpec,
  PolicyAction,
  PolicyCondition,
  PolicyOperation,
  PolicyRule,
  PolicySource,
} from '../types.js';
import { parseConditionKey } from './condition-key.js';
import { fieldsOf, show, type Draft, type FieldChecker, type FieldPath } from './field-checker.js';
import { parseCidr } from './ip.js';
import { compilePathTemplate, isPathTemplate } from './string-match.js';
import { rejectTargetRefs, validateSelector } from './validate-selector.js';

const ACTIONS: ReadonlySet<string> = new Set<PolicyAction>(['ALLOW', 'DENY', 'AUDIT', 'CUSTOM']);
const isAction = (v: unknown): v is PolicyAction => typeof v === 'string' && ACTIONS.has(v);

const SPEC_FIELDS = [
  ...fieldsOf<AuthorizationPolicySpec>()(['selector', 'action', 'provider', 'rules']),
  'targetRef',
  'targetRefs',
];
const RULE_FIELDS = fieldsOf<PolicyRule>()(['from', 'to', 'when']);
const SOURCE_FIELDS = fieldsOf<PolicySource>()([
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
]);
const OPERATION_FIELDS = fieldsOf<PolicyOperation>()([
  'hosts',
  'notHosts',
  'ports',
  'notPorts',
  'methods',
  'notMethods',
  'paths',
  'notPaths',
]);
const CONDITION_FIELDS = fieldsOf<PolicyCondition>()(['key', 'values', 'notValues']);

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

function source(c: FieldChecker, value: unknown, path: FieldPath): { source: PolicySource } {
  const fo = c.object(value, path, 'from entry') ?? {};
  c.keys(fo, path, ['source'], 'from entry');
  const sp = [...path, 'source'];
  const src = c.object(fo.source, sp, 'source') ?? {};
  c.keys(src, sp, SOURCE_FIELDS, 'source');
  const out: Draft<PolicySource> = {};
  for (const field of SOURCE_FIELDS) {
    const check = field.toLowerCase().includes('ipblocks')
      ? checkCidr
      : field.toLowerCase().includes('serviceaccounts')
        ? checkServiceAccount
        : undefined;
    const list = c.strings(src[field], [...sp, field], field, check);
    if (list !== undefined) out[field] = list;
  }
  return { source: out };
}

function operation(c: FieldChecker, value: unknown, path: FieldPath): { operation: PolicyOperation } {
  const to = c.object(value, path, 'to entry') ?? {};
  c.keys(to, path, ['operation'], 'to entry');
  const opp = [...path, 'operation'];
  const op = c.object(to.operation, opp, 'operation') ?? {};
  c.keys(op, opp, OPERATION_FIELDS, 'operation');
  const out: Draft<PolicyOperation> = {};
  for (const field of OPERATION_FIELDS) {
    const isPort = field === 'ports' || field === 'notPorts';
    const isPath = field === 'paths' || field === 'notPaths';
    const list = c.strings(
      isPort ? portsAsStrings(op[field]) : op[field],
      [...opp, field],
      field,
      isPort ? checkPort : isPath ? checkPath : undefined,
    );
    if (list !== undefined) out[field] = list;
  }
  return { operation: out };
}

function condition(c: FieldChecker, value: unknown, path: FieldPath): PolicyCondition | undefined {
  const cond = c.object(value, path, 'condition') ?? {};
  c.keys(cond, path, CONDITION_FIELDS, 'condition');
  const key = c.string(cond.key, [...path, 'key'], 'key', true);
  let check: ((v: string) => string | undefined) | undefined;
  if (key !== undefined) {
    const parsed = parseConditionKey(key);
    if (typeof parsed === 'string') c.error([...path, 'key'], parsed);
    else if (parsed.kind === 'simple')
      check = parsed.values === 'ip' ? checkCidr : parsed.values === 'port' ? checkPort : undefined;
  }
  const isPortKey = key === 'destination.port';
  const values = c.strings(isPortKey ? portsAsStrings(cond.values) : cond.values, [...path, 'values'], 'values', check);
  const notValues = c.strings(
    isPortKey ? portsAsStrings(cond.notValues) : cond.notValues,
    [...path, 'notValues'],
    'notValues',
    check,
  );
  if (
    (values?.length ?? 0) === 0 &&
    (notValues?.length ?? 0) === 0 &&
    cond.values === undefined &&
    cond.notValues === undefined
  ) {
    c.error(path, 'a condition needs values or notValues');
  }
  if (key === undefined) return undefined; // reported: key is required
  const out: Draft<PolicyCondition> = { key };
  if (values !== undefined) out.values = values;
  if (notValues !== undefined) out.notValues = notValues;
  return out;
}

function rule(c: FieldChecker, value: unknown, path: FieldPath): PolicyRule {
  const obj = c.object(value, path, 'a rule') ?? {};
  c.keys(obj, path, RULE_FIELDS, 'rule');
  const out: Draft<PolicyRule> = {};
  const from = c.items(obj.from, [...path, 'from'], 'from', (f, at) => source(c, f, at));
  if (from !== undefined) out.from = from;
  const to = c.items(obj.to, [...path, 'to'], 'to', (t, at) => operation(c, t, at));
  if (to !== undefined) out.to = to;
  const when = c.items(obj.when, [...path, 'when'], 'when', (w, at) => condition(c, w, at));
  if (when !== undefined) out.when = when;
  return out;
}

/**
 * Validates an AuthorizationPolicy `spec` (Istio field names): unknown fields, `targetRef(s)`,
 * actions, `provider` only with CUSTOM, and every rule, recording each problem on `c`.
 */
export function validateAuthorizationSpec(c: FieldChecker, spec: Record<string, unknown>): AuthorizationPolicySpec {
  const p: FieldPath = ['spec'];
  c.keys(spec, p, SPEC_FIELDS, 'AuthorizationPolicy spec');
  rejectTargetRefs(c, spec, p);
  const out: Draft<AuthorizationPolicySpec> = {};
  const selector = validateSelector(c, spec.selector, [...p, 'selector']);
  if (selector !== undefined) out.selector = selector;
  let action: PolicyAction = 'ALLOW';
  if (spec.action !== undefined && spec.action !== null) {
    if (!isAction(spec.action))
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
  const rules = c.items(spec.rules, [...p, 'rules'], 'rules', (r, at) => rule(c, r, at));
  if (rules !== undefined) out.rules = rules;
  return out;
}
