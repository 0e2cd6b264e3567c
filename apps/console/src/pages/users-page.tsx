import { PageHeader, ViewerNote } from '../components';
import type { PageProps } from '../page-props';
import { usePagedList, useRowFocus, useSubView } from '../client-user-list';
import { ListFooter, SearchForm } from '../client-user-parts';
import { NewUser } from '../user-create';
import { UserBadges, UserDetail } from '../user-detail';
import { displayName, type UserView } from '../user-form';

/** A user's second factors in a few words, for the list. */
function factorsWord(user: UserView): string {
  const f = user.secondFactors;
  const kinds = [
    ...(f.totp ? ['app'] : []),
    ...(f.passkeys.length > 0 ? [`${f.passkeys.length} passkey${f.passkeys.length === 1 ? '' : 's'}`] : []),
  ];
  return kinds.length === 0 ? 'none' : kinds.join(', ');
}

/**
 * The people of the admin API: a searchable list a page at a time, a user's detail with the edit
 * form, password, sessions, second factors and consents (`?id=`), and the create form (`?new`).
 * A viewer sees everything with the change controls disabled.
 */
export function UsersPage(props: PageProps) {
  const readOnly = props.me.role === 'viewer';
  const list = usePagedList<UserView>('/admin/users', 'users', (u) => u.userId);
  const [view, open] = useSubView();
  useRowFocus(view);
  const toList = () => open({ kind: 'list' });

  if (view.kind === 'detail')
    return (
      <>
        <ViewerNote readOnly={readOnly} />
        <UserDetail
          key={view.id}
          id={view.id}
          meActor={props.me.actor}
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
        <NewUser
          readOnly={readOnly}
          onBack={toList}
          onCreated={list.reload}
          onOpen={(id) => open({ kind: 'detail', id })}
        />
      </>
    );

  return (
    <>
      <PageHeader title="Users">
        The people who sign in: their roles (<code>tessera:admin</code> and <code>tessera:viewer</code> open this
        console), passwords, sessions and second factors.
      </PageHeader>
      <ViewerNote readOnly={readOnly} />
      <div class="cu-toolbar">
        <SearchForm
          label="Search users"
          hint="Part of a username, email or user ID."
          value={list.query}
          onSearch={list.search}
        />
        <button type="button" class="primary" disabled={readOnly} onClick={() => open({ kind: 'new' })}>
          New user
        </button>
      </div>
      <div class="table-wrap">
        <table class="cu-table">
          <caption class="cu-sr">Users, by user ID</caption>
          <thead>
            <tr>
              <th scope="col">Username</th>
              <th scope="col">Name and email</th>
              <th scope="col">State and console role</th>
              <th scope="col">Second factors</th>
              <th scope="col">User ID</th>
            </tr>
          </thead>
          <tbody>
            {list.items.map((user) => (
              <tr key={user.userId}>
                <th scope="row">
                  <a
                    href={`?id=${encodeURIComponent(user.userId)}`}
                    data-row-id={user.userId}
                    onClick={(event) => {
                      if (event.metaKey || event.ctrlKey || event.shiftKey || event.button !== 0) return;
                      event.preventDefault();
                      open({ kind: 'detail', id: user.userId });
                    }}
                  >
                    {user.username}
                  </a>
                </th>
                <td>
                  {displayName(user) ?? ''}
                  {displayName(user) !== undefined && user.email !== undefined ? <br /> : null}
                  {user.email === undefined ? null : <span class="muted">{user.email}</span>}
                  {displayName(user) === undefined && user.email === undefined ? '—' : null}
                </td>
                <td>
                  <UserBadges user={user} />
                </td>
                <td>{factorsWord(user)}</td>
                <td>
                  <code>{user.userId}</code>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <ListFooter list={list} noun="users" />
    </>
  );
}
