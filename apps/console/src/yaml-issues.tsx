import type { YamlIssue } from './yaml-lines';

/**
 * The linter's answer under the YAML editor: a one-line status (a polite live region that stays
 * in the page, so a screen reader hears each new answer without the whole list read out on every
 * change), then the issues, each with its line as a button that moves the caret there (`onGo`).
 *
 * @example
 * ```tsx
 * <YamlIssues id="lint" status={status} issues={issues} onGo={(i) => goToLine(area.current, i.line!, i.column)} />
 * ```
 */
export function YamlIssues(props: {
  readonly id?: string;
  /** What the linter said, e.g. "Checking…", "Accepted by the linter.", "2 problems:"; empty for nothing yet. */
  readonly status: string;
  readonly issues: readonly YamlIssue[];
  readonly onGo: (issue: YamlIssue) => void;
}) {
  const bad = props.issues.length > 0;
  return (
    <div class="yaml-issues" id={props.id}>
      <p role="status" class={bad ? 'bad' : 'muted'}>
        {props.status}
      </p>
      {bad ? (
        <ul>
          {props.issues.map((issue, i) => (
            <li key={i}>
              {issue.line === undefined ? null : (
                <>
                  <button type="button" class="link" onClick={() => props.onGo(issue)}>
                    Line {issue.line}
                    {issue.column === undefined ? '' : `:${issue.column}`}
                  </button>{' '}
                </>
              )}
              {issue.path === undefined ? null : (
                <>
                  <code>{issue.path}</code>:{' '}
                </>
              )}
              {issue.message}
            </li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}
