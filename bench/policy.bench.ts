// AuthorizationPolicy evaluations per second with 100 policies loaded (issue 4, "Benchmark"):
// the compiled engine (`PolicySet.authorize`) side by side with a naive evaluator that walks the
// parsed documents on every request (what compiling saves), and with `explain` (the slow path for
// logs and the CLI). Run alone: node --conditions=tessera-source --import tsx bench/policy.bench.ts
import { pathToFileURL } from 'node:url';
import {
  compilePolicies,
  parsePolicies,
  type AuthorizationPolicyDocument,
  type Identity,
  type PolicyRequest,
} from '@tessera/core';
import { formatOps, measure, table, type BenchCase } from './internal/measure.js';

/** 100 policies: 20 DENY, 80 ALLOW, over paths (exact, prefix, template), methods, principals, claims and IP blocks. */
function policiesYaml(selectors = false): string {
  const sel = (i: number) => (selectors ? `  selector: { matchLabels: { app: svc-${i % 20} } }\n` : '');
  const docs: string[] = [];
  for (let i = 0; i < 100; i++) {
    const deny = i % 5 === 0;
    const rule =
      i % 4 === 0
        ? `  - to: [{ operation: { methods: ["GET", "HEAD"], paths: ["/svc${i}/*", "/items/{*}/v${i}"] } }]\n    when: [{ key: "request.auth.claims[groups]", values: ["team-${i}", "admins-${i}"] }]`
        : i % 4 === 1
          ? `  - from: [{ source: { principals: ["cluster.local/ns/ns${i}/sa/*"], ipBlocks: ["10.${i}.0.0/16"] } }]\n    to: [{ operation: { paths: ["/api/v${i}/*"] } }]`
          : i % 4 === 2
            ? `  - from: [{ source: { requestPrincipals: ["https://idp${i}.example/*"] } }]\n    to: [{ operation: { methods: ["POST"], paths: ["*.json${i}"] } }]`
            : `  - to: [{ operation: { hosts: ["h${i}.example.com"], ports: ["${8000 + i}"] } }]\n  - when: [{ key: "request.headers[x-tenant-${i}]", values: ["t${i}"] }]`;
    docs.push(`apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: { name: p${i}, namespace: default }
spec:
${sel(i)}  action: ${deny ? 'DENY' : 'ALLOW'}
  rules:
${rule}`);
  }
  // The one that allows the benchmark request, evaluated last.
  docs.push(`apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: { name: zz-allow-orders, namespace: default }
spec:
${sel(0)}  rules:
  - from: [{ source: { principals: ["cluster.local/ns/shop/sa/web"] } }]
    to: [{ operation: { methods: ["GET"], paths: ["/orders/*"] } }]
    when: [{ key: "request.auth.claims[scope]", values: ["orders.read"] }]`);
  return docs.join('\n---\n');
}

const identity: Identity = {
  requestPrincipal: 'https://idp.example/alice',
  issuer: 'https://idp.example',
  subject: 'alice',
  audiences: ['orders'],
  presenter: undefined,
  claims: { iss: 'https://idp.example', sub: 'alice', scope: 'orders.read', groups: ['users'] },
  rule: { policy: 'default/jwt', index: 0, issuer: 'https://idp.example' },
  headersToAdd: [],
  tokenLocation: { kind: 'header', name: 'authorization', prefix: 'Bearer ' },
  forwardOriginalToken: false,
};
const base: PolicyRequest = {
  method: 'GET',
  host: 'orders.example.com',
  path: '/orders/42',
  port: 8080,
  headers: { 'user-agent': 'bench', accept: '*/*' },
  sourceIp: '10.200.1.2',
  peerPrincipal: 'cluster.local/ns/shop/sa/web',
  routeLabels: { app: 'orders' },
  routeNamespace: 'default',
};
const denied: PolicyRequest = { ...base, path: '/svc0/x' };
const nomatch: PolicyRequest = { ...base, path: '/nothing/here' };

/** A straightforward evaluator over the parsed documents: no precompilation, strings re-split every time. */
function naiveAuthorize(docs: readonly AuthorizationPolicyDocument[], req: PolicyRequest, id: Identity): boolean {
  const match = (v: string | undefined, pattern: string) => {
    if (v === undefined) return false;
    if (pattern === '*') return v.length > 0;
    if (pattern.includes('{'))
      return new RegExp(
        '^' +
          pattern
            .split('/')
            .map((s) => (s === '{*}' ? '[^/]+' : s === '{**}' ? '.*' : s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
            .join('/') +
          '$',
      ).test(v);
    if (pattern.startsWith('*')) return v.endsWith(pattern.slice(1));
    if (pattern.endsWith('*')) return v.startsWith(pattern.slice(0, -1));
    return v === pattern;
  };
  const inCidr = (ip: string | undefined, cidr: string) => {
    if (ip === undefined) return false;
    const [a, bits] = cidr.split('/');
    const n = (s: string) => s.split('.').reduce((x, o) => x * 256 + Number(o), 0);
    const m = bits === undefined ? 32 : Number(bits);
    return Math.floor(n(ip) / 2 ** (32 - m)) === Math.floor(n(a!) / 2 ** (32 - m));
  };
  const any = (list: readonly string[] | undefined, f: (p: string) => boolean) => list === undefined || list.some(f);
  const ruleOk = (rule: NonNullable<NonNullable<AuthorizationPolicyDocument['spec']>['rules']>[number]) =>
    (rule.from === undefined ||
      rule.from.some(
        ({ source: s = {} }) =>
          any(s.principals, (p) => match(req.peerPrincipal, p)) &&
          any(s.requestPrincipals, (p) => match(id.requestPrincipal, p)) &&
          any(s.ipBlocks, (c) => inCidr(req.sourceIp, c)),
      )) &&
    (rule.to === undefined ||
      rule.to.some(
        ({ operation: o = {} }) =>
          any(o.methods, (m) => m === req.method) &&
          any(o.paths, (p) => match(req.path, p)) &&
          any(o.hosts, (h) => match(req.host, h)) &&
          any(o.ports, (p) => Number(p) === req.port),
      )) &&
    (rule.when ?? []).every((c) => {
      const claim = /^request\.auth\.claims\[(.+)\]$/.exec(c.key);
      const header = /^request\.headers\[(.+)\]$/.exec(c.key);
      const raw = claim ? id.claims[claim[1]!] : header ? req.headers[header[1]!.toLowerCase()] : undefined;
      const values =
        typeof raw === 'string'
          ? [raw]
          : Array.isArray(raw)
            ? raw.filter((x): x is string => typeof x === 'string')
            : [];
      return (c.values ?? []).some((p) => values.some((v) => match(v, p)));
    });
  const hit = (action: string) =>
    docs.some((d) => (d.spec?.action ?? 'ALLOW') === action && (d.spec?.rules ?? []).some(ruleOk));
  if (hit('DENY')) return false;
  return hit('ALLOW');
}

export default async function run(): Promise<void> {
  const { documents } = parsePolicies(policiesYaml());
  const set = compilePolicies(documents);
  const authz = documents as readonly AuthorizationPolicyDocument[];
  // Same answers from both, or the comparison means nothing.
  for (const r of [base, denied, nomatch]) {
    if (set.authorize(r, identity).allowed !== naiveAuthorize(authz, r, identity))
      throw new Error(`engines disagree on ${r.path}`);
  }
  if (!set.authorize(base, identity).allowed || set.authorize(nomatch, identity).allowed)
    throw new Error('unexpected decisions');

  const rows: string[][] = [];
  const ratios: string[][] = [];
  // Same 101 policies, each with a selector (app: svc-0 … svc-19): a route labelled svc-0 gets 6.
  const selected = compilePolicies(parsePolicies(policiesYaml(true)).documents);
  const routed: PolicyRequest = { ...base, routeLabels: { app: 'svc-0' } };
  if (!selected.authorize(routed, identity).allowed) throw new Error('unexpected decision with selectors');
  const scenarios = [
    ['all 101 apply, allowed by the last', set, base],
    ['all 101 apply, none matches (deny)', set, nomatch],
    ['101 loaded, 6 select the route', selected, routed],
  ] as const;
  for (const [label, policySet, req] of scenarios) {
    const docs =
      policySet === set
        ? authz
        : (parsePolicies(policiesYaml(true)).documents as readonly AuthorizationPolicyDocument[]).filter(
            (d) => d.spec?.selector?.matchLabels?.app === 'svc-0',
          );
    const cases: BenchCase[] = [
      { name: 'compiled', fn: () => policySet.authorize(req, identity) },
      { name: 'naive', fn: () => naiveAuthorize(docs, req, identity) },
      { name: 'explain', fn: () => policySet.explain(req, identity) },
    ];
    const result = await measure(cases, { rounds: 5, sliceMs: 200 });
    const compiled = result.get('compiled')!;
    rows.push([
      label,
      formatOps(compiled),
      `${(1e6 / compiled).toFixed(2)} µs`,
      formatOps(result.get('naive')),
      formatOps(result.get('explain')),
    ]);
    ratios.push([
      label,
      `${(compiled / result.get('naive')!).toFixed(1)}×`,
      `${(compiled / result.get('explain')!).toFixed(0)}×`,
    ]);
  }
  console.log(
    `AuthorizationPolicy evaluations per second, ${documents.length} policies loaded (20 DENY, 81 ALLOW; paths, templates, methods, hosts, ports, principals, IP blocks, claims, headers); the naive evaluator walks only the policies that apply\n`,
  );
  console.log(table(['request', 'tessera authorize', 'per eval', 'naive evaluator', 'tessera explain'], rows));
  console.log('\nratios\n');
  console.log(table(['request', 'authorize / naive', 'authorize / explain'], ratios));
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await run();
