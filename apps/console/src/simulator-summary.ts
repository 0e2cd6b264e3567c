import type { SimulationReport } from './simulator-report';

const STATUS_TEXT = { 200: 'OK', 400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden' } as const;

/**
 * The one sentence a simulation comes to, for the page's live status: the gateway's answer and
 * why, in the words `tessera policy check` uses (the verdict line of `explain`'s account).
 *
 * @example
 * ```ts
 * simulationSummary(report); // '403 Forbidden. DENIED by default/deny-admin rule 0: a DENY policy matched'
 * ```
 */
export function simulationSummary(report: SimulationReport): string {
  if (!report.valid) {
    const n = report.issues.length;
    return `Not simulated: the linter found ${n} problem${n === 1 ? '' : 's'} in the policies (listed under the editor).`;
  }
  const status = `${report.status} ${STATUS_TEXT[report.status]}.`;
  switch (report.status) {
    case 400:
      return `${status} The gateway refuses this request before any policy: ${report.reason ?? 'no reason given'}.`;
    case 401:
      return `${status} The token is refused: ${report.error === undefined ? 'no reason given' : `${report.error.message} (${report.error.code})`}.`;
    case 200:
    case 403: {
      // The account's first line restates the request; the verdict is the line after it.
      const verdict = report.explanation?.text.split('\n').find((line) => /^(ALLOWED|DENIED)\b/.test(line));
      return verdict === undefined ? status : `${status} ${verdict}`;
    }
  }
}

/**
 * The `.state` class of a simulated status: allowed, denied, or refused before the policies.
 *
 * @example
 * ```ts
 * simulationState(report); // 'allow'
 * ```
 */
export function simulationState(report: SimulationReport): 'allow' | 'deny' | 'fail' {
  if (!report.valid) return 'fail';
  return report.status === 200 ? 'allow' : report.status === 403 ? 'deny' : 'fail';
}
