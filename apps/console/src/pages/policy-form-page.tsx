import { useMemo, useRef, useState } from 'preact/hooks';
import type { PageProps } from '../page-props';
import { download, Field, Notice, PageHeader } from '../components';
import { describeError } from '../api';
import { navigate } from '../router';
import { EMPTY_POLICY_FORM, policyFormProblems, type PolicyForm } from '../policy-form';
import { lintStatus, usePolicyLint } from '../policy-lint';
import { policyYaml } from '../policy-yaml';
import { simulatorRequestFor } from '../policy-simulator-request';
import { offerToSimulator } from '../simulator-draft';
import { copyText } from '../yaml-copy';
import { goToLine, YamlEditor } from '../yaml-editor';
import { YamlIssues } from '../yaml-issues';
import { PolicyPairRows } from '../policy-pair-rows';

/** The fields of the form that hold free text (not a choice among a few). */
type TextField = { [K in keyof PolicyForm]: string extends PolicyForm[K] ? K : never }[keyof PolicyForm];

/** A file name from the policy's name: letters, digits, dot, dash and underscore only. */
const fileName = (name: string) => `${name.trim().replace(/[^\w.-]+/g, '-') || 'jwt-policy'}.yaml`;

/**
 * The JWT policy form (seed 001, a gateway's JWT policy per domain): per route (its labels) or
 * host, the issuer, the JWKS (address, pasted, or discovery), audiences, token passthrough or
 * strip, claims to headers, JWKS cache duration and fetch timeout. It writes an Istio
 * `RequestAuthentication` (and the matching `AuthorizationPolicy` when asked) beside the form,
 * checked by the token service's linter as it changes, to download, copy, or try in the
 * simulator. Nothing is applied anywhere.
 */
export function PolicyFormPage(_props: PageProps) {
  const [form, setForm] = useState<PolicyForm>(EMPTY_POLICY_FORM);
  const [copied, setCopied] = useState<{ ok?: string; error?: string }>({});
  const preview = useRef<HTMLTextAreaElement>(null);
  const yaml = useMemo(() => policyYaml(form), [form]);
  const problems = useMemo(() => policyFormProblems(form), [form]);
  // The linter is asked once the form is complete: before that it would repeat the form's own hints.
  const lint = usePolicyLint(problems.length === 0 ? yaml : '');

  const set = <K extends keyof PolicyForm>(key: K, value: PolicyForm[K]) => {
    setCopied({});
    setForm((f) => ({ ...f, [key]: value }));
  };
  const problemOf = (field: string) => {
    const found = problems.filter((p) => p.field === field).map((p) => p.message);
    return found.length === 0 ? undefined : found.join(' ');
  };
  /** A field's hint: its problem when it has one, else what it is for. */
  const hint = (field: string, text: string) => problemOf(field) ?? text;
  const invalid = (field: string) => (problemOf(field) === undefined ? undefined : true);
  /** The value, validity and input handler of a text field. */
  const text = (field: TextField) => ({
    value: form[field],
    'aria-invalid': invalid(field),
    onInput: (e: { currentTarget: { value: string } }) => set(field, e.currentTarget.value),
  });

  const copy = () =>
    copyText(yaml)
      .then(() => setCopied({ ok: 'The YAML is on the clipboard.' }))
      .catch((err: unknown) => setCopied({ error: `Not copied: ${describeError(err)}` }));

  const status =
    problems.length > 0
      ? `The form needs ${problems.length} more answer${problems.length === 1 ? '' : 's'} before the linter checks it.`
      : lintStatus(lint);

  return (
    <>
      <PageHeader title="JWT policy">
        Who may call a route with a JWT: the issuer, where its keys are, the audiences, and what the backend gets. The
        form writes Istio <code>RequestAuthentication</code> and <code>AuthorizationPolicy</code> YAML that Tessera's
        gateway, its middleware and Istio read. Nothing is applied from here: download the file or copy it into your
        policy folder.
      </PageHeader>
      <div class="split policy-form">
        <form aria-label="JWT policy" onSubmit={(e) => e.preventDefault()}>
          <section class="panel">
            <h2>Where it applies</h2>
            <div class="row">
              <Field label="Name" hint={hint('name', 'metadata.name of both documents: names this JWT policy.')}>
                <input {...text('name')} required autocomplete="off" />
              </Field>
              <Field
                label="Namespace"
                hint={hint('namespace', "The routes' namespace. Empty: the gateway's default namespace.")}
              >
                <input {...text('namespace')} autocomplete="off" />
              </Field>
            </div>
            <Field
              label="Route labels"
              hint={hint(
                'labels',
                'selector.matchLabels, key=value one a line (app=orders): the routes (in Istio, the workloads) with all of them. Empty: every route of the namespace. Hosts and paths are narrowed by the authorization below.',
              )}
            >
              <textarea {...text('labels')} rows={2} class="code" spellcheck={false} />
            </Field>
          </section>

          <section class="panel">
            <h2>Tokens and their keys</h2>
            <Field
              label="Issuer"
              hint={hint(
                'issuer',
                'The iss claim the tokens carry, exactly (a trailing slash counts): usually a URL, any string in Istio.',
              )}
            >
              <input
                {...text('issuer')}
                inputMode="url"
                required
                autocomplete="off"
                placeholder="https://auth.example"
              />
            </Field>
            <fieldset>
              <legend>JWKS: where the verification keys are</legend>
              {(
                [
                  ['uri', 'At an address (jwksUri)'],
                  ['inline', 'Pasted here (jwks)'],
                  ['discovery', "From the issuer's OpenID discovery document"],
                ] as const
              ).map(([value, label]) => (
                <label class="check" key={value}>
                  <input
                    type="radio"
                    name="jwks-source"
                    checked={form.jwksSource === value}
                    onChange={() => set('jwksSource', value)}
                  />
                  {label}
                </label>
              ))}
            </fieldset>
            {form.jwksSource === 'uri' ? (
              <Field
                label="JWKS address"
                hint={hint('jwksUri', 'The full URL that returns the key set, e.g. https://auth.example/jwks.')}
              >
                <input {...text('jwksUri')} type="url" autocomplete="off" />
              </Field>
            ) : null}
            {form.jwksSource === 'inline' ? (
              <Field
                label="JWKS"
                hint={hint(
                  'jwks',
                  'The JSON Web Key Set, {"keys":[...]}; written as Istio wants it, one JSON string. Public keys only: a JWKS with secrets (an HS256 "k") would publish them.',
                )}
              >
                <textarea {...text('jwks')} rows={6} class="code" spellcheck={false} />
              </Field>
            ) : null}
            <Field
              label="Audiences"
              hint={hint(
                'audiences',
                'One a line or comma-separated: a token must name one of them in aud. Empty: aud is not checked.',
              )}
            >
              <textarea {...text('audiences')} rows={2} spellcheck={false} />
            </Field>
            <div class="row">
              <Field
                label="JWKS fetch timeout"
                hint={hint('timeout', 'timeout: how long a fetch of the keys may take, e.g. 5s, 500ms. Empty: 5s.')}
              >
                <input {...text('timeout')} autocomplete="off" placeholder="5s" />
              </Field>
              <Field
                label="JWKS cache duration"
                hint={hint(
                  'cacheDuration',
                  "How long fetched keys are used before they are fetched again, e.g. 10m. Istio's JWTRule has no field for it (the linter refuses unknown fields): the YAML says in a comment to set the gateway's policies.jwks.cacheMaxAgeMs (every remote JWKS; default 10 min), or istiod's PILOT_JWT_PUB_KEY_REFRESH_INTERVAL (default 20 min).",
                )}
              >
                <input {...text('cacheDuration')} autocomplete="off" placeholder="10m" />
              </Field>
            </div>
            <details>
              <summary>Read the token from another header</summary>
              <div class="row">
                <Field
                  label="Token header"
                  hint={hint(
                    'tokenHeader',
                    'fromHeaders: the header that carries the token. Empty: Authorization: Bearer (then only there).',
                  )}
                >
                  <input {...text('tokenHeader')} autocomplete="off" placeholder="authorization" />
                </Field>
                <Field label="Prefix" hint="Removed before the token is read, e.g. “Bearer ” with its space.">
                  <input {...text('tokenPrefix')} autocomplete="off" />
                </Field>
              </div>
            </details>
          </section>

          <section class="panel">
            <h2>What the backend gets</h2>
            <fieldset>
              <legend>The token, once verified</legend>
              <label class="check">
                <input
                  type="radio"
                  name="forward"
                  checked={!form.forwardOriginalToken}
                  onChange={() => set('forwardOriginalToken', false)}
                />
                Strip it: the backend does not see it (Istio's default)
              </label>
              <label class="check">
                <input
                  type="radio"
                  name="forward"
                  checked={form.forwardOriginalToken}
                  onChange={() => set('forwardOriginalToken', true)}
                />
                Pass it through to the backend (forwardOriginalToken)
              </label>
            </fieldset>
            <h3>Claims to headers</h3>
            <p class="muted">outputClaimToHeaders: a claim of the verified token copied into a request header.</p>
            <PolicyPairRows
              name="claimHeaders"
              rows={form.claimHeaders}
              columns={[
                { key: 'header', label: 'Header', hint: 'e.g. x-user' },
                { key: 'claim', label: 'Claim', hint: 'e.g. sub; a.b is nested' },
              ]}
              noun="header"
              addLabel="Add a claim header"
              empty={{ header: '', claim: '' }}
              problemOf={problemOf}
              onChange={(rows) => set('claimHeaders', rows)}
            />
          </section>

          <section class="panel">
            <h2>Authorization</h2>
            <fieldset>
              <legend>AuthorizationPolicy</legend>
              <label class="check">
                <input
                  type="radio"
                  name="authorization"
                  checked={form.authorization === 'none'}
                  onChange={() => set('authorization', 'none')}
                />
                None: a bad token is refused (401), a request without one is left to other policies
              </label>
              <label class="check">
                <input
                  type="radio"
                  name="authorization"
                  checked={form.authorization === 'require'}
                  onChange={() => set('authorization', 'require')}
                />
                Require a token (DENY): requests to these hosts and paths without a token of this issuer, or without the
                claims, are denied
              </label>
              <label class="check">
                <input
                  type="radio"
                  name="authorization"
                  checked={form.authorization === 'allow'}
                  onChange={() => set('authorization', 'allow')}
                />
                Allow only (ALLOW): only requests with a token of this issuer, to these hosts and paths, with the
                claims, reach the routes; every other request to them is denied
              </label>
            </fieldset>
            {form.authorization === 'none' ? null : (
              <>
                <Field
                  label="Hosts"
                  hint="to.operation.hosts, one a line: the Host the request names (*.example.com works). Empty: any."
                >
                  <textarea {...text('hosts')} rows={2} spellcheck={false} />
                </Field>
                <Field
                  label="Paths"
                  hint={hint(
                    'paths',
                    'to.operation.paths, one a line: exact, prefix (/api/*), suffix (*.json) or template (/orders/{*}). Empty: any.',
                  )}
                >
                  <textarea {...text('paths')} rows={2} spellcheck={false} />
                </Field>
                <Field label="Methods" hint="to.operation.methods, e.g. GET, POST (case-sensitive). Empty: any.">
                  <input {...text('methods')} autocomplete="off" />
                </Field>
                <h3>Required claims</h3>
                <p class="muted">
                  when request.auth.claims[…]: the token must carry one of the values (scope and permission are split on
                  spaces).
                </p>
                <PolicyPairRows
                  name="requiredClaims"
                  rows={form.requiredClaims}
                  columns={[
                    { key: 'claim', label: 'Claim', hint: 'e.g. groups; nested: [realm_access][roles]' },
                    { key: 'values', label: 'Accepted values', hint: 'comma-separated' },
                  ]}
                  noun="claim"
                  addLabel="Add a required claim"
                  empty={{ claim: '', values: '' }}
                  problemOf={problemOf}
                  onChange={(rows) => set('requiredClaims', rows)}
                />
              </>
            )}
          </section>
        </form>

        <section class="panel policy-preview" aria-label="The YAML">
          <h2>YAML</h2>
          <YamlEditor
            label={`${fileName(form.name)} (written by the form)`}
            value={yaml}
            onInput={() => undefined}
            readOnly
            areaRef={preview}
            issues={lint.issues}
            describedBy="policy-lint"
          />
          <YamlIssues
            id="policy-lint"
            status={status}
            issues={lint.issues}
            onGo={(issue) => goToLine(preview.current, issue.line ?? 1, issue.column)}
          />
          {problems.length > 0 ? (
            <ul class="policy-problems">
              {problems.map((p, i) => (
                <li key={i}>{p.message}</li>
              ))}
            </ul>
          ) : null}
          <div class="actions">
            <button type="button" class="primary" onClick={() => download(fileName(form.name), yaml)}>
              Download
            </button>
            <button type="button" onClick={() => void copy()}>
              Copy
            </button>
            <button
              type="button"
              onClick={() => {
                offerToSimulator({ yaml, request: simulatorRequestFor(form) });
                navigate('simulator');
              }}
            >
              Try it in the simulator
            </button>
          </div>
          <Notice ok={copied.ok} error={copied.error} />
        </section>
      </div>
    </>
  );
}
