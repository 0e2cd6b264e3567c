import type { RefObject } from 'preact';
import { useRef } from 'preact/hooks';
import { Field } from './components';
import { flaggedLines, lineOffset, textExtent, type YamlIssue } from './yaml-lines';

/**
 * Puts the caret at the start of a line (and column) of the editor's text and scrolls the line
 * into the editor's frame: where a clicked lint issue or policy points.
 *
 * @example
 * ```ts
 * goToLine(area.current, 7);
 * ```
 */
export function goToLine(area: HTMLTextAreaElement | null, line: number, column = 1): void {
  if (area === null) return;
  const offset = lineOffset(area.value, line, column);
  area.focus({ preventScroll: true });
  area.setSelectionRange(offset, offset);
  // The textarea grows to its text, so its frame (.editor) is what scrolls, not the textarea.
  const frame = area.parentElement;
  if (frame === null) return;
  frame.scrollIntoView({ block: 'nearest' });
  const lineHeight = Number.parseFloat(getComputedStyle(area).lineHeight) || 19;
  frame.scrollTop = Math.max(0, (line - 1) * lineHeight - frame.clientHeight / 3);
}

/**
 * The YAML editor: a plain `<textarea>` beside a gutter of line numbers, the lines with lint
 * issues flagged in it (their messages as the number's tooltip; the list under the editor, see
 * `YamlIssues`, says them to everyone). No editor library: the text stays text, and the bundle small.
 * The textarea grows to fit the text (rows and width), so gutter and text scroll as one in the
 * `.editor` frame.
 *
 * @example
 * ```tsx
 * <YamlEditor label="Policies" value={yaml} onInput={setYaml} issues={issues} areaRef={area} />
 * ```
 */
export function YamlEditor(props: {
  readonly label: string;
  readonly hint?: string;
  readonly value: string;
  readonly onInput: (value: string) => void;
  readonly issues?: readonly YamlIssue[];
  /** To move the caret from outside (`goToLine`). */
  readonly areaRef?: RefObject<HTMLTextAreaElement | null>;
  /** The id of what describes the issues (the list under the editor). */
  readonly describedBy?: string;
  readonly placeholder?: string;
  readonly readOnly?: boolean;
}) {
  const own = useRef<HTMLTextAreaElement>(null);
  const area = props.areaRef ?? own;
  const { lines, longest } = textExtent(props.value === '' ? (props.placeholder ?? '') : props.value);
  const flagged = flaggedLines(props.issues ?? []);
  const numbers = [];
  for (let n = 1; n <= lines; n++) {
    const message = flagged.get(n);
    numbers.push(
      message === undefined ? (
        `${n}\n`
      ) : (
        <span key={n} class="flagged" title={message}>
          {/* The mark is for those who do not see the colour. */}!{n}
          {'\n'}
        </span>
      ),
    );
  }
  return (
    <Field label={props.label} {...(props.hint === undefined ? {} : { hint: props.hint })}>
      <div class="editor">
        <pre class="gutter" aria-hidden="true">
          {numbers}
        </pre>
        <textarea
          ref={area}
          class="code"
          value={props.value}
          rows={lines}
          wrap="off"
          spellcheck={false}
          autocomplete="off"
          autocapitalize="off"
          placeholder={props.placeholder}
          readOnly={props.readOnly}
          aria-invalid={flagged.size > 0 ? true : undefined}
          aria-describedby={props.describedBy}
          style={{ minWidth: `calc(${longest + 2}ch + 1rem)` }}
          onInput={(e) => props.onInput(e.currentTarget.value)}
        />
      </div>
    </Field>
  );
}
