import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compilePolicies, parsePolicies, simulateDecision, simulatedRequest } from '@tessera/core';
import type { SimulationReport } from './simulator-report';
import { simulationState, simulationSummary } from './simulator-summary';

test("an allowed or denied request reads as its status and explain's verdict", async () => {
  const yaml = `apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: { name: deny-admin }
spec:
  action: DENY
  rules: [{ to: [{ operation: { paths: ["/admin/*"] } }] }]
`;
  const { documents } = parsePolicies(yaml);
  const set = compilePolicies(documents, { defaultAction: 'allow' });
  const built = simulatedRequest({
    method: 'GET',
    path: '/admin/x',
    host: 'a',
    port: 80,
    sourceIp: '10.0.0.1',
    namespace: 'default',
  });
  assert.ok('request' in built);
  const result = await simulateDecision(set, documents, built.request);
  if (result.status === 401) assert.fail('no token was sent');
  assert.equal(result.status, 403);
  const report: SimulationReport = {
    valid: true,
    status: result.status,
    decision: result.explanation.decision,
    identity: null,
    explanation: { policies: result.explanation.policies, text: result.explanation.text },
  };
  assert.match(
    simulationSummary(report),
    /^403 Forbidden\. DENIED by default\/deny-admin rule 0: a DENY policy matched$/,
  );
  assert.equal(simulationState(report), 'deny');
});

test('lint problems, a refused request and a refused token each say so', () => {
  assert.equal(
    simulationSummary({ valid: false, issues: [{ path: 'kind', message: 'x' }] }),
    'Not simulated: the linter found 1 problem in the policies (listed under the editor).',
  );
  assert.equal(
    simulationSummary({ valid: true, status: 400, reason: 'the path has an encoded slash' }),
    '400 Bad Request. The gateway refuses this request before any policy: the path has an encoded slash.',
  );
  const refused: SimulationReport = {
    valid: true,
    status: 401,
    error: { code: 'ERR_JWT_EXPIRED', message: 'the token expired' },
  };
  assert.equal(
    simulationSummary(refused),
    '401 Unauthorized. The token is refused: the token expired (ERR_JWT_EXPIRED).',
  );
  assert.equal(simulationState(refused), 'fail');
});
