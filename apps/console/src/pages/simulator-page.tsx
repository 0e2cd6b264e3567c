import { useRef, useState } from 'preact/hooks';
import { api, describeError } from '../api';
import type { PageProps } from '../page-props';
import { ConfirmButton, download, Field, Notice, PageHeader } from '../components';
import { localTime } from '../format';
import { lintStatus, usePolicyLint } from '../policy-lint';
import { takeSimulatorDraft } from '../simulator-draft';
import { gatewayPolicyYaml, gatewaysWithPolicies } from '../simulator-gateways';
import type { SimulationReport } from '../simulator-report';
import {
  EMPTY_SIMULATOR_REQUEST,
  openedRequest,
  savedRequest,
  simulatorRequest,
  type SimulatorProblem,
  type SimulatorRequestForm,
} from '../simulator-request';
import { simulationState, simulationSummary } from '../simulator-summary';
import { useResource } from '../use-resource';
import { goToLine, YamlEditor } from '../yaml-editor';
import { YamlIssues } from '../yaml-issues';

const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];
/** The badge beside the status: the status itself is in the sentence. */
const STATE_WORDS = { allow: 'allowed', deny: 'denied', fail: 'refused' } as const;

/**
 * The policy simulator: Istio YAML (a reporting gateway's live set, a file, or pasted) and a
 * request described by hand (method, path, host, headers, a token or an assumed principal with
 * claims, the mTLS peer, the source address, the route's labels), decided as the gateway would by
 * `POST /admin/policies/simulate`: the status, the deciding policy and rule, and `explain`'s
 * account of every policy. The YAML is linted as it is typed, problems flagged at their line. The
 * policies and the request can be saved as files; nothing is ever sent to a gateway.
 */
export function SimulatorPage(_props: PageProps) {
  const [opened] = useState(() => takeSimulatorDraft());
  const [yaml, setYaml] = useState(opened?.yaml ?? '');
  const [form, setForm] = useState<SimulatorRequestForm>({ ...EMPTY_SIMULATOR_REQUEST, ...opened?.request });
  const [problems, setProblems] = useState<readonly SimulatorProblem[]>([]);
  const [report, setReport] = useState<{ readonly yaml: string; readonly report: SimulationReport } | undefined>(
    undefined,
  );
  const [error, setError] = useState<string | undefined>(undefined);
  const [busy, setBusy] = useState(false);
  const [loaded, setLoaded] = useState<{ ok?: string; error?: string }>({});
  const [includeToken, setIncludeToken] = useState(false);
  const [gatewayId, setGatewayId] = useState('');
  const area = useRef<HTMLTextAreaElement>(null);
  const gateways = useResource(() => gatewaysWithPolicies(), []);
  const lint = usePolicyLint(yaml);
  // The gateway chosen, or the first listed until one is.
  const selectedId = (gateways.data?.find((g) => g.id === gatewayId) ?? gateways.data?.[0])?.id ?? '';

  // The simulation's answer is the linter's too while the text is the one it was given (it may
  // come before the live lint's); after an edit, the live lint's counts.
  const stale = report !== undefined && report.yaml !== yaml;
  const simulated = report === undefined || stale ? undefined : report.report;
  const issues = simulated === undefined ? lint.issues : simulated.valid ? [] : simulated.issues;
  const status = lintStatus(
    simulated === undefined ? lint : { state: simulated.valid ? 'accepted' : 'rejected', issues },
  );

  const set = <K extends keyof SimulatorRequestForm>(key: K, value: SimulatorRequestForm[K]) =>
    setForm((f) => ({ ...f, [key]: value }));
  const problemOf = (field: keyof SimulatorRequestForm) => {
    const found = problems.filter((p) => p.field === field).map((p) => p.message);
    return found.length === 0 ? undefined : found.join(' ');
  };
  const hint = (field: keyof SimulatorRequestForm, text?: string) => problemOf(field) ?? text;
  const text = (field: keyof SimulatorRequestForm) => ({
    value: form[field] as string,
    'aria-invalid': problemOf(field) === undefined ? undefined : true,
    onInput: (e: { currentTarget: { value: string } }) =>
      set(field, e.currentTarget.value as SimulatorRequestForm[typeof field]),
  });

  const simulate = async () => {
    const built = simulatorRequest(form);
    if ('problems' in built) {
      setProblems(built.problems);
      setError(`The request needs ${built.problems.length} more answer${built.problems.length === 1 ? '' : 's'}.`);
      return;
    }
    if (yaml.trim() === '') {
      setError('Load, open or paste the policies first.');
      return;
    }
    setProblems([]);
    setError(undefined);
    setBusy(true);
    try {
      const answer = await api<SimulationReport>('/admin/policies/simulate', {
        method: 'POST',
        body: { policies: yaml, defaultAction: form.defaultAction, request: built.request },
      });
      setReport({ yaml, report: answer });
    } catch (err) {
      setReport(undefined);
      setError(describeError(err));
    } finally {
      setBusy(false);
    }
  };

  const loadGateway = async () => {
    setLoaded({});
    try {
      const { hash, yaml: live } = await gatewayPolicyYaml(selectedId);
      setYaml(live);
      setLoaded({ ok: `Loaded the live policy set of ${selectedId} (hash ${hash.slice(0, 12)}).` });
    } catch (err) {
      setLoaded({ error: `Could not load the policies of ${selectedId}: ${describeError(err)}` });
    }
  };

  const openFile = async (file: File | undefined, into: 'policies' | 'request') => {
    if (file === undefined) return;
    setLoaded({});
    const content = await file.text();
    if (into === 'policies') {
      setYaml(content);
      setLoaded({ ok: `Opened ${file.name}.` });
      return;
    }
    const opened = openedRequest(content);
    if ('problem' in opened) setLoaded({ error: `${file.name}: ${opened.problem}` });
    else {
      setForm(opened.form);
      setProblems([]);
      setLoaded({ ok: `Opened the request saved in ${file.name}.` });
    }
  };

  const saveRequest = () => {
    const built = simulatorRequest(form);
    if ('problems' in built) {
      setProblems(built.problems);
      setError('Complete the request before saving it.');
      return;
    }
    download('request.json', savedRequest(built.request, form.defaultAction, includeToken), 'application/json');
  };

  return (
    <>
      <PageHeader title="Policy simulator">
        Decide one request against Istio policies as Tessera's gateway would: which policy and rule decided, and why.
        The policies stay here: nothing is pushed to a gateway. Save them as a file and apply them your usual way.
      </PageHeader>
      <div class="split simulator">
        <section class="panel" aria-labelledby="sim-policies">
          <h2 id="sim-policies">Policies</h2>
          {gateways.loading && gateways.data === undefined ? (
            <p class="muted">Looking for gateways that report their policies…</p>
          ) : gateways.error !== undefined ? (
            <Notice error={`Could not list the gateways: ${gateways.error}`} />
          ) : gateways.data === undefined || gateways.data.length === 0 ? (
            <p class="muted">No gateway reports its policies: open a file or paste them below.</p>
          ) : (
            <div class="row">
              <Field label="Live set of the gateway">
                <select value={selectedId} onChange={(e) => setGatewayId(e.currentTarget.value)}>
                  {gateways.data.map((g) => (
                    <option key={g.id} value={g.id}>
                      {g.id} — {g.healthy ? 'healthy' : 'not seen lately'}, last seen {localTime(g.lastSeen)}
                    </option>
                  ))}
                </select>
              </Field>
              {yaml.trim() === '' ? (
                <button type="button" onClick={() => void loadGateway()}>
                  Load its policies
                </button>
              ) : (
                <ConfirmButton
                  label="Load its policies"
                  title="Replace the policies in the editor?"
                  confirmLabel="Replace them"
                  run={loadGateway}
                >
                  <p>
                    The YAML in the editor is replaced by the live set of <code>{selectedId}</code>. Download it first
                    to keep it.
                  </p>
                </ConfirmButton>
              )}
            </div>
          )}
          <Field label="Open a policy file" hint="YAML or JSON; read here, not uploaded.">
            <input
              type="file"
              accept=".yaml,.yml,.json,application/yaml,text/yaml,application/json"
              onChange={(e) => {
                void openFile(e.currentTarget.files?.[0], 'policies');
                e.currentTarget.value = '';
              }}
            />
          </Field>
          <Notice ok={loaded.ok} error={loaded.error} />
          <YamlEditor
            label="Istio YAML"
            hint="RequestAuthentication and AuthorizationPolicy documents, separated by ---."
            value={yaml}
            onInput={setYaml}
            issues={issues}
            areaRef={area}
            describedBy="sim-lint"
            placeholder={'apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata:\n  name: …'}
          />
          <YamlIssues
            id="sim-lint"
            status={status}
            issues={issues}
            onGo={(issue) => goToLine(area.current, issue.line ?? 1, issue.column)}
          />
          <div class="actions">
            <button type="button" disabled={yaml.trim() === ''} onClick={() => download('policies.yaml', yaml)}>
              Save the policies as a file
            </button>
          </div>
        </section>

        <div>
          <section class="panel" aria-labelledby="sim-request">
            <h2 id="sim-request">Request</h2>
            <form
              aria-labelledby="sim-request"
              autocomplete="off"
              onSubmit={(e) => {
                e.preventDefault();
                void simulate();
              }}
            >
              <div class="row">
                <Field label="Method" hint={hint('method', 'As sent: case-sensitive.')}>
                  <input {...text('method')} list="sim-methods" class="sim-short" />
                </Field>
                <Field label="Path" hint={hint('path', 'With its query; normalized as the gateway does.')}>
                  <input {...text('path')} />
                </Field>
              </div>
              <datalist id="sim-methods">
                {METHODS.map((m) => (
                  <option key={m} value={m} />
                ))}
              </datalist>
              <div class="row">
                <Field label="Host" hint={hint('host', 'The Host header, with :port if sent.')}>
                  <input {...text('host')} />
                </Field>
                <Field label="Port" hint={hint('port', 'The port it arrives on.')}>
                  <input {...text('port')} inputMode="numeric" class="sim-short" />
                </Field>
              </div>
              <Field label="Headers" hint={hint('headers', 'name: value, one a line.')}>
                <textarea {...text('headers')} rows={3} class="code" spellcheck={false} />
              </Field>
              <fieldset>
                <legend>Who calls</legend>
                {(
                  [
                    ['none', 'Nobody signed in (no token)'],
                    ['token', 'A bearer token, verified by the RequestAuthentication rules'],
                    ['principal', 'An assumed request principal with claims (no token)'],
                  ] as const
                ).map(([value, label]) => (
                  <label class="check" key={value}>
                    <input
                      type="radio"
                      name="sim-identity"
                      checked={form.identity === value}
                      onChange={() => set('identity', value)}
                    />
                    {label}
                  </label>
                ))}
              </fieldset>
              {form.identity === 'token' ? (
                <Field
                  label="Token"
                  hint={hint(
                    'token',
                    "Sent as Authorization: Bearer. Verified with this service's keys for its own issuer, or a rule's inline jwks; the simulator fetches no other keys.",
                  )}
                >
                  <textarea {...text('token')} rows={4} class="code" spellcheck={false} />
                </Field>
              ) : null}
              {form.identity === 'principal' ? (
                <>
                  <Field
                    label="Request principal"
                    hint={hint('principal', 'iss/sub, e.g. https://auth.example/alice.')}
                  >
                    <input {...text('principal')} />
                  </Field>
                  <Field
                    label="Claims"
                    hint={hint('claims', 'A JSON object, e.g. {"aud": "orders", "groups": ["admin"]}.')}
                  >
                    <textarea {...text('claims')} rows={3} class="code" spellcheck={false} />
                  </Field>
                </>
              ) : null}
              <div class="row">
                <Field
                  label="Peer principal"
                  hint={hint('peerPrincipal', 'mTLS identity, e.g. cluster.local/ns/default/sa/web. Empty: none.')}
                >
                  <input {...text('peerPrincipal')} />
                </Field>
                <Field label="Source IP" hint={hint('sourceIp', 'The peer address (source.ip, ipBlocks).')}>
                  <input {...text('sourceIp')} />
                </Field>
              </div>
              <div class="row">
                <Field label="Route labels" hint={hint('labels', 'key=value, one a line: what selectors match.')}>
                  <textarea {...text('labels')} rows={2} class="code" spellcheck={false} />
                </Field>
                <Field
                  label="Route namespace"
                  hint={hint('namespace', 'Policies of this namespace and the root one apply.')}
                >
                  <input {...text('namespace')} />
                </Field>
              </div>
              <fieldset>
                <legend>When no policy selects the route</legend>
                <label class="check">
                  <input
                    type="radio"
                    name="sim-default"
                    checked={form.defaultAction === 'deny'}
                    onChange={() => set('defaultAction', 'deny')}
                  />
                  Deny (Tessera's default)
                </label>
                <label class="check">
                  <input
                    type="radio"
                    name="sim-default"
                    checked={form.defaultAction === 'allow'}
                    onChange={() => set('defaultAction', 'allow')}
                  />
                  Allow (Istio's behaviour)
                </label>
              </fieldset>
              <details>
                <summary>Path handling (as the gateway and route are configured)</summary>
                <Field label="Encoded slashes (%2F)">
                  <select
                    value={form.encodedSlashes}
                    onChange={(e) =>
                      set('encodedSlashes', e.currentTarget.value as SimulatorRequestForm['encodedSlashes'])
                    }
                  >
                    <option value="reject">Reject (400)</option>
                    <option value="decode">Decode</option>
                    <option value="keep">Keep</option>
                  </select>
                </Field>
                <label class="check">
                  <input
                    type="checkbox"
                    checked={form.allowPathParameters}
                    onChange={(e) => set('allowPathParameters', e.currentTarget.checked)}
                  />
                  Allow path parameters (;a=b)
                </label>
                <label class="check">
                  <input
                    type="checkbox"
                    checked={form.caseInsensitivePaths}
                    onChange={(e) => set('caseInsensitivePaths', e.currentTarget.checked)}
                  />
                  Case-insensitive paths
                </label>
              </details>
              <div class="actions">
                <button type="submit" class="primary" disabled={busy}>
                  {busy ? 'Simulating…' : 'Simulate'}
                </button>
                <button type="button" onClick={saveRequest}>
                  Save the request as a file
                </button>
              </div>
              <label class="check">
                <input
                  type="checkbox"
                  checked={includeToken}
                  onChange={(e) => setIncludeToken(e.currentTarget.checked)}
                />
                Include the token in the saved request
              </label>
              <Field label="Open a saved request" hint="A request.json saved here.">
                <input
                  type="file"
                  accept=".json,application/json"
                  onChange={(e) => {
                    void openFile(e.currentTarget.files?.[0], 'request');
                    e.currentTarget.value = '';
                  }}
                />
              </Field>
              <Notice error={error} />
            </form>
          </section>

          <section class="panel" aria-labelledby="sim-result">
            <h2 id="sim-result">Decision</h2>
            <p role="status" class="sim-verdict">
              {report === undefined ? (
                <span class="muted">Simulate a request to see the decision.</span>
              ) : (
                <>
                  <span class={`state ${simulationState(report.report)}`}>
                    {STATE_WORDS[simulationState(report.report)]}
                  </span>{' '}
                  {simulationSummary(report.report)}
                  {stale ? <span class="muted"> (the policies have changed since: simulate again)</span> : null}
                </>
              )}
            </p>
            {report === undefined ? null : (
              <SimulationDetails report={report.report} onGo={(line) => goToLine(area.current, line)} />
            )}
          </section>
        </div>
      </div>
    </>
  );
}

/** The account of a simulation: the identity, every policy considered (with its line), and `explain`'s text. */
function SimulationDetails(props: { readonly report: SimulationReport; readonly onGo: (line: number) => void }) {
  const { report } = props;
  if (!report.valid) return null;
  const policies = report.explanation?.policies ?? [];
  return (
    <>
      {report.identity === undefined ? null : (
        <p>
          Request principal:{' '}
          {report.identity === null ? (
            <span class="muted">none</span>
          ) : (
            <>
              <code>{report.identity.requestPrincipal}</code>
              {report.identity.audiences.length === 0 ? null : (
                <span class="muted"> (audiences: {report.identity.audiences.join(', ')})</span>
              )}
            </>
          )}
        </p>
      )}
      {policies.length === 0 ? null : (
        <div class="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">Policy</th>
                <th scope="col">Action</th>
                <th scope="col">Outcome</th>
                <th scope="col">Line</th>
              </tr>
            </thead>
            <tbody>
              {policies.map((p) => (
                <tr key={p.policy}>
                  <th scope="row">
                    <code>{p.policy}</code>
                  </th>
                  <td>
                    {p.action}
                    {p.dryRun ? (
                      <>
                        {' '}
                        <span class="state dry-run">dry-run</span>
                      </>
                    ) : null}
                  </td>
                  <td>
                    {!p.selected ? (
                      <span class="muted">not applied: {p.notSelectedBecause}</span>
                    ) : p.matched ? (
                      <>matched rule {p.matchedRule}</>
                    ) : p.rules.length === 0 ? (
                      'no rules: matches nothing'
                    ) : (
                      <>
                        no rule matched
                        <ul class="sim-failures">
                          {p.rules.flatMap((r) =>
                            r.failures.map((f, i) => (
                              <li key={`${r.index}-${i}`}>
                                rule {r.index}: {f}
                              </li>
                            )),
                          )}
                        </ul>
                      </>
                    )}
                  </td>
                  <td>
                    {p.line === undefined ? (
                      '—'
                    ) : (
                      <button type="button" class="link" onClick={() => props.onGo(p.line!)}>
                        Line {p.line}
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {report.explanation === undefined ? null : (
        <details open>
          <summary>explain's account</summary>
          <pre tabIndex={0}>{report.explanation.text}</pre>
        </details>
      )}
      {report.identity === null || report.identity === undefined ? null : (
        <details>
          <summary>Claims of the request principal</summary>
          <pre tabIndex={0}>{JSON.stringify(report.identity.claims, null, 2)}</pre>
        </details>
      )}
    </>
  );
}
