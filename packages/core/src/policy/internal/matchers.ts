// Compiled AuthorizationPolicy rules. Everything that can be decided once is decided here; the
// per-request work is a few property reads, Set lookups and string comparisons, with no
// allocation except the lazily parsed IP addresses of the request (kept on the context).
import { cidrContains, parseCidr, parseIp, type Cidr, type ParsedIp } from './ip.js';
import { compileStringMatch, matchString, type StringMatchList } from './string-match.js';
import { parseConditionKey } from './validate.js';
import type { Identity, PolicyRequest, PolicyRule } from '../types.js';

const UNSET = Symbol('unset');

/** Per-request evaluation state: the request, the identity and lazily derived values. */
export class EvalContext {
  readonly req: PolicyRequest;
  readonly id: Identity | undefined;
  #source: ParsedIp | undefined | typeof UNSET = UNSET;
  #remote: ParsedIp | undefined | typeof UNSET = UNSET;
  #destination: ParsedIp | undefined | typeof UNSET = UNSET;
  #namespace: string | undefined | typeof UNSET = UNSET;

  constructor(req: PolicyRequest, id: Identity | undefined) {
    this.req = req;
    this.id = id;
  }
  sourceIp(): ParsedIp | undefined {
    if (this.#source === UNSET) this.#source = parseIp(this.req.sourceIp);
    return this.#source;
  }
  remoteIp(): ParsedIp | undefined {
    if (this.#remote === UNSET) this.#remote = this.req.remoteIp === undefined ? this.sourceIp() : parseIp(this.req.remoteIp);
    return this.#remote;
  }
  destinationIp(): ParsedIp | undefined {
    if (this.#destination === UNSET) this.#destination = parseIp(this.req.destinationIp);
    return this.#destination;
  }
  /** The peer's namespace: given, or read from a SPIFFE-style principal `<td>/ns/<ns>/sa/<sa>`. */
  peerNamespace(): string | undefined {
    if (this.#namespace === UNSET) this.#namespace = this.req.peerNamespace ?? namespaceOf(this.req.peerPrincipal);
    return this.#namespace;
  }
}

/** `default` from `cluster.local/ns/default/sa/webui` (or `spiffe://cluster.local/ns/default/sa/webui`). */
export function namespaceOf(principal: string | undefined): string | undefined {
  if (principal === undefined) return undefined;
  const at = principal.indexOf('/ns/');
  if (at === -1) return undefined;
  const start = at + 4;
  const end = principal.indexOf('/', start);
  const ns = end === -1 ? principal.slice(start) : principal.slice(start, end);
  return ns.length === 0 ? undefined : ns;
}

/** One field of a source/operation/condition: matches when any value matches (or none, when negated). */
export interface FieldMatcher {
  readonly label: string;
  readonly negate: boolean;
  readonly values: readonly string[];
  test(ctx: EvalContext): boolean;
  /** The request's value of the attribute, for explanations. */
  actual(ctx: EvalContext): string;
}

abstract class BaseField implements FieldMatcher {
  constructor(readonly label: string, readonly negate: boolean, readonly values: readonly string[]) {}
  abstract hit(ctx: EvalContext): boolean;
  abstract actual(ctx: EvalContext): string;
  test(ctx: EvalContext): boolean {
    return this.hit(ctx) !== this.negate;
  }
}

type StringGetter = (ctx: EvalContext) => string | undefined;
type ListGetter = (ctx: EvalContext) => readonly string[] | undefined;
type IpGetter = (ctx: EvalContext) => ParsedIp | undefined;

const show = (v: string | undefined): string => (v === undefined ? '(none)' : JSON.stringify(v));

class StringField extends BaseField {
  readonly #list: StringMatchList;
  constructor(label: string, negate: boolean, values: readonly string[], readonly get: StringGetter, options: { ignoreCase?: boolean; templates?: boolean } = {}) {
    super(label, negate, values);
    this.#list = compileStringMatch(values, options);
  }
  hit(ctx: EvalContext): boolean {
    return matchString(this.#list, this.get(ctx));
  }
  actual(ctx: EvalContext): string {
    return show(this.get(ctx));
  }
}

class ListField extends BaseField {
  readonly #list: StringMatchList;
  constructor(label: string, negate: boolean, values: readonly string[], readonly get: ListGetter) {
    super(label, negate, values);
    this.#list = compileStringMatch(values);
  }
  hit(ctx: EvalContext): boolean {
    const got = this.get(ctx);
    if (got === undefined) return false;
    for (let i = 0; i < got.length; i++) if (matchString(this.#list, got[i])) return true;
    return false;
  }
  actual(ctx: EvalContext): string {
    const got = this.get(ctx);
    return got === undefined ? '(none)' : JSON.stringify(got);
  }
}

class IpField extends BaseField {
  readonly #cidrs: readonly Cidr[];
  constructor(label: string, negate: boolean, values: readonly string[], readonly get: IpGetter, readonly raw: StringGetter) {
    super(label, negate, values);
    this.#cidrs = values.map((v) => {
      const c = parseCidr(v);
      if (typeof c === 'string') throw new Error(c);
      return c;
    });
  }
  hit(ctx: EvalContext): boolean {
    const ip = this.get(ctx);
    if (ip === undefined) return false;
    for (let i = 0; i < this.#cidrs.length; i++) if (cidrContains(this.#cidrs[i]!, ip)) return true;
    return false;
  }
  actual(ctx: EvalContext): string {
    return show(this.raw(ctx));
  }
}

class PortField extends BaseField {
  readonly #ports: ReadonlySet<number>;
  constructor(label: string, negate: boolean, values: readonly string[]) {
    super(label, negate, values);
    this.#ports = new Set(values.map(Number));
  }
  hit(ctx: EvalContext): boolean {
    return this.#ports.has(ctx.req.port);
  }
  actual(ctx: EvalContext): string {
    return String(ctx.req.port);
  }
}

/** `<ns>/<sa>` against a principal ending in `/ns/<ns>/sa/<sa>` (Istio ≥ 1.24 `serviceAccounts`). */
class ServiceAccountField extends BaseField {
  readonly #suffixes: readonly string[];
  constructor(label: string, negate: boolean, values: readonly string[]) {
    super(label, negate, values);
    this.#suffixes = values.map((v) => {
      const [ns, sa] = v.split('/');
      return `/ns/${ns}/sa/${sa}`;
    });
  }
  hit(ctx: EvalContext): boolean {
    const p = ctx.req.peerPrincipal;
    if (p === undefined) return false;
    for (const s of this.#suffixes) if (p.endsWith(s)) return true;
    return false;
  }
  actual(ctx: EvalContext): string {
    return show(ctx.req.peerPrincipal);
  }
}

const peerPrincipal: StringGetter = (c) => c.req.peerPrincipal;
const requestPrincipal: StringGetter = (c) => c.id?.requestPrincipal;
const peerNamespace: StringGetter = (c) => c.peerNamespace();
const host: StringGetter = (c) => c.req.host;
const method: StringGetter = (c) => c.req.method;
const path: StringGetter = (c) => c.req.path;

/** Reads a claim by path; strings give one value, lists give their string members, anything else none (Envoy). */
function claimValues(claims: Readonly<Record<string, unknown>> | undefined, names: readonly string[]): readonly string[] | undefined {
  let value: unknown = claims;
  for (const name of names) {
    if (typeof value !== 'object' || value === null || Array.isArray(value) || !Object.hasOwn(value, name)) return undefined;
    value = (value as Record<string, unknown>)[name];
  }
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.filter((v): v is string => typeof v === 'string');
  return undefined;
}

function sourceField(name: string, values: readonly string[], label: string): FieldMatcher {
  const negate = name.startsWith('not');
  const base = negate ? name[3]!.toLowerCase() + name.slice(4) : name;
  switch (base) {
    case 'principals': return new StringField(label, negate, values, peerPrincipal);
    case 'requestPrincipals': return new StringField(label, negate, values, requestPrincipal);
    case 'namespaces': return new StringField(label, negate, values, peerNamespace);
    case 'serviceAccounts': return new ServiceAccountField(label, negate, values);
    case 'ipBlocks': return new IpField(label, negate, values, (c) => c.sourceIp(), (c) => c.req.sourceIp);
    case 'remoteIpBlocks': return new IpField(label, negate, values, (c) => c.remoteIp(), (c) => c.req.remoteIp ?? c.req.sourceIp);
    default: throw new Error(`unknown source field ${name}`);
  }
}

function operationField(name: string, values: readonly string[], label: string): FieldMatcher {
  const negate = name.startsWith('not');
  const base = negate ? name[3]!.toLowerCase() + name.slice(4) : name;
  switch (base) {
    // Istio: hosts match the Host header case-insensitively, port included when sent.
    case 'hosts': return new StringField(label, negate, values, host, { ignoreCase: true });
    case 'ports': return new PortField(label, negate, values);
    case 'methods': return new StringField(label, negate, values, method);
    case 'paths': return new StringField(label, negate, values, path, { templates: true });
    default: throw new Error(`unknown operation field ${name}`);
  }
}

function conditionField(key: string, values: readonly string[], negate: boolean, label: string): FieldMatcher {
  const parsed = parseConditionKey(key);
  if (typeof parsed === 'string') throw new Error(parsed);
  if (parsed.kind === 'header') {
    const name = parsed.name;
    return new StringField(label, negate, values, (c) => c.req.headers[name]);
  }
  if (parsed.kind === 'claim') {
    const names = parsed.path;
    return new ListField(label, negate, values, (c) => claimValues(c.id?.claims, names));
  }
  switch (parsed.key) {
    case 'request.auth.principal': return new StringField(label, negate, values, requestPrincipal);
    case 'request.auth.audiences': return new ListField(label, negate, values, (c) => c.id?.audiences);
    case 'request.auth.presenter': return new StringField(label, negate, values, (c) => c.id?.presenter);
    case 'source.ip': return new IpField(label, negate, values, (c) => c.sourceIp(), (c) => c.req.sourceIp);
    case 'remote.ip': return new IpField(label, negate, values, (c) => c.remoteIp(), (c) => c.req.remoteIp ?? c.req.sourceIp);
    case 'destination.ip': return new IpField(label, negate, values, (c) => c.destinationIp(), (c) => c.req.destinationIp);
    case 'source.principal': return new StringField(label, negate, values, peerPrincipal);
    case 'source.namespace': return new StringField(label, negate, values, peerNamespace);
    case 'destination.port': return new PortField(label, negate, values);
    case 'connection.sni': return new StringField(label, negate, values, (c) => c.req.sni);
    default: throw new Error(`unsupported condition key ${parsed.key}`);
  }
}

/** A `source` or `operation`: all its fields must match. */
export type Clause = readonly FieldMatcher[];

/** A compiled rule: any `from` clause, any `to` clause, and every `when` condition. */
export interface CompiledRule {
  readonly index: number;
  /** `undefined` when the rule has no `from` (matches any source). */
  readonly from: readonly Clause[] | undefined;
  readonly to: readonly Clause[] | undefined;
  readonly when: readonly FieldMatcher[];
}

export function compileRule(rule: PolicyRule, index: number): CompiledRule {
  const from = rule.from && rule.from.length > 0
    ? rule.from.map((f, i) => Object.entries(f.source ?? {}).filter(([, v]) => Array.isArray(v) && v.length > 0)
      .map(([name, values]) => sourceField(name, values as string[], `from[${i}].source.${name}`)))
    : undefined;
  const to = rule.to && rule.to.length > 0
    ? rule.to.map((t, i) => Object.entries(t.operation ?? {}).filter(([, v]) => Array.isArray(v) && v.length > 0)
      .map(([name, values]) => operationField(name, values as string[], `to[${i}].operation.${name}`)))
    : undefined;
  const when: FieldMatcher[] = [];
  (rule.when ?? []).forEach((cond, i) => {
    if (cond.values && cond.values.length > 0) when.push(conditionField(cond.key, cond.values, false, `when[${i}] ${cond.key} values`));
    if (cond.notValues && cond.notValues.length > 0) when.push(conditionField(cond.key, cond.notValues, true, `when[${i}] ${cond.key} notValues`));
  });
  return { index, from, to, when };
}

function clauseMatches(clause: Clause, ctx: EvalContext): boolean {
  for (let i = 0; i < clause.length; i++) if (!clause[i]!.test(ctx)) return false;
  return true;
}

function anyClause(clauses: readonly Clause[], ctx: EvalContext): boolean {
  for (let i = 0; i < clauses.length; i++) if (clauseMatches(clauses[i]!, ctx)) return true;
  return false;
}

export function ruleMatches(rule: CompiledRule, ctx: EvalContext): boolean {
  if (rule.from !== undefined && !anyClause(rule.from, ctx)) return false;
  if (rule.to !== undefined && !anyClause(rule.to, ctx)) return false;
  const when = rule.when;
  for (let i = 0; i < when.length; i++) if (!when[i]!.test(ctx)) return false;
  return true;
}

function describeFailure(f: FieldMatcher, ctx: EvalContext): string {
  return `${f.label}: ${f.actual(ctx)} ${f.negate ? 'matches one of' : 'matches none of'} ${JSON.stringify(f.values)}`;
}

/** Why a rule does not match (empty when it matches). */
export function explainRule(rule: CompiledRule, ctx: EvalContext): string[] {
  const failures: string[] = [];
  for (const clauses of [rule.from, rule.to]) {
    if (clauses === undefined || anyClause(clauses, ctx)) continue;
    for (const clause of clauses) for (const f of clause) if (!f.test(ctx)) failures.push(describeFailure(f, ctx));
  }
  for (const f of rule.when) if (!f.test(ctx)) failures.push(describeFailure(f, ctx));
  return failures;
}
