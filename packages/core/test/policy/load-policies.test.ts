import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, mkdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compilePolicies, isTesseraError, loadPolicies, parsePolicies, type PolicyIssue } from '@tessera/core';

function issuesOf(fn: () => unknown): PolicyIssue[] {
  try {
    fn();
  } catch (error) {
    assert.ok(isTesseraError(error, 'ERR_POLICY_INVALID'), `expected ERR_POLICY_INVALID, got ${String(error)}`);
    return error.details!.issues as PolicyIssue[];
  }
  assert.fail('expected ERR_POLICY_INVALID');
}

async function issuesOfAsync(fn: () => Promise<unknown>): Promise<PolicyIssue[]> {
  try {
    await fn();
  } catch (error) {
    assert.ok(isTesseraError(error, 'ERR_POLICY_INVALID'), `expected ERR_POLICY_INVALID, got ${String(error)}`);
    return error.details!.issues as PolicyIssue[];
  }
  assert.fail('expected ERR_POLICY_INVALID');
}

const head = (kind: string, name = 'p') =>
  `apiVersion: security.istio.io/v1\nkind: ${kind}\nmetadata:\n  name: ${name}\n  namespace: default\n`;

test('every problem is reported with file, line, column and field path', () => {
  const text = [
    head('AuthorizationPolicy', 'first').trimEnd(), // lines 1-5
    'spec:', // 6
    '  action: ALOW', // 7
    '  rules:', // 8
    '  - to:', // 9
    '    - operation:', // 10
    '        notpaths: ["/x"]', // 11
    '        ports: ["http"]', // 12
    '        paths: ["/a/{**}/b"]', // 13
    '  - from:', // 14
    '    - source:', // 15
    '        ipBlocks: ["10.0.0.0/33", "1.2.3.4"]', // 16
    '    when:', // 17
    '    - key: request.auth.claim[groups]', // 18
    '      values: ["a"]', // 19
    '    - key: source.ip', // 20
    '---', // 21
    head('RequestAuthentication', 'second').trimEnd(), // 22-26
    'spec:', // 27
    '  targetRef: { kind: Gateway, name: gw }', // 28
    '  jwtRules:', // 29
    '  - jwksUri: "ftp://example.com/jwks"', // 30
    '    jwks: "{not json"', // 31
    '    timeout: 5 seconds', // 32
    '    outputClaimToHeaders:', // 33
    '    - header: "bad header"', // 34
    '      claim: sub', // 35
  ].join('\n');
  const issues = issuesOf(() => parsePolicies(text, { file: 'policies.yaml' }));
  const find = (path: string) => {
    const hit = issues.find((i) => i.path === path);
    assert.ok(hit, `no issue at ${path}; got ${issues.map((i) => i.path).join(', ')}`);
    assert.equal(hit.file, 'policies.yaml');
    return hit;
  };
  assert.equal(find('spec.action').line, 7);
  assert.match(find('spec.action').message, /ALLOW, DENY, AUDIT, CUSTOM/);
  assert.equal(find('spec.rules[0].to[0].operation.notpaths').line, 11);
  assert.match(find('spec.rules[0].to[0].operation.notpaths').message, /unknown field "notpaths"/);
  assert.equal(find('spec.rules[0].to[0].operation.ports[0]').line, 12);
  assert.equal(find('spec.rules[0].to[0].operation.paths[0]').line, 13);
  assert.match(find('spec.rules[0].to[0].operation.paths[0]').message, /last operator/);
  const cidr = find('spec.rules[1].from[0].source.ipBlocks[0]');
  assert.equal(cidr.line, 16);
  assert.equal(cidr.column, 20);
  assert.ok(!issues.some((i) => i.path === 'spec.rules[1].from[0].source.ipBlocks[1]'), 'a bare address is a /32');
  assert.equal(find('spec.rules[1].when[0].key').line, 18);
  assert.match(find('spec.rules[1].when[0].key').message, /unknown condition key/);
  assert.equal(find('spec.rules[1].when[1]').line, 20);
  assert.match(find('spec.rules[1].when[1]').message, /values or notValues/);
  assert.equal(find('spec.targetRef').line, 28);
  assert.match(find('spec.targetRef').message, /not supported outside Kubernetes/);
  assert.equal(find('spec.jwtRules[0].issuer').line, 30, 'a missing field points at its parent');
  assert.equal(find('spec.jwtRules[0].jwksUri').line, 30);
  assert.equal(find('spec.jwtRules[0].jwks').line, 31);
  assert.equal(find('spec.jwtRules[0].timeout').line, 32);
  assert.equal(find('spec.jwtRules[0].outputClaimToHeaders[0].header').line, 34);
});

test('the error message lists issues as file:line:column: path: message', () => {
  try {
    parsePolicies(`${head('AuthorizationPolicy')}spec:\n  action: CUSTOM\n`, { file: 'p.yaml' });
    assert.fail('should throw');
  } catch (error) {
    assert.ok(isTesseraError(error, 'ERR_POLICY_INVALID'));
    assert.match(error.message, /p\.yaml:7:3: spec\.provider: action: CUSTOM requires provider\.name/);
  }
});

test('YAML syntax errors and duplicate keys are reported with their line', () => {
  const dup = issuesOf(() =>
    parsePolicies(
      `${head('AuthorizationPolicy')}spec:\n  rules:\n  - from:\n    - source:\n        principals: ["a"]\n      source:\n        requestPrincipals: ["*"]\n`,
      { file: 'dup.yaml' },
    ),
  );
  assert.equal(dup.length, 1);
  assert.equal(dup[0]!.line, 11);
  assert.match(dup[0]!.message, /unique/);
  const broken = issuesOf(() => parsePolicies('kind: [unclosed\n', { file: 'broken.yaml' }));
  assert.equal(broken[0]!.file, 'broken.yaml');
  assert.ok(broken[0]!.line! >= 1);
});

test('semantic checks: provider only with CUSTOM, dry-run annotation value, apiVersion, metadata.name', () => {
  const issues = issuesOf(() =>
    parsePolicies(
      [
        `${head('AuthorizationPolicy', 'a')}spec:\n  provider: { name: opa }\n`,
        `apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata:\n  name: b\n  annotations:\n    istio.io/dry-run: "yes"\n`,
        `apiVersion: security.istio.io/v1alpha1\nkind: AuthorizationPolicy\nmetadata:\n  namespace: x\n`,
      ].join('---\n'),
    ),
  );
  assert.ok(issues.some((i) => i.path === 'spec.provider' && /only allowed with action: CUSTOM/.test(i.message)));
  assert.ok(issues.some((i) => i.path === 'metadata.annotations.istio.io/dry-run' && i.line === 14));
  assert.ok(issues.some((i) => i.path === 'apiVersion' && i.line === 16));
  assert.ok(issues.some((i) => i.path === 'metadata.name' && /required/.test(i.message)));
});

test('condition keys are looked up as own names: Object.prototype members are unknown keys', () => {
  const issues = issuesOf(() =>
    parsePolicies(
      `${head('AuthorizationPolicy')}spec:\n  rules:\n  - when:\n    - { key: constructor, values: ["x"] }\n    - { key: toString, notValues: ["x"] }\n`,
    ),
  );
  assert.deepEqual(
    issues.map((i) => [i.line, i.path, i.message.split(';')[0]]),
    [
      [9, 'spec.rules[0].when[0].key', 'unknown condition key "constructor"'],
      [10, 'spec.rules[0].when[1].key', 'unknown condition key "toString"'],
    ],
  );
});

test('documents of other kinds are skipped with a warning; empty documents are fine', () => {
  const { documents, warnings } = parsePolicies(
    `apiVersion: v1\nkind: Service\nmetadata: { name: s }\n---\n---\n${head('AuthorizationPolicy')}spec: {}\n---\n`,
    { file: 'mixed.yaml' },
  );
  assert.equal(documents.length, 1);
  assert.equal(documents[0]!.kind, 'AuthorizationPolicy');
  assert.deepEqual(documents[0]!.source, { file: 'mixed.yaml', line: 6, column: 1 });
  assert.equal(warnings.length, 1);
  assert.match(warnings[0]!.message, /kind Service/);
  assert.equal(warnings[0]!.line, 1);
  assert.ok(Object.isFrozen(documents[0]) && Object.isFrozen(documents[0]!.metadata));
});

test('both jwks and jwksUri: warning, the inline set wins', () => {
  const { warnings, documents } = parsePolicies(
    `${head('RequestAuthentication')}spec:\n  jwtRules:\n  - issuer: https://i\n    jwksUri: https://i/jwks\n    jwks: '{"keys":[]}'\n`,
  );
  assert.equal(warnings.length, 1);
  assert.equal(warnings[0]!.path, 'spec.jwtRules[0].jwksUri');
  assert.equal(documents.length, 1);
});

test('loadPolicies reads files and folders (recursively, sorted, dot-files skipped) and reports all files at once', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'tessera-policies-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  await mkdir(join(dir, 'nested'));
  await writeFile(join(dir, 'b.yaml'), `${head('AuthorizationPolicy', 'b')}spec: { rules: [{}] }\n`);
  await writeFile(
    join(dir, 'a.yml'),
    `${head('AuthorizationPolicy', 'a')}spec: {}\n---\n${head('RequestAuthentication', 'ra')}spec:\n  jwtRules:\n  - issuer: https://i\n    jwks: '{"keys":[]}'\n`,
  );
  await writeFile(
    join(dir, 'nested', 'c.json'),
    JSON.stringify({
      apiVersion: 'security.istio.io/v1beta1',
      kind: 'AuthorizationPolicy',
      metadata: { name: 'c', namespace: 'x' },
      spec: { action: 'DENY' },
    }),
  );
  await writeFile(join(dir, '.swap.yaml'), 'garbage: [');
  await writeFile(join(dir, 'README.md'), '# not a policy');
  await symlink(dir, join(dir, 'nested', 'loop'));
  const loaded = await loadPolicies(dir);
  assert.deepEqual(
    loaded.documents.map((d) => d.metadata.name),
    ['a', 'ra', 'b', 'c'],
  );
  assert.deepEqual(
    loaded.files.map((f) => f.slice(dir.length + 1)),
    ['a.yml', 'b.yaml', 'nested/c.json'],
  );
  const set = compilePolicies(loaded.documents);
  assert.equal(set.policies.length, 4);
  assert.equal(set.policies[0]!.file, join(dir, 'a.yml'));

  await writeFile(join(dir, 'b.yaml'), `${head('AuthorizationPolicy', 'b')}spec:\n  action: NOPE\n`);
  await writeFile(
    join(dir, 'nested', 'd.yaml'),
    `${head('AuthorizationPolicy', 'd')}spec:\n  rules:\n  - to:\n    - operation: { paths: ["/{*}x"] }\n`,
  );
  const issues = await issuesOfAsync(() => loadPolicies([dir, join(dir, 'missing.yaml')]));
  assert.deepEqual(
    issues.map((i) => [i.file!.slice(dir.length + 1), i.line, i.path]),
    [
      ['missing.yaml', undefined, '(file)'],
      ['b.yaml', 7, 'spec.action'],
      ['nested/d.yaml', 9, 'spec.rules[0].to[0].operation.paths[0]'],
    ],
  );
});

test('compilePolicies rejects the same policy twice and validates documents built in code', () => {
  const a = parsePolicies(`${head('AuthorizationPolicy', 'same')}spec: {}\n`, { file: 'one.yaml' }).documents;
  const b = parsePolicies(`${head('AuthorizationPolicy', 'same')}spec: { rules: [{}] }\n`, {
    file: 'two.yaml',
  }).documents;
  const issues = issuesOf(() => compilePolicies([...a, ...b]));
  assert.equal(issues.length, 1);
  assert.equal(issues[0]!.file, 'two.yaml');
  assert.match(issues[0]!.message, /default\/same is defined twice \(first at one\.yaml:1\)/);
  // Same name, other kind or namespace: fine.
  const ra = parsePolicies(`${head('RequestAuthentication', 'same')}spec: {}\n`).documents;
  assert.equal(compilePolicies([...a, ...ra]).policies.length, 2);

  const built = issuesOf(() =>
    compilePolicies([
      {
        apiVersion: 'security.istio.io/v1',
        kind: 'AuthorizationPolicy',
        metadata: { name: 'x' },
        spec: { action: 'DENY', rules: [{ to: [{ operation: { methods: 'GET' as unknown as string[] } }] }] },
      },
    ]),
  );
  assert.equal(built[0]!.path, 'spec.rules[0].to[0].operation.methods');
});

test('compilePolicies checks its options', () => {
  assert.throws(
    () => compilePolicies([], { defaultAction: 'maybe' as 'allow' }),
    (e: unknown) => isTesseraError(e, 'ERR_CONFIG_INVALID'),
  );
  assert.throws(
    () => compilePolicies([], { rootNamespace: '' }),
    (e: unknown) => isTesseraError(e, 'ERR_CONFIG_INVALID'),
  );
});
