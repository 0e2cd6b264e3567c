// Compiled AuthorizationPolicy rules. Everything that can be decided once is decided here; the
// per-request work is a few property reads, Set lookups and string comparisons, with no
// allocation except the lazily parsed IP addresses of the request (kept on the context).
import { namespaceOf } from '../namespace-of.js';
import { cidrContains, parseCidr, parseIp, type Cidr, type ParsedIp } from './ip.js';
import { compileStringMatch, matchString, type StringMatchList } from './string-match.js';
import { parseConditionKey } from './condition-key.js';
import { DEFAULT_SPACE_DELIMITED_CLAIMS, splitSpaceDelimited } from './space-delimited-claims.js';
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
  #host: string | undefined;
  #claims: Map<readonly string[], readonly string[] | undefined> | undefined;

  constructor(req: PolicyRequest, id: Identity | undefined) {
    this.req = req;
    this.id = id;
  }
  sourceIp(): ParsedIp | undefined {
    if (this.#source === UNSET) this.#source = parseIp(this.req.sourceIp);
    return this.#source;
  }
  remoteIp(): ParsedIp | undefined {
    if (this.#remote === UNSET)
      this.#remote = this.req.remoteIp === undefined ? this.sourceIp() : parseIp(this.req.remoteIp);
    return this.#remote;
  }
  destinationIp(): ParsedIp | undefined {
    if (this.#destination === UNSET) this.#destination = parseIp(this.req.destinationIp);
    return this.#destination;
  }
  /**
   * A claim's string values, read once per request per claim path (see {@link claimValues}).
   * `split` says whether a string value is a space-delimited list: decided when the condition was
   * compiled, or, for a top-level name that is not a default, by the identity's accepting rule.
   */
  claim(path: readonly string[], split: ClaimSplit): readonly string[] | undefined {
    const id = this.id;
    if (id === undefined) return undefined;
    this.#claims ??= new Map();
    let got = this.#claims.get(path);
    if (got === undefined && !this.#claims.has(path)) {
      const delimited =
        split === SPLIT_ALWAYS || (split === SPLIT_IF_LISTED && id.spaceDelimitedClaims?.has(path[0]!) === true);
      got = claimValues(id.claims, path, delimited);
      this.#claims.set(path, got);
    }
    return got;
  }
  /** The host, lower-cased once. */
  host(): string {
    return (this.#host ??= this.req.host.toLowerCase());
  }
  /** The peer's namespace: given, or read from a SPIFFE-style principal `<td>/ns/<ns>/sa/<sa>`. */
  peerNamespace(): string | undefined {
    if (this.#namespace === UNSET) this.#namespace = this.req.peerNamespace ?? namespaceOf(this.req.peerPrincipal);
    return this.#namespace;
  }
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

// Attributes a field reads. One class with a switch keeps every call site monomorphic, which
// matters when a hundred policies are checked per request.
const PEER_PRINCIPAL = 0,
  REQUEST_PRINCIPAL = 1,
  PEER_NAMESPACE = 2,
  HOST = 3,
  METHOD = 4,
  PATH = 5,
  SNI = 6,
  PRESENTER = 7,
  HEADER = 8,
  CLAIM = 9,
  AUDIENCES = 10,
  SOURCE_IP = 11,
  REMOTE_IP = 12,
  DESTINATION_IP = 13,
  PORT = 14,
  SERVICE_ACCOUNT = 15;
// Cheap and selective checks first: a clause stops at its first failing field.
const COST = [3, 3, 3, 2, 0, 1, 3, 3, 4, 5, 4, 3, 3, 3, 0, 3];

const show = (v: string | undefined): string => (v === undefined ? '(none)' : JSON.stringify(v));

/** How a claim condition reads a string value: never split (nested paths), always (`scope`, `permission`), or as the accepting jwtRule lists. */
type ClaimSplit = 0 | 1 | 2;
const SPLIT_NEVER = 0,
  SPLIT_ALWAYS = 1,
  SPLIT_IF_LISTED = 2;

/** Envoy normalizes top-level claims only: a path of one name may be split, a nested one never. */
function claimSplit(path: readonly string[]): ClaimSplit {
  if (path.length !== 1) return SPLIT_NEVER;
  return DEFAULT_SPACE_DELIMITED_CLAIMS.has(path[0]!) ? SPLIT_ALWAYS : SPLIT_IF_LISTED;
}

/**
 * Reads a claim by path; strings give one value (or their space-separated parts when `split`),
 * lists give their string members (never split: Envoy splits string values only), anything else
 * none (Envoy).
 */
function claimValues(
  claims: Readonly<Record<string, unknown>> | undefined,
  names: readonly string[],
  split: boolean,
): readonly string[] | undefined {
  let value: unknown = claims;
  for (let i = 0; i < names.length; i++) {
    if (typeof value !== 'object' || value === null || Array.isArray(value) || !Object.hasOwn(value, names[i]!))
      return undefined;
    value = (value as Record<string, unknown>)[names[i]!];
  }
  if (typeof value === 'string') return split ? splitSpaceDelimited(value) : [value];
  if (Array.isArray(value)) return value.filter((v): v is string => typeof v === 'string');
  return undefined;
}

class Field implements FieldMatcher {
  private readonly _strings: StringMatchList | undefined;
  private readonly _cidrs: readonly Cidr[] | undefined;
  private readonly _ports: ReadonlySet<number> | undefined;
  private readonly _suffixes: readonly string[] | undefined;
  private readonly _split: ClaimSplit;
  readonly cost: number;

  constructor(
    readonly label: string,
    readonly negate: boolean,
    readonly values: readonly string[],
    readonly attr: number,
    readonly param: string | readonly string[] | undefined = undefined,
  ) {
    this.cost = COST[attr]!;
    this._split = attr === CLAIM ? claimSplit(param as readonly string[]) : SPLIT_NEVER;
    if (attr === SOURCE_IP || attr === REMOTE_IP || attr === DESTINATION_IP) {
      this._cidrs = values.map((v) => {
        const c = parseCidr(v);
        if (typeof c === 'string') throw new Error(c);
        return c;
      });
    } else if (attr === PORT) {
      this._ports = new Set(values.map(Number));
    } else if (attr === SERVICE_ACCOUNT) {
      this._suffixes = values.map((v) => {
        const [ns, sa] = v.split('/');
        return `/ns/${ns}/sa/${sa}`;
      });
    } else {
      // Istio: hosts match case-insensitively; the request side is lower-cased once per request.
      this._strings = compileStringMatch(attr === HOST ? values.map((v) => v.toLowerCase()) : values, {
        templates: attr === PATH,
      });
    }
  }

  test(ctx: EvalContext): boolean {
    // The common case (a string attribute of the request) is handled inline.
    const strings = this._strings;
    if (strings !== undefined && this.attr <= HEADER) return matchString(strings, this._string(ctx)) !== this.negate;
    return this._hit(ctx) !== this.negate;
  }

  private _string(ctx: EvalContext): string | undefined {
    const req = ctx.req;
    const attr = this.attr;
    if (attr === PATH) return req.path;
    if (attr === METHOD) return req.method;
    switch (attr) {
      case PEER_PRINCIPAL:
        return req.peerPrincipal;
      case REQUEST_PRINCIPAL:
        return ctx.id?.requestPrincipal;
      case PEER_NAMESPACE:
        return ctx.peerNamespace();
      case HOST:
        return ctx.host();
      case METHOD:
        return req.method;
      case PATH:
        return req.path;
      case SNI:
        return req.sni;
      case PRESENTER:
        return ctx.id?.presenter;
      case HEADER: {
        // Headers may be a plain object: `constructor` or `__proto__` must not read the prototype.
        const v = req.headers[this.param as string];
        return typeof v === 'string' ? v : undefined;
      }
      default:
        return undefined;
    }
  }

  private _list(ctx: EvalContext): readonly string[] | undefined {
    return this.attr === AUDIENCES ? ctx.id?.audiences : ctx.claim(this.param as readonly string[], this._split);
  }

  private _ip(ctx: EvalContext): ParsedIp | undefined {
    return this.attr === SOURCE_IP ? ctx.sourceIp() : this.attr === REMOTE_IP ? ctx.remoteIp() : ctx.destinationIp();
  }

  private _hit(ctx: EvalContext): boolean {
    const strings = this._strings;
    if (strings !== undefined) {
      if (this.attr === AUDIENCES || this.attr === CLAIM) {
        const got = this._list(ctx);
        if (got === undefined) return false;
        for (let i = 0; i < got.length; i++) if (matchString(strings, got[i])) return true;
        return false;
      }
      return matchString(strings, this._string(ctx));
    }
    const cidrs = this._cidrs;
    if (cidrs !== undefined) {
      const ip = this._ip(ctx);
      if (ip === undefined) return false;
      for (let i = 0; i < cidrs.length; i++) if (cidrContains(cidrs[i]!, ip)) return true;
      return false;
    }
    if (this._ports !== undefined) return this._ports.has(ctx.req.port);
    const p = ctx.req.peerPrincipal;
    if (p === undefined) return false;
    for (const s of this._suffixes!) if (p.endsWith(s)) return true;
    return false;
  }

  actual(ctx: EvalContext): string {
    const req = ctx.req;
    switch (this.attr) {
      case AUDIENCES:
      case CLAIM: {
        const got = this._list(ctx);
        return got === undefined ? '(none)' : JSON.stringify(got);
      }
      case SOURCE_IP:
        return show(req.sourceIp);
      case REMOTE_IP:
        return show(req.remoteIp ?? req.sourceIp);
      case DESTINATION_IP:
        return show(req.destinationIp);
      case PORT:
        return String(req.port);
      case SERVICE_ACCOUNT:
        return show(req.peerPrincipal);
      default:
        return show(this._string(ctx));
    }
  }
}

const SOURCE_ATTRS: Record<string, number> = {
  principals: PEER_PRINCIPAL,
  requestPrincipals: REQUEST_PRINCIPAL,
  namespaces: PEER_NAMESPACE,
  serviceAccounts: SERVICE_ACCOUNT,
  ipBlocks: SOURCE_IP,
  remoteIpBlocks: REMOTE_IP,
};
const OPERATION_ATTRS: Record<string, number> = { hosts: HOST, ports: PORT, methods: METHOD, paths: PATH };
const CONDITION_ATTRS: Record<string, number> = {
  'request.auth.principal': REQUEST_PRINCIPAL,
  'request.auth.audiences': AUDIENCES,
  'request.auth.presenter': PRESENTER,
  'source.ip': SOURCE_IP,
  'remote.ip': REMOTE_IP,
  'destination.ip': DESTINATION_IP,
  'source.principal': PEER_PRINCIPAL,
  'source.namespace': PEER_NAMESPACE,
  'destination.port': PORT,
  'connection.sni': SNI,
};

function field(table: Record<string, number>, name: string, values: readonly string[], label: string): Field {
  const negate = name.startsWith('not');
  const base = negate ? name[3]!.toLowerCase() + name.slice(4) : name;
  const attr = table[base];
  if (attr === undefined) throw new Error(`unknown field ${name}`);
  return new Field(label, negate, values, attr);
}

function conditionField(key: string, values: readonly string[], negate: boolean, label: string): Field {
  const parsed = parseConditionKey(key);
  if (typeof parsed === 'string') throw new Error(parsed);
  if (parsed.kind === 'header') return new Field(label, negate, values, HEADER, parsed.name);
  if (parsed.kind === 'claim') return new Field(label, negate, values, CLAIM, parsed.path);
  const attr = CONDITION_ATTRS[parsed.key];
  if (attr === undefined) throw new Error(`unsupported condition key ${parsed.key}`);
  return new Field(label, negate, values, attr);
}

const byCost = (a: Field, b: Field) => a.cost - b.cost;

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
  const from =
    rule.from && rule.from.length > 0
      ? rule.from.map((f, i) =>
          Object.entries(f.source ?? {})
            .filter(([, v]) => Array.isArray(v) && v.length > 0)
            .map(([name, values]) => field(SOURCE_ATTRS, name, values as string[], `from[${i}].source.${name}`))
            .sort(byCost),
        )
      : undefined;
  const to =
    rule.to && rule.to.length > 0
      ? rule.to.map((t, i) =>
          Object.entries(t.operation ?? {})
            .filter(([, v]) => Array.isArray(v) && v.length > 0)
            .map(([name, values]) => field(OPERATION_ATTRS, name, values as string[], `to[${i}].operation.${name}`))
            .sort(byCost),
        )
      : undefined;
  const when: Field[] = [];
  (rule.when ?? []).forEach((cond, i) => {
    if (cond.values && cond.values.length > 0)
      when.push(conditionField(cond.key, cond.values, false, `when[${i}] ${cond.key} values`));
    if (cond.notValues && cond.notValues.length > 0)
      when.push(conditionField(cond.key, cond.notValues, true, `when[${i}] ${cond.key} notValues`));
  });
  return { index, from, to, when: when.sort(byCost) };
}

function clauseMatches(clause: Clause, ctx: EvalContext): boolean {
  for (let i = 0; i < clause.length; i++) if (!clause[i]!.test(ctx)) return false;
  return true;
}

function anyClause(clauses: readonly Clause[], ctx: EvalContext): boolean {
  for (let i = 0; i < clauses.length; i++) if (clauseMatches(clauses[i]!, ctx)) return true;
  return false;
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

/**
 * Index of the first rule of `rules` that matches, or -1: any `from` clause, any `to` clause,
 * every `when` field. The loops are written out by hand: with a hundred policies per request the saved calls are most of the cost.
 */
export function firstMatchingRule(rules: readonly CompiledRule[], ctx: EvalContext): number {
  outer: for (let r = 0; r < rules.length; r++) {
    const rule = rules[r]!;
    const from = rule.from;
    if (from !== undefined) {
      let any = false;
      for (let c = 0; c < from.length && !any; c++) {
        const clause = from[c]!;
        let all = true;
        for (let f = 0; f < clause.length; f++) {
          if (!clause[f]!.test(ctx)) {
            all = false;
            break;
          }
        }
        any = all;
      }
      if (!any) continue;
    }
    const to = rule.to;
    if (to !== undefined) {
      let any = false;
      for (let c = 0; c < to.length && !any; c++) {
        const clause = to[c]!;
        let all = true;
        for (let f = 0; f < clause.length; f++) {
          if (!clause[f]!.test(ctx)) {
            all = false;
            break;
          }
        }
        any = all;
      }
      if (!any) continue;
    }
    const when = rule.when;
    for (let i = 0; i < when.length; i++) if (!when[i]!.test(ctx)) continue outer;
    return r;
  }
  return -1;
}
