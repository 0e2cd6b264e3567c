import { cloneElement, isValidElement, type ComponentChildren } from 'preact';
import { useId, useRef, useState } from 'preact/hooks';
import { describeError } from './api';

/** A message under a form: a polite status for success, an alert for a failure (read out by screen readers). */
export function Notice(props: { readonly error?: string | undefined; readonly ok?: string | undefined }) {
  if (props.error !== undefined)
    return (
      <p class="notice error" role="alert">
        {props.error}
      </p>
    );
  if (props.ok !== undefined)
    return (
      <p class="notice ok" role="status">
        {props.ok}
      </p>
    );
  return null;
}

/**
 * A labelled form control: the label names the control, and the hint (outside the label, so it is
 * not part of the name) describes it through `aria-describedby`.
 */
export function Field(props: { readonly label: string; readonly hint?: string; readonly children: ComponentChildren }) {
  const hintId = useId();
  const described = props.hint !== undefined && isValidElement(props.children);
  return (
    <div class="field">
      <label>
        <span class="label">{props.label}</span>
        {described ? cloneElement(props.children, { 'aria-describedby': hintId }) : props.children}
      </label>
      {props.hint === undefined ? null : (
        <span class="hint" id={hintId}>
          {props.hint}
        </span>
      )}
    </div>
  );
}

/** A page's heading and what it is for. */
export function PageHeader(props: { readonly title: string; readonly children?: ComponentChildren }) {
  return (
    <header class="page-header">
      <h1>{props.title}</h1>
      {props.children === undefined ? null : <p class="lede">{props.children}</p>}
    </header>
  );
}

/**
 * A button that asks before it acts, in a modal `<dialog>` (focus moves into it and back; Escape
 * cancels) that says what the action breaks. `run` may throw: its error is shown in the dialog.
 */
export function ConfirmButton(props: {
  readonly label: string;
  readonly title: string;
  readonly confirmLabel: string;
  readonly danger?: boolean;
  readonly disabled?: boolean;
  readonly children: ComponentChildren;
  readonly run: () => Promise<void>;
}) {
  const dialog = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | undefined>(undefined);
  const confirm = async () => {
    setBusy(true);
    setError(undefined);
    try {
      await props.run();
      dialog.current?.close();
    } catch (err) {
      setError(describeError(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <>
      <button
        type="button"
        class={props.danger === true ? 'danger' : ''}
        disabled={props.disabled}
        onClick={() => {
          setError(undefined);
          dialog.current?.showModal();
        }}
      >
        {props.label}
      </button>
      <dialog ref={dialog} aria-labelledby={titleId}>
        <h2 id={titleId}>{props.title}</h2>
        <div class="dialog-body">{props.children}</div>
        <Notice error={error} />
        <div class="actions">
          <button type="button" onClick={() => dialog.current?.close()}>
            Cancel
          </button>
          <button
            type="button"
            class={props.danger === true ? 'danger' : 'primary'}
            disabled={busy}
            onClick={() => void confirm()}
          >
            {props.confirmLabel}
          </button>
        </div>
      </dialog>
    </>
  );
}

/** Offers `text` as a file download (a policy, a JWKS, an export) without a round trip. */
export function download(name: string, text: string, type = 'application/yaml'): void {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

/** Said once on a page a viewer sees: why its change controls are disabled. */
export function ViewerNote(props: { readonly readOnly: boolean }) {
  if (!props.readOnly) return null;
  return (
    <p class="notice cu-viewer">
      You have the <code>tessera:viewer</code> role: you can look at everything here, but changes need{' '}
      <code>tessera:admin</code>.
    </p>
  );
}
