// Runs the conformance tables in ./conformance/*.yaml: policies (Istio YAML, unchanged) + request +
// identity → expected decision. The tables are data; this file only interprets them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import {
  compilePolicies,
  parsePolicies,
  type CompilePoliciesOptions,
  type Identity,
  type PolicyRequest,
} from '@tessera/core';

interface IdentitySpec {
  iss: string;
  sub: string;
  aud?: string | string[];
  azp?: string;
  claims?: Record<string, unknown>;
}
interface Case {
  name: string;
  request?: Record<string, unknown>;
  identity?: IdentitySpec;
  expect: Record<string, unknown>;
}
interface Group {
  name: string;
  options?: CompilePoliciesOptions;
  policies: string;
  request?: Record<string, unknown>;
  cases: Case[];
}

const dir = join(import.meta.dirname, 'conformance');

/** A test identity, shaped as RequestAuthentication would produce it. */
export function identityFrom(spec: IdentitySpec): Identity {
  const claims = {
    iss: spec.iss,
    sub: spec.sub,
    ...(spec.aud === undefined ? {} : { aud: spec.aud }),
    ...(spec.azp === undefined ? {} : { azp: spec.azp }),
    ...spec.claims,
  };
  return {
    requestPrincipal: `${spec.iss}/${spec.sub}`,
    issuer: spec.iss,
    subject: spec.sub,
    audiences: spec.aud === undefined ? [] : typeof spec.aud === 'string' ? [spec.aud] : spec.aud,
    presenter: spec.azp,
    claims,
    rule: { policy: 'test/table', index: 0, issuer: spec.iss },
    headersToAdd: [],
    tokenLocation: { kind: 'header', name: 'authorization', prefix: 'Bearer ' },
    forwardOriginalToken: false,
  };
}

function requestFrom(...layers: (Record<string, unknown> | undefined)[]): PolicyRequest {
  const out: Record<string, unknown> = { method: 'GET', host: 'example.com', path: '/', port: 80, headers: {} };
  for (const layer of layers) {
    for (const [k, v] of Object.entries(layer ?? {})) {
      if (v === null) delete out[k];
      else if (k === 'headers')
        out[k] = Object.fromEntries(Object.entries(v as Record<string, string>).map(([n, x]) => [n.toLowerCase(), x]));
      else if (k === 'host') out[k] = typeof v === 'string' ? v.toLowerCase() : v;
      else out[k] = v;
    }
  }
  return out as unknown as PolicyRequest;
}

/** null in the tables stands for undefined. */
function normalize(value: unknown): unknown {
  if (value === null || value === undefined) return undefined;
  if (Array.isArray(value)) return value.map(normalize);
  if (typeof value === 'object')
    return Object.fromEntries(
      Object.entries(value)
        .map(([k, v]) => [k, normalize(v)])
        .filter(([, v]) => v !== undefined),
    );
  return value;
}

const files = readdirSync(dir)
  .filter((f) => f.endsWith('.yaml'))
  .sort();

test('the conformance tables exist', () => {
  assert.ok(files.length >= 6, `found ${files.length} table files in ${dir}`);
});

for (const file of files) {
  const { groups } = parse(readFileSync(join(dir, file), 'utf8')) as { groups: Group[] };
  for (const group of groups) {
    const { documents } = parsePolicies(group.policies ?? '', { file: `${file}: ${group.name}` });
    const set = compilePolicies(documents, group.options);
    for (const c of group.cases) {
      test(`${file} › ${group.name} › ${c.name}`, () => {
        const request = requestFrom(group.request, c.request);
        const identity = c.identity === undefined ? undefined : identityFrom(c.identity);
        const decision = set.authorize(request, identity);
        for (const [key, expected] of Object.entries(c.expect)) {
          assert.deepEqual(
            normalize((decision as unknown as Record<string, unknown>)[key]),
            normalize(expected),
            `${key}: got ${JSON.stringify(decision)}`,
          );
        }
        // explain agrees with authorize and names the deciding policy and its location.
        const explanation = set.explain(request, identity);
        assert.deepEqual(explanation.decision, decision);
        assert.equal(explanation.policies.length, set.policies.filter((p) => p.kind === 'AuthorizationPolicy').length);
        if (decision.policy !== undefined) {
          assert.match(explanation.text, new RegExp(decision.policy.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
          const deciding = explanation.policies.find((p) => p.policy === decision.policy)!;
          assert.equal(deciding.selected, true);
          if (decision.reason === 'deny-matched' || decision.reason === 'allow-matched')
            assert.equal(deciding.matchedRule, decision.rule);
        }
        if (decision.reason === 'no-allow-matched') {
          // Every selected ALLOW policy is explained with the failed conditions of each rule.
          for (const p of explanation.policies.filter((x) => x.selected && x.action === 'ALLOW' && !x.dryRun)) {
            assert.equal(p.matched, false);
            for (const r of p.rules)
              assert.ok(r.failures.length > 0, `${p.policy} rule ${r.index} should say why it failed`);
          }
        }
      });
    }
  }
}
