// The fields of a client, grouped as the admin API's client schema groups them: what tokens it
// gets, which tokens it may exchange (RFC 8693), which endpoints it may call, and how people sign
// in to it. Used by the edit form and the create form.
import type { ComponentChildren } from 'preact';
import { useId } from 'preact/hooks';
import { Field } from './components';
import { GRANT_TYPES, toggled, type ClientForm, type ExchangeForm } from './client-form';

/** A labelled checkbox with what it allows underneath (its description for assistive technology). */
export function Check(props: {
  readonly label: string;
  readonly checked: boolean;
  readonly onChange: (checked: boolean) => void;
  readonly hint?: ComponentChildren;
  readonly disabled?: boolean;
}) {
  const hintId = useId();
  return (
    <div class="cu-check">
      <label class="check">
        <input
          type="checkbox"
          checked={props.checked}
          disabled={props.disabled}
          aria-describedby={props.hint === undefined ? undefined : hintId}
          onChange={(event) => props.onChange(event.currentTarget.checked)}
        />
        {props.label}
      </label>
      {props.hint === undefined ? null : (
        <span class="hint" id={hintId}>
          {props.hint}
        </span>
      )}
    </div>
  );
}

/** A labelled textarea of one value a line. */
export function Lines(props: {
  readonly label: string;
  readonly hint?: string;
  readonly value: string;
  readonly onChange: (value: string) => void;
}) {
  return (
    <Field label={props.label} {...(props.hint === undefined ? {} : { hint: props.hint })}>
      <textarea
        rows={3}
        value={props.value}
        spellcheck={false}
        autocapitalize="off"
        onInput={(event) => props.onChange(event.currentTarget.value)}
      />
    </Field>
  );
}

/**
 * The token-exchange permissions as a form: who may be exchanged (subject token issuers and
 * audiences), into what (target audiences), and whether the new token may delegate or impersonate.
 */
export function ExchangeFields(props: {
  readonly value: ExchangeForm;
  readonly onChange: (value: ExchangeForm) => void;
}) {
  const { value, onChange } = props;
  const set = (patch: Partial<ExchangeForm>) => onChange({ ...value, ...patch });
  return (
    <fieldset class="cu-group">
      <legend>Token exchange (RFC 8693)</legend>
      <p class="hint">
        Used with the token-exchange grant type: which tokens this client may trade, for which audiences.
      </p>
      <Lines
        label="Subject token issuers"
        hint="One issuer a line. This service’s own issuer is implied when subject token audiences are listed."
        value={value.subjectIssuers}
        onChange={(subjectIssuers) => set({ subjectIssuers })}
      />
      <Lines
        label="Subject token audiences"
        hint="A subject token is accepted only if its aud has one of these. One a line; * = any."
        value={value.subjectAudiences}
        onChange={(subjectAudiences) => set({ subjectAudiences })}
      />
      <Lines
        label="Target audiences"
        hint="Audiences the new token may be for. One a line; * = any."
        value={value.targetAudiences}
        onChange={(targetAudiences) => set({ targetAudiences })}
      />
      <Check
        label="Delegation"
        checked={value.delegation}
        onChange={(delegation) => set({ delegation })}
        hint="With an actor token, the new token names the actor in a nested act claim."
      />
      <Check
        label="Impersonation"
        checked={value.impersonation}
        onChange={(impersonation) => set({ impersonation })}
        hint={
          <>
            <strong>Powerful:</strong> without an actor token the new token speaks for the subject, with no act claim to
            show who asked. Leave off unless this client must.
          </>
        }
      />
    </fieldset>
  );
}

/**
 * Every editable field of a client. `creating` adds what only a create may set (second-factor
 * requirement); the edit form leaves it out because the admin API's PATCH does not take it.
 */
export function ClientFields(props: {
  readonly value: ClientForm;
  readonly onChange: (value: ClientForm) => void;
  readonly creating?: boolean;
}) {
  const { value, onChange } = props;
  const set = (patch: Partial<ClientForm>) => onChange({ ...value, ...patch });
  // A grant type the form does not know (written by another version) stays listed, so it is not dropped unseen.
  const known = new Set(GRANT_TYPES.map(([id]) => id));
  const grantTypes = [...GRANT_TYPES, ...value.grantTypes.filter((g) => !known.has(g)).map((g) => [g, g] as const)];
  return (
    <div class="cu-groups">
      <fieldset class="cu-group">
        <legend>Tokens</legend>
        <Lines
          label="Audiences"
          hint="Audiences this client may ask tokens for, one a line; the first is the default."
          value={value.audiences}
          onChange={(audiences) => set({ audiences })}
        />
        <Lines
          label="Scopes"
          hint="Scopes this client may be granted, one a line."
          value={value.scopes}
          onChange={(scopes) => set({ scopes })}
        />
        <fieldset class="cu-subgroup">
          <legend>Grant types</legend>
          {grantTypes.map(([id, label]) => (
            <Check
              key={id}
              label={label}
              checked={value.grantTypes.includes(id)}
              onChange={(on) => set({ grantTypes: toggled(value.grantTypes, id, on) })}
            />
          ))}
        </fieldset>
        <Field label="Token lifetime (seconds)" hint="Empty: the service’s default. At most tokens.maxLifetimeSeconds.">
          <input
            type="number"
            min={1}
            max={86400}
            step={1}
            inputMode="numeric"
            value={value.tokenLifetimeSeconds}
            onInput={(event) => set({ tokenLifetimeSeconds: event.currentTarget.value })}
          />
        </Field>
      </fieldset>
      <ExchangeFields value={value.exchange} onChange={(exchange) => set({ exchange })} />
      <fieldset class="cu-group">
        <legend>Endpoints it may call</legend>
        <Check
          label="Introspection (RFC 7662)"
          checked={value.introspect}
          onChange={(introspect) => set({ introspect })}
          hint="Learns about tokens issued to it or addressed to it; without this every answer is inactive."
        />
        <Check
          label="Revocation feed"
          checked={value.revocations}
          onChange={(revocations) => set({ revocations })}
          hint="Reads /revocations and its stream, as a gateway does."
        />
        <Check
          label="Report gateway decisions"
          checked={value.reportDecisions}
          onChange={(reportDecisions) => set({ reportDecisions })}
          hint="Pushes a gateway’s decisions and heartbeat to the console’s live view."
        />
      </fieldset>
      <fieldset class="cu-group">
        <legend>People’s sign-in (authorization code)</legend>
        <Lines
          label="Redirect URIs"
          hint="Where sign-in may return, matched exactly. https, or http on a loopback address."
          value={value.redirectUris}
          onChange={(redirectUris) => set({ redirectUris })}
        />
        <Lines
          label="Post-logout redirect URIs"
          hint="Where logout may return, matched exactly."
          value={value.postLogoutRedirectUris}
          onChange={(postLogoutRedirectUris) => set({ postLogoutRedirectUris })}
        />
        <Field label="Back-channel logout URI" hint="A logout token is POSTed here when a session it was part of ends.">
          <input
            type="url"
            value={value.backchannelLogoutUri}
            onInput={(event) => set({ backchannelLogoutUri: event.currentTarget.value })}
          />
        </Field>
        <Check
          label="First party"
          checked={value.firstParty}
          onChange={(firstParty) => set({ firstParty })}
          hint="Your own application: users are not asked to consent."
        />
        {props.creating === true ? (
          <Check
            label="Require a second factor"
            checked={value.requireSecondFactor}
            onChange={(requireSecondFactor) => set({ requireSecondFactor })}
            hint="Users must pass an authenticator-app or recovery code to sign in to it."
          />
        ) : null}
      </fieldset>
    </div>
  );
}
