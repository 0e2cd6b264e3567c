import { Field } from './components';

/** One column of a {@link PolicyPairRows} list: the row's member, its label and its hint. */
export interface PairColumn<R> {
  readonly key: keyof R & string;
  readonly label: string;
  readonly hint: string;
}

/**
 * A list of two-field rows the JWT policy form edits (claims to headers, required claims): each
 * row's fields, labelled with their number, a button to remove the row and one to add a row.
 * `problemOf(path)` gives the form's problem at `<name>.<i>.<key>`, shown as the field's hint.
 *
 * @example
 * ```tsx
 * <PolicyPairRows name="claimHeaders" rows={form.claimHeaders} columns={[...]} noun="header"
 *   empty={{ header: '', claim: '' }} problemOf={problemOf} onChange={(rows) => set('claimHeaders', rows)} />
 * ```
 */
export function PolicyPairRows<R extends { readonly [K in keyof R]: string }>(props: {
  readonly name: string;
  readonly rows: readonly R[];
  readonly columns: readonly PairColumn<R>[];
  /** What a row is, in the buttons: "Remove header 2", "Add a header". */
  readonly noun: string;
  readonly addLabel: string;
  readonly empty: R;
  readonly problemOf: (path: string) => string | undefined;
  readonly onChange: (rows: R[]) => void;
}) {
  const { rows, onChange } = props;
  return (
    <>
      {rows.map((row, i) => (
        <div class="row" key={i}>
          {props.columns.map((column) => {
            const path = `${props.name}.${i}.${column.key}`;
            const problem = props.problemOf(path);
            return (
              <Field key={column.key} label={`${column.label} ${i + 1}`} hint={problem ?? column.hint}>
                <input
                  value={row[column.key]}
                  aria-invalid={problem === undefined ? undefined : true}
                  autocomplete="off"
                  onInput={(e) =>
                    onChange(rows.map((r, j) => (j === i ? { ...r, [column.key]: e.currentTarget.value } : r)))
                  }
                />
              </Field>
            );
          })}
          <button type="button" class="policy-remove" onClick={() => onChange(rows.filter((_, j) => j !== i))}>
            Remove {props.noun} {i + 1}
          </button>
        </div>
      ))}
      <button type="button" onClick={() => onChange([...rows, props.empty])}>
        {props.addLabel}
      </button>
    </>
  );
}
