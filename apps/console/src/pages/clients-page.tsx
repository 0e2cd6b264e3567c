import { PageHeader, ViewerNote } from '../components';
import type { PageProps } from '../page-props';
import { ClientDetail } from '../client-detail';
import { NewClient } from '../client-create';
import type { ClientView } from '../client-form';
import { usePagedList, useRowFocus, useSubView } from '../client-user-list';
import { ListFooter, SearchForm } from '../client-user-parts';

/** How a client authenticates, in a word, for the list. */
function authWord(client: ClientView): string {
  if (client.public) return 'public';
  if (client.hasSecret) {
    const count = client.secrets?.length ?? 1;
    return count === 1 ? 'secret' : `${count} secrets`;
  }
  return client.jwks === undefined ? 'none' : 'keys';
}

/**
 * The clients (workloads and applications) of the admin API: a searchable list a page at a time,
 * a client's detail with its edit form and secrets (`?id=`), and the create form (`?new`). A
 * viewer sees everything with the change controls disabled.
 */
export function ClientsPage(props: PageProps) {
  const readOnly = props.me.role === 'viewer';
  const list = usePagedList<ClientView>('/admin/clients', 'clients', (c) => c.id);
  const [view, open] = useSubView();
  useRowFocus(view);
  const toList = () => open({ kind: 'list' });

  if (view.kind === 'detail')
    return (
      <>
        <ViewerNote readOnly={readOnly} />
        <ClientDetail
          key={view.id}
          id={view.id}
          readOnly={readOnly}
          onBack={toList}
          onChanged={list.put}
          onDeleted={() => {
            list.reload();
            toList();
          }}
        />
      </>
    );
  if (view.kind === 'new')
    return (
      <>
        <ViewerNote readOnly={readOnly} />
        <NewClient
          readOnly={readOnly}
          onBack={toList}
          onCreated={list.reload}
          onOpen={(id) => open({ kind: 'detail', id })}
        />
      </>
    );

  return (
    <>
      <PageHeader title="Clients">
        The workloads that get tokens and the applications people sign in to: what each may ask for, which tokens it may
        exchange, and its secrets.
      </PageHeader>
      <ViewerNote readOnly={readOnly} />
      <div class="cu-toolbar">
        <SearchForm label="Search clients" hint="Part of a client ID." value={list.query} onSearch={list.search} />
        <button type="button" class="primary" disabled={readOnly} onClick={() => open({ kind: 'new' })}>
          New client
        </button>
      </div>
      <div class="table-wrap">
        <table class="cu-table">
          <caption class="cu-sr">Clients, by client ID</caption>
          <thead>
            <tr>
              <th scope="col">Client ID</th>
              <th scope="col">State</th>
              <th scope="col">Grant types</th>
              <th scope="col">Audiences</th>
              <th scope="col">Authentication</th>
              <th scope="col">Made in</th>
            </tr>
          </thead>
          <tbody>
            {list.items.map((client) => (
              <tr key={client.id}>
                <th scope="row">
                  <a
                    href={`?id=${encodeURIComponent(client.id)}`}
                    data-row-id={client.id}
                    onClick={(event) => {
                      if (event.metaKey || event.ctrlKey || event.shiftKey || event.button !== 0) return;
                      event.preventDefault();
                      open({ kind: 'detail', id: client.id });
                    }}
                  >
                    <code>{client.id}</code>
                  </a>
                </th>
                <td>
                  <span class={`state ${client.enabled ? 'active' : 'removed'}`}>
                    {client.enabled ? 'enabled' : 'disabled'}
                  </span>
                </td>
                <td>{client.grantTypes.map(shortGrant).join(', ') || '—'}</td>
                <td>{client.audiences.join(', ') || '—'}</td>
                <td>{authWord(client)}</td>
                <td>{client.source === 'config' ? 'configuration' : 'admin API'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <ListFooter list={list} noun="clients" />
    </>
  );
}

/** A grant type as the list shows it: the token-exchange URN by its name. */
function shortGrant(grant: string): string {
  return grant === 'urn:ietf:params:oauth:grant-type:token-exchange' ? 'token-exchange' : grant;
}
