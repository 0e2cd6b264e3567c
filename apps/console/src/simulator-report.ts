// The policy simulator's wire types: what `POST /admin/policies/simulate` answers (the token
// service's `simulatePolicies`), with core's own types for the parts core defines. Types only: the
// console reaches the service over HTTP and imports no package code.
import type { Decision, PolicyExplanation, PolicyIssue } from '@tessera/core';

/** The simulator's answer: lint issues at their line, or the gateway's status and the account of it. */
export type SimulationReport =
  | { readonly valid: false; readonly issues: readonly PolicyIssue[] }
  | {
      readonly valid: true;
      /** 400 (the request itself is refused), 401 (the token), 200 or 403 (the authorization). */
      readonly status: 400 | 401 | 200 | 403;
      /** Why the gateway would refuse the request before any policy (400). */
      readonly reason?: string;
      /** Why the token was refused (401). */
      readonly error?: { readonly code: string; readonly message: string };
      readonly decision?: Decision;
      /** The request principal the token (or the assumption) gave; null for none. */
      readonly identity?: {
        readonly requestPrincipal: string;
        readonly audiences: readonly string[];
        readonly claims: Readonly<Record<string, unknown>>;
      } | null;
      /** `explain`: every policy considered, and the summary `tessera policy check` prints. */
      readonly explanation?: { readonly policies: readonly PolicyExplanation[]; readonly text: string };
    };

/** A gateway of `GET /admin/gateways`, the fields the simulator reads. */
export interface ReportingGateway {
  readonly id: string;
  readonly lastSeen: number | string;
  readonly healthy: boolean;
  readonly policyHash?: string;
  /** Whether the documents of `policyHash` are at this service (absent from older services: then try). */
  readonly hasPolicies?: boolean;
}

/** `GET /admin/gateways/:id/policies`: the policy files a gateway last reported. */
export interface ReportedPolicies {
  readonly hash: string;
  readonly documents: readonly { readonly file: string; readonly yaml: string }[];
}
