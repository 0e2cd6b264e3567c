import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseAllDocuments } from 'yaml';
import {
  compilePolicies,
  isTesseraError,
  parsePolicies,
  simulateDecision,
  simulatedRequest,
  type KeySource,
  type PolicyDocument,
  type PolicyIssue,
} from '@tessera/core';
import { EMPTY_POLICY_FORM, durationMs, policyFormProblems, type PolicyForm } from './policy-form';
import { policyYaml, yamlScalar } from './policy-yaml';

// What `tessera policy lint` runs: parse and validate every document, then compile the set with
// remote keys never fetched.
const offlineKeys: KeySource = {
  getKeys() {
    throw new Error('keys are not fetched while linting');
  },
};
function lint(text: string) {
  const { documents, warnings } = parsePolicies(text, { file: 'form.yaml' });
  const set = compilePolicies(documents, { createRemoteKeySource: () => offlineKeys });
  return { documents, warnings, set };
}
function lintIssues(text: string): readonly PolicyIssue[] {
  try {
    lint(text);
    return [];
  } catch (error) {
    if (!isTesseraError(error, 'ERR_POLICY_INVALID')) throw error;
    return error.details?.['issues'] as PolicyIssue[];
  }
}

/** The YAML documents of `text`, as the `yaml` package reads them (YAML 1.2), with no parse error. */
function docsOf(text: string): unknown[] {
  const docs = parseAllDocuments(text);
  assert.ok(Array.isArray(docs));
  for (const doc of docs) assert.deepEqual(doc.errors, []);
  return docs.map((doc) => doc.toJS() as unknown);
}

const ISSUER = 'https://auth.example/';
const FULL: PolicyForm = {
  ...EMPTY_POLICY_FORM,
  name: 'orders-jwt',
  namespace: 'shop',
  labels: 'app=orders\ntier=api',
  issuer: ISSUER,
  jwksUri: 'https://auth.example/.well-known/jwks.json',
  audiences: 'orders, billing',
  forwardOriginalToken: true,
  claimHeaders: [
    { header: 'x-user', claim: 'sub' },
    { header: '', claim: '' },
  ],
  tokenHeader: 'x-jwt-assertion',
  tokenPrefix: 'Bearer ',
  cacheDuration: '15m',
  timeout: '3s',
};

test('the whole form: valid YAML, Istio field names, accepted by the linter without a warning', () => {
  const text = policyYaml(FULL);
  assert.deepEqual(policyFormProblems(FULL), []);
  assert.deepEqual(docsOf(text), [
    {
      apiVersion: 'security.istio.io/v1',
      kind: 'RequestAuthentication',
      metadata: { name: 'orders-jwt', namespace: 'shop' },
      spec: {
        selector: { matchLabels: { app: 'orders', tier: 'api' } },
        jwtRules: [
          {
            issuer: ISSUER,
            jwksUri: 'https://auth.example/.well-known/jwks.json',
            audiences: ['orders', 'billing'],
            fromHeaders: [{ name: 'x-jwt-assertion', prefix: 'Bearer ' }],
            forwardOriginalToken: true,
            outputClaimToHeaders: [{ header: 'x-user', claim: 'sub' }],
            timeout: '3s',
          },
        ],
      },
    },
  ]);
  const { documents, warnings, set } = lint(text);
  assert.deepEqual(warnings, []);
  assert.equal(documents.length, 1);
  assert.deepEqual(
    set.policies.map((p) => p.id),
    ['shop/orders-jwt'],
  );
});

test('the JWKS cache duration has no Istio field: a comment says how it maps (900000 ms), no field is written', () => {
  const text = policyYaml(FULL);
  assert.match(text, /^ *# .*policies\.jwks\.cacheMaxAgeMs: 900000/m);
  assert.match(text, /PILOT_JWT_PUB_KEY_REFRESH_INTERVAL/);
  assert.doesNotMatch(text, /^\s*cache\w*:/im);
  assert.equal(durationMs('1h30m'), 5_400_000);
  assert.equal(durationMs('500ms'), 500);
  assert.equal(durationMs('ten minutes'), undefined);
});

test('every scalar is JSON-quoted: YAML 1.1 booleans, numbers, comments and colons stay strings', () => {
  const tricky: PolicyForm = {
    ...FULL,
    labels: 'no=on\nversion=1e3',
    audiences: 'yes\nnull\n# not a comment\nkey: value\n"quoted"',
    claimHeaders: [{ header: 'x-tricky', claim: 'a: b #c' }],
  };
  const text = policyYaml(tricky);
  const [doc] = docsOf(text) as {
    spec: {
      selector: { matchLabels: Record<string, unknown> };
      jwtRules: { audiences: unknown[]; outputClaimToHeaders: unknown[] }[];
    };
  }[];
  const spec = doc!.spec;
  assert.deepEqual(spec.selector.matchLabels, { no: 'on', version: '1e3' });
  assert.deepEqual(spec.jwtRules[0]!.audiences, ['yes', 'null', '# not a comment', 'key: value', '"quoted"']);
  assert.deepEqual(spec.jwtRules[0]!.outputClaimToHeaders, [{ header: 'x-tricky', claim: 'a: b #c' }]);
  assert.deepEqual(lintIssues(text), []);
  // Every value line ends in a JSON scalar.
  for (const line of text.split('\n')) {
    if (line.trim() === '' || line.trim().startsWith('#') || line === '---' || line.trimEnd().endsWith(':')) continue;
    const value = line.replace(/^\s*(?:- )?(?:(?:[A-Za-z]+|"(?:[^"\\]|\\.)*"): )?/, '');
    assert.doesNotThrow(() => JSON.parse(value), `not JSON: ${line}`);
  }
  assert.equal(yamlScalar('a\u0085b\u2028'), '"a\\u0085b\\u2028"');
  assert.equal(yamlScalar(true), 'true');
});

test('an inline JWKS is written as Istio wants it, a JSON string, and the linter compiles it', () => {
  const jwks = {
    keys: [
      {
        kty: 'EC',
        crv: 'P-256',
        kid: 'k1',
        x: 'f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU',
        y: 'x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0',
      },
    ],
  };
  const form: PolicyForm = {
    ...EMPTY_POLICY_FORM,
    labels: 'app=orders',
    issuer: ISSUER,
    jwksSource: 'inline',
    jwks: JSON.stringify(jwks, null, 2),
  };
  assert.deepEqual(policyFormProblems(form), []);
  const text = policyYaml(form);
  const { documents } = lint(text);
  const rule = (documents[0] as Extract<PolicyDocument, { kind: 'RequestAuthentication' }>).spec!.jwtRules![0]!;
  assert.equal(rule.jwksUri, undefined);
  assert.deepEqual(JSON.parse(rule.jwks!), jwks);
  assert.deepEqual(
    policyFormProblems({ ...form, jwks: '{"kty":"EC"}' }).map((p) => p.field),
    ['jwks'],
  );
});

test('discovery writes neither jwksUri nor jwks; no labels is a namespace-wide policy without selector', () => {
  const form: PolicyForm = { ...EMPTY_POLICY_FORM, labels: '', issuer: ISSUER, jwksSource: 'discovery' };
  const text = policyYaml(form);
  assert.doesNotMatch(text, /jwks|selector/);
  assert.equal(docsOf(text).length, 1);
  assert.deepEqual(lintIssues(text), []);
});

/** Decides a request against the form's YAML, as `tessera policy check` does, with an assumed principal. */
async function decide(
  text: string,
  request: { path: string; host?: string; method?: string },
  principal?: { principal: string; claims?: Record<string, unknown> },
) {
  const { documents, set } = lint(text);
  const built = simulatedRequest({
    method: request.method ?? 'GET',
    path: request.path,
    host: request.host ?? 'orders.example',
    port: 443,
    sourceIp: '10.0.0.1',
    labels: { app: 'orders' },
    namespace: 'default',
  });
  assert.ok('request' in built);
  const result = await simulateDecision(set, documents, built.request, principal);
  assert.notEqual(result.status, 401);
  return result.status;
}

test('ALLOW: only a token of the issuer, on the hosts and paths, with the claims, reaches the route', async () => {
  const form: PolicyForm = {
    ...EMPTY_POLICY_FORM,
    labels: 'app=orders',
    issuer: ISSUER,
    jwksUri: 'https://auth.example/jwks',
    authorization: 'allow',
    hosts: 'orders.example',
    paths: '/api/*',
    methods: 'GET, POST',
    requiredClaims: [{ claim: 'groups', values: 'admin\nops' }],
  };
  assert.deepEqual(policyFormProblems(form), []);
  const text = policyYaml(form);
  assert.equal(lint(text).documents.length, 2);
  const admin = { principal: `${ISSUER}/alice`, claims: { groups: ['admin'] } };
  assert.equal(await decide(text, { path: '/api/orders' }, admin), 200);
  assert.equal(await decide(text, { path: '/api/orders' }), 403, 'no token');
  assert.equal(
    await decide(
      text,
      { path: '/api/orders' },
      { principal: 'https://other.example/bob', claims: { groups: ['admin'] } },
    ),
    403,
  );
  assert.equal(
    await decide(text, { path: '/api/orders' }, { principal: `${ISSUER}/carol`, claims: { groups: ['dev'] } }),
    403,
  );
  assert.equal(await decide(text, { path: '/health' }, admin), 403, 'another path');
  assert.equal(await decide(text, { path: '/api/orders', method: 'DELETE' }, admin), 403);
});

test('require: requests to the paths without a token or without the claim are denied; other paths are left alone', async () => {
  const form: PolicyForm = {
    ...EMPTY_POLICY_FORM,
    labels: 'app=orders',
    issuer: ISSUER,
    jwksUri: 'https://auth.example/jwks',
    authorization: 'require',
    paths: '/admin/*',
    requiredClaims: [{ claim: '[realm_access][roles]', values: 'admin' }],
  };
  assert.deepEqual(policyFormProblems(form), []);
  const text = policyYaml(form);
  assert.match(text, /"request\.auth\.claims\[realm_access\]\[roles\]"/);
  // A DENY policy alone lets the rest through only when no ALLOW policy selects the route: add one.
  const allowAll = `${text}---\napiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata: { name: allow-all }\nspec:\n  selector: { matchLabels: { app: orders } }\n  rules: [{}]\n`;
  const admin = { principal: `${ISSUER}/alice`, claims: { realm_access: { roles: ['admin'] } } };
  assert.equal(await decide(allowAll, { path: '/admin/users' }, admin), 200);
  assert.equal(await decide(allowAll, { path: '/admin/users' }), 403, 'no token');
  assert.equal(await decide(allowAll, { path: '/admin/users' }, { principal: `${ISSUER}/bob`, claims: {} }), 403);
  assert.equal(await decide(allowAll, { path: '/public' }), 200);
});

test('problems are said per field, and what the linter would refuse is caught before it', () => {
  const bad: PolicyForm = {
    ...EMPTY_POLICY_FORM,
    name: '',
    labels: 'app',
    issuer: '',
    jwksUri: 'ftp://keys',
    claimHeaders: [{ header: 'bad header', claim: '' }],
    timeout: 'soon',
    cacheDuration: '48h',
    authorization: 'allow',
    paths: 'api',
    requiredClaims: [{ claim: 'groups', values: '' }],
  };
  assert.deepEqual(
    policyFormProblems(bad).map((p) => p.field),
    [
      'name',
      'labels',
      'issuer',
      'jwksUri',
      'claimHeaders.0.header',
      'claimHeaders.0.claim',
      'timeout',
      'cacheDuration',
      'paths',
      'requiredClaims.0.values',
    ],
  );
  // And the linter agrees on what reaches it (a bad address and a bad timeout, at their lines).
  const issues = lintIssues(policyYaml({ ...FULL, jwksUri: 'ftp://keys', timeout: 'soon' }));
  assert.deepEqual(
    issues.map((i) => i.path),
    ['spec.jwtRules[0].jwksUri', 'spec.jwtRules[0].timeout'],
  );
  assert.ok(issues.every((i) => typeof i.line === 'number'));
});
