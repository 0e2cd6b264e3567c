import { useEffect, useState } from 'preact/hooks';
import { api, describeError } from './api';
import type { SimulationReport } from './simulator-report';
import type { YamlIssue } from './yaml-lines';

/** What the linter said of the YAML last given to {@link usePolicyLint}. */
export interface PolicyLint {
  /** `empty`: nothing to check; `checking`: asked; `accepted`/`rejected`: its answer; `failed`: no answer. */
  readonly state: 'empty' | 'checking' | 'accepted' | 'rejected' | 'failed';
  readonly issues: readonly YamlIssue[];
  readonly error?: string;
}

/**
 * Lints policy YAML with the token service's own linter as the user types (after `delayMs` of
 * quiet). The admin API has no lint-only call: `POST /admin/policies/simulate` parses and
 * validates first and answers the issues before it decides anything, so a trivial request (`GET
 * /`, no token: nothing is fetched, nothing stored) asks it. Only the latest text's answer is kept.
 *
 * @example
 * ```ts
 * const lint = usePolicyLint(yaml);
 * if (lint.state === 'rejected') show(lint.issues);
 * ```
 */
export function usePolicyLint(text: string, delayMs = 500): PolicyLint {
  const [lint, setLint] = useState<PolicyLint>({ state: 'empty', issues: [] });
  useEffect(() => {
    if (text.trim() === '') {
      setLint({ state: 'empty', issues: [] });
      return;
    }
    let current = true;
    setLint((was) => ({ ...was, state: 'checking' }));
    const timer = setTimeout(() => {
      api<SimulationReport>('/admin/policies/simulate', {
        method: 'POST',
        body: { policies: text, request: { path: '/' } },
      })
        .then((report) => {
          if (!current) return;
          setLint(report.valid ? { state: 'accepted', issues: [] } : { state: 'rejected', issues: report.issues });
        })
        .catch((err: unknown) => current && setLint({ state: 'failed', issues: [], error: describeError(err) }));
    }, delayMs);
    return () => {
      current = false;
      clearTimeout(timer);
    };
  }, [text, delayMs]);
  return lint;
}

/**
 * The one line that says what the linter answered, for the editor's status.
 *
 * @example
 * ```ts
 * lintStatus({ state: 'rejected', issues: [a, b] }); // 'The linter found 2 problems:'
 * ```
 */
export function lintStatus(lint: PolicyLint): string {
  switch (lint.state) {
    case 'empty':
      return '';
    case 'checking':
      return 'Checking with the linter…';
    case 'accepted':
      return 'Accepted by the linter (what tessera policy lint runs).';
    case 'rejected':
      return `The linter found ${lint.issues.length} problem${lint.issues.length === 1 ? '' : 's'}:`;
    case 'failed':
      return `The linter could not be asked: ${lint.error ?? 'no answer'}`;
  }
}
