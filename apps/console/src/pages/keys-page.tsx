import { useState } from 'preact/hooks';
import { api, describeError } from '../api';
import type { PageProps } from '../page-props';
import { ConfirmButton, Field, Notice, PageHeader, ViewerNote } from '../components';
import { localTime } from '../format';
import type { KeyInfo } from '../key-timeline';
import { useResource } from '../use-resource';

/**
 * The signing keys: each with its `kid`, algorithm, state and dates; rotate now, retire, withdraw
 * (each asked first, saying what it breaks); the public JWKS to download; and the jwt-factory's
 * named keys (brief 002) with their issue and verify forms.
 */
export function KeysPage(props: PageProps) {
  const keys = useResource(() => api<{ keys: KeyInfo[] }>('/admin/keys'), []);
  const [notice, setNotice] = useState<string | undefined>(undefined);
  const viewer = props.me.role !== 'admin';
  const changed = (what: string) => {
    setNotice(what);
    keys.reload();
  };
  return (
    <>
      <PageHeader title="Keys">
        The keys this service signs with. A new key is published before it signs, so every verifier that caches the JWKS
        has it in time; a retired key stays published until the tokens it signed have expired.
      </PageHeader>
      <ViewerNote readOnly={viewer} />
      <Notice error={keys.error} ok={notice} />
      <div class="actions">
        <ConfirmButton
          label="Rotate now"
          title="Rotate the signing key"
          confirmLabel="Rotate"
          disabled={viewer}
          run={async () => {
            const key = await api<KeyInfo>('/admin/keys/rotate', { method: 'POST', body: { immediate: false } });
            changed(`Key ${key.kid} published; it signs from ${localTime(key.activateAt ?? key.activatedAt)}.`);
          }}
        >
          <p>
            A new key is published in the JWKS now and starts signing after the JWKS cache period, so verifiers that
            cache the JWKS see it first. Nothing breaks.
          </p>
        </ConfirmButton>
        <ConfirmButton
          label="Rotate immediately"
          title="Rotate the signing key at once"
          confirmLabel="Rotate at once"
          danger
          disabled={viewer}
          run={async () => {
            const key = await api<KeyInfo>('/admin/keys/rotate', { method: 'POST', body: { immediate: true } });
            changed(`Key ${key.kid} signs from now.`);
          }}
        >
          <p>
            The new key signs at once. Verifiers that fetched the JWKS before it was published meet an unknown{' '}
            <code>kid</code> and must fetch again; those that cannot reach this service refuse the new tokens until they
            can.
          </p>
        </ConfirmButton>
        <a class="button" href="/.well-known/jwks.json" download="jwks.json">
          Download the public JWKS
        </a>
      </div>
      <div class="table-wrap">
        <table>
          <caption class="muted">Signing keys, newest first</caption>
          <thead>
            <tr>
              <th scope="col">kid</th>
              <th scope="col">Algorithm</th>
              <th scope="col">State</th>
              <th scope="col">Created</th>
              <th scope="col">Signs from</th>
              <th scope="col">Retired</th>
              <th scope="col">Leaves the JWKS</th>
              <th scope="col">Actions</th>
            </tr>
          </thead>
          <tbody>
            {[...(keys.data?.keys ?? [])]
              .sort((a, b) => Date.parse(b.createdAt) - Date.parse(a.createdAt))
              .map((k) => (
                <tr key={k.kid}>
                  <td>
                    <code>{k.kid}</code>
                  </td>
                  <td>{k.alg}</td>
                  <td>
                    <span class={`state ${k.state}`}>{k.state}</span>
                  </td>
                  <td>{localTime(k.createdAt)}</td>
                  <td>{localTime(k.activatedAt ?? k.activateAt)}</td>
                  <td>{localTime(k.retiredAt)}</td>
                  <td>{localTime(k.withdrawnAt ?? k.removeAt)}</td>
                  <td>
                    <KeyActions keyInfo={k} viewer={viewer} changed={changed} />
                  </td>
                </tr>
              ))}
          </tbody>
        </table>
      </div>
      <JwtFactory viewer={viewer} />
    </>
  );
}

/** Retire and withdraw for one key, each confirmed with what it breaks. */
function KeyActions(props: {
  readonly keyInfo: KeyInfo;
  readonly viewer: boolean;
  readonly changed: (what: string) => void;
}) {
  const { keyInfo: k, viewer, changed } = props;
  const [reason, setReason] = useState('');
  if (k.state === 'removed' || k.state === 'withdrawn') return <span class="muted">—</span>;
  return (
    <div class="actions">
      {k.state === 'retired' ? null : (
        <ConfirmButton
          label="Retire"
          title={`Retire ${k.kid}`}
          confirmLabel="Retire"
          disabled={viewer}
          run={async () => {
            await api(`/admin/keys/${encodeURIComponent(k.kid)}/retire`, { method: 'POST' });
            changed(`Key ${k.kid} retired.`);
          }}
        >
          <p>
            {k.state === 'next'
              ? 'This key has not signed yet: it leaves the JWKS and a new next key is made at the next rotation.'
              : 'The next key takes over signing; this one stays published until every token it signed has expired, so nothing breaks.'}
          </p>
        </ConfirmButton>
      )}
      <ConfirmButton
        label="Withdraw"
        title={`Withdraw ${k.kid}`}
        confirmLabel="Withdraw now"
        danger
        disabled={viewer}
        run={async () => {
          await api(`/admin/keys/${encodeURIComponent(k.kid)}/withdraw`, {
            method: 'POST',
            body: reason.trim() === '' ? {} : { reason: reason.trim() },
          });
          changed(`Key ${k.kid} withdrawn.`);
        }}
      >
        <p>
          For a key that was stolen. It leaves the JWKS and loses its private half at once, and every token it signed is
          refused by verifiers and gateways that follow the revocation feed
          {k.state === 'active' ? '; a new key starts signing at once' : ''}. Callers must get new tokens.
        </p>
        <Field label="Reason (kept in the audit log)">
          <input value={reason} maxLength={500} onInput={(e) => setReason(e.currentTarget.value)} />
        </Field>
      </ConfirmButton>
    </div>
  );
}

/** The jwt-factory's named keys (brief 002): make one, issue a token with it, verify one against it. */
function JwtFactory(props: { readonly viewer: boolean }) {
  const names = useResource(() => api<{ keys: string[] }>('/admin/jwt-factory/utils/keys'), []);
  const [keyId, setKeyId] = useState('');
  const [alg, setAlg] = useState('RS256');
  const [claims, setClaims] = useState('{\n  "sub": "svc-a",\n  "aud": "svc-b"\n}');
  const [token, setToken] = useState('');
  const [answer, setAnswer] = useState<string | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);
  const attempt = async (work: () => Promise<string>) => {
    setError(undefined);
    setAnswer(undefined);
    try {
      setAnswer(await work());
    } catch (err) {
      setError(describeError(err));
    }
  };
  const id = encodeURIComponent(keyId.trim());
  return (
    <section class="panel" aria-labelledby="factory">
      <h2 id="factory">jwt-factory keys</h2>
      <p class="muted">
        Named keys for teams that manage keys centrally (the jwt-factory API under <code>/admin/jwt-factory/</code>):{' '}
        {names.data === undefined ? '…' : names.data.keys.length === 0 ? 'none yet.' : names.data.keys.join(', ')}
      </p>
      <Notice error={error ?? names.error} />
      <div class="row">
        <Field label="Key id">
          <input value={keyId} pattern="[A-Za-z0-9._\-]{1,64}" onInput={(e) => setKeyId(e.currentTarget.value)} />
        </Field>
        <Field label="Algorithm (new keys)">
          <select value={alg} onChange={(e) => setAlg(e.currentTarget.value)}>
            {['RS256', 'PS256', 'ES256', 'Ed25519', 'EdDSA'].map((a) => (
              <option key={a}>{a}</option>
            ))}
          </select>
        </Field>
        <button
          type="button"
          disabled={props.viewer || id === ''}
          onClick={() =>
            void attempt(async () => {
              await api(`/admin/jwt-factory/keys/${id}?alg=${alg}`, { method: 'POST' });
              names.reload();
              return `Key ${keyId} is ready.`;
            })
          }
        >
          Create key
        </button>
      </div>
      <div class="split">
        <div>
          <Field label="Claims (JSON)" hint="iss defaults to https://jwt-factory/, sub to the key id, exp to one hour.">
            <textarea class="code" rows={6} value={claims} onInput={(e) => setClaims(e.currentTarget.value)} />
          </Field>
          <button
            type="button"
            disabled={props.viewer || id === ''}
            onClick={() =>
              void attempt(async () => {
                const issued = await api<{ token?: string }>(`/admin/jwt-factory/issueToken/${id}`, {
                  method: 'POST',
                  body: JSON.parse(claims) as unknown,
                });
                setToken(issued.token ?? '');
                return 'Token issued (below, ready to verify).';
              })
            }
          >
            Issue token
          </button>
        </div>
        <div>
          <Field label="Token to verify">
            <textarea class="code" rows={6} value={token} onInput={(e) => setToken(e.currentTarget.value)} />
          </Field>
          <button
            type="button"
            disabled={props.viewer || id === '' || token.trim() === ''}
            onClick={() =>
              void attempt(async () =>
                JSON.stringify(
                  await api(`/admin/jwt-factory/verify/${id}`, { method: 'POST', body: { token: token.trim() } }),
                  null,
                  2,
                ),
              )
            }
          >
            Verify
          </button>
        </div>
      </div>
      {answer === undefined ? null : (
        <pre role="status" aria-live="polite">
          {answer}
        </pre>
      )}
    </section>
  );
}
