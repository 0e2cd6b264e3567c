import { compileRule, EvalContext, explainRule, firstMatchingRule, type CompiledRule } from './matchers.js';
import { DRY_RUN_ANNOTATION } from './validate.js';
import type {
  AuthorizationPolicyDocument,
  CustomCheck,
  Decision,
  DecisionReason,
  DryRunResult,
  Explanation,
  Identity,
  PolicyAction,
  PolicyExplanation,
  PolicyRequest,
  PolicySourceLocation,
} from '../types.js';

/** A compiled AuthorizationPolicy. */
export interface CompiledPolicy {
  readonly id: string;
  readonly namespace: string;
  readonly action: PolicyAction;
  readonly dryRun: boolean;
  readonly provider: string | undefined;
  readonly matchLabels: readonly (readonly [string, string])[] | undefined;
  readonly rules: readonly CompiledRule[];
  readonly source: PolicySourceLocation | undefined;
}

/** The policies of one route, grouped the way they are evaluated. */
interface Selection {
  readonly custom: readonly CompiledPolicy[];
  readonly deny: readonly CompiledPolicy[];
  readonly allow: readonly CompiledPolicy[];
  readonly audit: readonly CompiledPolicy[];
  readonly dryRun: readonly CompiledPolicy[];
  /** Whether any enforced ALLOW, DENY or CUSTOM policy selects the route. */
  readonly enforced: boolean;
}

export interface AuthorizerOptions {
  readonly rootNamespace: string;
  readonly defaultNamespace: string;
  readonly defaultAction: 'allow' | 'deny';
}

const EMPTY_LABELS: Readonly<Record<string, string>> = Object.freeze({});
const NO_DRY_RUN: readonly DryRunResult[] = Object.freeze([]);
const NO_CUSTOM: readonly CustomCheck[] = Object.freeze([]);

export function compileAuthorizationPolicy(doc: AuthorizationPolicyDocument, defaultNamespace: string): CompiledPolicy {
  const spec = doc.spec ?? {};
  const namespace = doc.metadata.namespace ?? defaultNamespace;
  const labels = spec.selector?.matchLabels;
  return Object.freeze({
    id: `${namespace}/${doc.metadata.name}`,
    namespace,
    action: spec.action ?? 'ALLOW',
    dryRun: doc.metadata.annotations?.[DRY_RUN_ANNOTATION] === 'true',
    provider: spec.provider?.name,
    matchLabels:
      labels === undefined || Object.keys(labels).length === 0 ? undefined : Object.freeze(Object.entries(labels)),
    // `rules` absent or empty: the policy matches nothing (for ALLOW: allow-nothing).
    rules: Object.freeze((spec.rules ?? []).map(compileRule)),
    source: doc.source,
  });
}

/** Why `policy` does not apply to a route, or undefined when it does. */
export function notSelectedBecause(
  policy: { namespace: string; matchLabels: readonly (readonly [string, string])[] | undefined },
  routeNamespace: string,
  labels: Readonly<Record<string, string>>,
  rootNamespace: string,
): string | undefined {
  if (policy.namespace !== rootNamespace && policy.namespace !== routeNamespace) {
    return `policy namespace ${policy.namespace} is neither the route's (${routeNamespace}) nor the root namespace (${rootNamespace})`;
  }
  if (policy.matchLabels !== undefined) {
    for (const [k, v] of policy.matchLabels) {
      if (labels[k] !== v)
        return `selector ${k}=${v} does not match the route label ${k}=${labels[k] === undefined ? '(unset)' : labels[k]}`;
    }
  }
  return undefined;
}

function firstMatch(policy: CompiledPolicy, ctx: EvalContext): number {
  return firstMatchingRule(policy.rules, ctx);
}

function decision(
  allowed: boolean,
  action: Decision['action'],
  policy: string | undefined,
  rule: number | undefined,
  reason: DecisionReason,
  dryRun: readonly DryRunResult[],
  audit: CompiledPolicy | undefined,
  custom: readonly CustomCheck[],
): Decision {
  return { allowed, action, policy, rule, reason, dryRun, audit: audit !== undefined, auditPolicy: audit?.id, custom };
}

/**
 * Evaluates AuthorizationPolicies in Istio's order: CUSTOM → DENY → ALLOW
 * (istio.io/latest/docs/reference/config/security/authorization-policy):
 * a matching DENY denies; with no ALLOW policy the request is allowed; a matching ALLOW allows;
 * otherwise deny. AUDIT only marks. Dry-run policies are evaluated and reported, never enforced.
 * When no enforced policy selects the route at all, `defaultAction` decides (Istio would allow).
 */
export class Authorizer {
  readonly policies: readonly CompiledPolicy[];
  readonly options: AuthorizerOptions;
  // Route labels objects are stable (one per configured route), so the selection is cached per
  // labels object and namespace; a new object per request still works, it is just not cached.
  readonly #cache = new WeakMap<object, Map<string, Selection>>();

  constructor(policies: readonly CompiledPolicy[], options: AuthorizerOptions) {
    this.policies = policies;
    this.options = options;
  }

  select(req: PolicyRequest): Selection {
    const labels = req.routeLabels ?? EMPTY_LABELS;
    const ns = req.routeNamespace ?? this.options.defaultNamespace;
    let byNs = this.#cache.get(labels);
    if (byNs === undefined) {
      byNs = new Map();
      this.#cache.set(labels, byNs);
    }
    let selection = byNs.get(ns);
    if (selection === undefined) {
      const custom: CompiledPolicy[] = [],
        deny: CompiledPolicy[] = [],
        allow: CompiledPolicy[] = [],
        audit: CompiledPolicy[] = [],
        dryRun: CompiledPolicy[] = [];
      for (const p of this.policies) {
        if (notSelectedBecause(p, ns, labels, this.options.rootNamespace) !== undefined) continue;
        if (p.dryRun) dryRun.push(p);
        else if (p.action === 'CUSTOM') custom.push(p);
        else if (p.action === 'DENY') deny.push(p);
        else if (p.action === 'ALLOW') allow.push(p);
        else audit.push(p);
      }
      selection = { custom, deny, allow, audit, dryRun, enforced: custom.length + deny.length + allow.length > 0 };
      if (byNs.size < 1024) byNs.set(ns, selection);
    }
    return selection;
  }

  /**
   * Istio's order. When a CUSTOM policy matched and the rest allows, the provider still has to say
   * yes: the decision is then held as `custom-pending` (fail closed until it is asked).
   */
  authorize(req: PolicyRequest, id: Identity | undefined): Decision {
    const d = this.evaluate(req, id);
    if (!d.allowed || d.custom.length === 0) return d;
    const first = d.custom[0]!;
    return { ...d, allowed: false, action: 'CUSTOM', policy: first.policy, rule: first.rule, reason: 'custom-pending' };
  }

  /** The decision of DENY/ALLOW/default alone, with the matched CUSTOM policies listed but not applied. */
  evaluate(req: PolicyRequest, id: Identity | undefined): Decision {
    const sel = this.select(req);
    const ctx = new EvalContext(req, id);
    const dryRun = sel.dryRun.length === 0 ? NO_DRY_RUN : this.#dryRun(sel.dryRun, ctx);
    let audit: CompiledPolicy | undefined;
    for (const p of sel.audit)
      if (firstMatch(p, ctx) !== -1) {
        audit = p;
        break;
      }

    if (!sel.enforced) {
      return decision(
        this.options.defaultAction === 'allow',
        'DEFAULT',
        undefined,
        undefined,
        'no-policy',
        dryRun,
        audit,
        NO_CUSTOM,
      );
    }
    let custom: CustomCheck[] | undefined;
    for (const p of sel.custom) {
      const r = firstMatch(p, ctx);
      if (r !== -1) (custom ??= []).push({ provider: p.provider!, policy: p.id, rule: r });
    }
    const customs = custom ?? NO_CUSTOM;
    for (const p of sel.deny) {
      const r = firstMatch(p, ctx);
      if (r !== -1) return decision(false, 'DENY', p.id, r, 'deny-matched', dryRun, audit, customs);
    }
    let allowedBy: CompiledPolicy | undefined;
    let allowRule = -1;
    if (sel.allow.length > 0) {
      for (const p of sel.allow) {
        allowRule = firstMatch(p, ctx);
        if (allowRule !== -1) {
          allowedBy = p;
          break;
        }
      }
      if (allowedBy === undefined)
        return decision(false, 'ALLOW', undefined, undefined, 'no-allow-matched', dryRun, audit, customs);
    }
    if (allowedBy !== undefined)
      return decision(true, 'ALLOW', allowedBy.id, allowRule, 'allow-matched', dryRun, audit, customs);
    return decision(true, 'ALLOW', undefined, undefined, 'no-allow-policy', dryRun, audit, customs);
  }

  /** Envoy's shadow engines: one result per action that has dry-run policies on this route. */
  #dryRun(policies: readonly CompiledPolicy[], ctx: EvalContext): DryRunResult[] {
    const out: DryRunResult[] = [];
    for (const action of ['CUSTOM', 'DENY', 'ALLOW', 'AUDIT'] as const) {
      let present = false;
      let hit: CompiledPolicy | undefined;
      let rule = -1;
      for (const p of policies) {
        if (p.action !== action) continue;
        present = true;
        rule = firstMatch(p, ctx);
        if (rule !== -1) {
          hit = p;
          break;
        }
      }
      if (!present) continue;
      const matched = hit !== undefined;
      const result =
        action === 'ALLOW' ? (matched ? 'allowed' : 'denied') : matched && action !== 'AUDIT' ? 'denied' : 'allowed';
      out.push({ action, result, policy: hit?.id, rule: matched ? rule : undefined });
    }
    return out;
  }

  explain(req: PolicyRequest, id: Identity | undefined, decided: Decision = this.authorize(req, id)): Explanation {
    const ctx = new EvalContext(req, id);
    const labels = req.routeLabels ?? EMPTY_LABELS;
    const ns = req.routeNamespace ?? this.options.defaultNamespace;
    const policies: PolicyExplanation[] = this.policies.map((p) => {
      const why = notSelectedBecause(p, ns, labels, this.options.rootNamespace);
      const rules =
        why !== undefined
          ? []
          : p.rules.map((r) => {
              const failures = explainRule(r, ctx);
              return { index: r.index, matched: failures.length === 0, failures };
            });
      const matchedRule = rules.find((r) => r.matched)?.index;
      return {
        policy: p.id,
        action: p.action,
        dryRun: p.dryRun,
        selected: why === undefined,
        notSelectedBecause: why,
        matched: matchedRule !== undefined,
        matchedRule,
        rules,
        file: p.source?.file,
        line: p.source?.line,
      };
    });
    return { decision: decided, policies, text: explainText(req, id, decided, policies, this.options) };
  }
}

function explainText(
  req: PolicyRequest,
  id: Identity | undefined,
  d: Decision,
  policies: readonly PolicyExplanation[],
  options: AuthorizerOptions,
): string {
  const lines: string[] = [];
  lines.push(
    `${req.method} ${req.host}${req.path} (route namespace ${req.routeNamespace ?? options.defaultNamespace}, principal ${req.peerPrincipal ?? '(none)'}, request principal ${id?.requestPrincipal ?? '(none)'})`,
  );
  const where = d.policy === undefined ? '' : ` by ${d.policy}${d.rule === undefined ? '' : ` rule ${d.rule}`}`;
  const because: Record<DecisionReason, string> = {
    'deny-matched': 'a DENY policy matched',
    'allow-matched': 'an ALLOW policy matched',
    'no-allow-policy': 'no DENY policy matched and no ALLOW policy applies',
    'no-allow-matched': 'ALLOW policies apply but none matched',
    'no-policy': `no enforced policy selects this route; defaultAction is ${options.defaultAction}`,
    'custom-pending': 'a CUSTOM policy matched: its provider must be asked',
    'custom-denied': 'the CUSTOM provider denied',
    'custom-error': 'the CUSTOM provider failed (fail closed)',
  };
  lines.push(`${d.allowed ? 'ALLOWED' : 'DENIED'}${where}: ${because[d.reason]}`);
  if (d.custom.length > 0)
    lines.push(`  CUSTOM providers: ${d.custom.map((c) => `${c.provider} (${c.policy} rule ${c.rule})`).join(', ')}`);
  for (const r of d.dryRun)
    lines.push(`  dry-run ${r.action}: would be ${r.result}${r.policy ? ` by ${r.policy} rule ${r.rule}` : ''}`);
  if (d.audit) lines.push(`  audited by ${d.auditPolicy}`);
  for (const p of policies) {
    const tag = `${p.action}${p.dryRun ? ' (dry-run)' : ''} ${p.policy}${p.file ? ` [${p.file}${p.line ? `:${p.line}` : ''}]` : ''}`;
    if (!p.selected) {
      lines.push(`  - ${tag}: not applied, ${p.notSelectedBecause}`);
      continue;
    }
    if (p.rules.length === 0) {
      lines.push(`  - ${tag}: has no rules, matches nothing`);
      continue;
    }
    lines.push(`  - ${tag}: ${p.matched ? `matched rule ${p.matchedRule}` : 'no rule matched'}`);
    if (!p.matched) for (const r of p.rules) for (const f of r.failures) lines.push(`      rule ${r.index}: ${f}`);
  }
  return lines.join('\n');
}
