// The conformance tables in ./conformance/*.yaml (policies, request, identity → expected decision)
// and how to read them; shared by the engine's test and the end-to-end test that holds the
// middleware, the gateway and `tessera policy check` to the same decisions.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import type { CompilePoliciesOptions, Identity, PolicyRequest } from '@tessera/core';

const dir = join(import.meta.dirname, 'conformance');

/** Every table file, in name order, with its groups. */
export function loadConformanceTables(): { file: string; groups: Group[] }[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .map((file) => ({ file, groups: (parse(readFileSync(join(dir, file), 'utf8')) as { groups: Group[] }).groups }));
}

/** A table's identity: who the RequestAuthentication would have authenticated. */
export interface IdentitySpec {
  iss: string;
  sub: string;
  aud?: string | string[];
  azp?: string;
  claims?: Record<string, unknown>;
}
/** One case: a request (over the group's), an identity, the expected decision fields. */
export interface Case {
  name: string;
  request?: Record<string, unknown>;
  identity?: IdentitySpec;
  expect: Record<string, unknown>;
}
/** Policies and the cases decided under them. */
export interface Group {
  name: string;
  options?: CompilePoliciesOptions;
  policies: string;
  request?: Record<string, unknown>;
  cases: Case[];
}

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

/** The policy request of a case: defaults, then the group's request, then the case's. */
export function requestFrom(...layers: (Record<string, unknown> | undefined)[]): PolicyRequest {
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
export function normalize(value: unknown): unknown {
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
