// Pieces the Clients and Users pages share: the search box, the list's footer with "Load more",
// a credential shown once, the way back to the list, and the viewer's note.
import type { ComponentChildren } from 'preact';
import { useEffect, useId, useRef, useState } from 'preact/hooks';
import type { PagedList } from './client-user-list';

/** How long typing pauses before the list is searched (a submit searches at once). */
const SEARCH_DELAY_MS = 300;

/**
 * A search box (`role="search"`) that searches when typing pauses and at once on Enter.
 *
 * @example
 * ```tsx
 * <SearchForm label="Search clients" hint="Part of a client ID" value={list.query} onSearch={list.search} />
 * ```
 */
export function SearchForm(props: {
  readonly label: string;
  readonly hint: string;
  readonly value: string;
  readonly onSearch: (q: string) => void;
}) {
  const [text, setText] = useState(props.value);
  const hintId = useId();
  const { onSearch } = props;
  useEffect(() => {
    if (text.trim() === props.value) return;
    const timer = setTimeout(() => onSearch(text), SEARCH_DELAY_MS);
    return () => clearTimeout(timer);
  }, [text, props.value, onSearch]);
  return (
    <form
      role="search"
      class="cu-search"
      onSubmit={(event) => {
        event.preventDefault();
        onSearch(text);
      }}
    >
      <label class="field">
        <span class="label">{props.label}</span>
        <input
          type="search"
          value={text}
          aria-describedby={hintId}
          onInput={(event) => setText(event.currentTarget.value)}
        />
        <span class="hint" id={hintId}>
          {props.hint}
        </span>
      </label>
      <button type="submit">Search</button>
    </form>
  );
}

/**
 * Under a list: how many rows are shown (read out politely as it changes), the list's error, and
 * "Load more" while the API has a `next` page.
 */
export function ListFooter<T>(props: { readonly list: PagedList<T>; readonly noun: string }) {
  const { list } = props;
  const count = list.items.length;
  const status = list.loading
    ? 'Loading…'
    : count === 0
      ? list.query === ''
        ? `No ${props.noun} yet.`
        : `No ${props.noun} match “${list.query}”.`
      : `${count} ${props.noun} shown${list.next === undefined ? '' : ', more to load'}.`;
  return (
    <div class="cu-footer">
      <p class="muted" role="status">
        {status}
      </p>
      {list.error === undefined ? null : (
        <p class="notice error" role="alert">
          {list.error}{' '}
          <button type="button" class="link" onClick={list.reload}>
            Try again
          </button>
        </p>
      )}
      {list.next === undefined ? null : (
        <button type="button" onClick={list.loadMore} disabled={list.loading}>
          Load more
        </button>
      )}
    </div>
  );
}

/**
 * A credential the API answers once (a generated client secret or password): shown with a copy
 * button and the plain statement that it cannot be shown again, until the person says they have
 * stored it. Focus moves here so that a screen reader reads it at once.
 */
export function ShownOnce(props: {
  readonly title: string;
  /** `h3` inside a panel that has its own heading. */
  readonly level?: 'h2' | 'h3';
  readonly value: string;
  readonly children: ComponentChildren;
  readonly onDone: () => void;
}) {
  const titleId = useId();
  const section = useRef<HTMLElement>(null);
  const input = useRef<HTMLInputElement>(null);
  const [copied, setCopied] = useState<string | undefined>(undefined);
  const Heading = props.level ?? 'h2';
  useEffect(() => section.current?.focus(), []);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(props.value);
      setCopied('Copied to the clipboard.');
    } catch {
      // The clipboard API needs a secure context and permission: leave the text selected instead.
      input.current?.select();
      setCopied('Selected: press Ctrl+C (⌘C on a Mac) to copy.');
    }
  };
  return (
    <section class="panel cu-once" aria-labelledby={titleId} tabIndex={-1} ref={section}>
      <Heading id={titleId}>{props.title}</Heading>
      <p>
        <strong>This is shown once.</strong> Tessera keeps only a hash of it and cannot show it again: copy it now and
        store it where it is used.
      </p>
      <div class="cu-once-value">
        <input
          ref={input}
          class="secret"
          readOnly
          value={props.value}
          aria-label={props.title}
          onFocus={(event) => event.currentTarget.select()}
        />
        <button type="button" class="primary" onClick={() => void copy()}>
          Copy
        </button>
      </div>
      <p class="muted" role="status">
        {copied ?? ''}
      </p>
      <div class="dialog-body">{props.children}</div>
      <div class="actions">
        <button type="button" onClick={props.onDone}>
          I have stored it
        </button>
      </div>
    </section>
  );
}

/** The way back from a detail or a create form to the list (the browser's back button does the same). */
export function BackToList(props: { readonly label: string; readonly onBack: () => void }) {
  return (
    <p class="cu-back">
      <button type="button" class="link" onClick={props.onBack}>
        ← {props.label}
      </button>
    </p>
  );
}

/**
 * The title of a sub-view (a detail, a create form): the page's `h1`, which takes the focus when
 * it appears so that keyboard and screen-reader users start reading at the new content.
 */
export function SubViewTitle(props: { readonly children: ComponentChildren; readonly lede?: ComponentChildren }) {
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => heading.current?.focus(), []);
  return (
    <header class="page-header">
      <h1 class="cu-title" tabIndex={-1} ref={heading}>
        {props.children}
      </h1>
      {props.lede === undefined ? null : <p class="lede">{props.lede}</p>}
    </header>
  );
}
