import type { ComponentType } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { api, ApiError, describeError, useCsrf, type Whoami } from './api';
import type { PageProps } from './page-props';
import { BASE, navigate, usePage } from './router';
import { AuditPage } from './pages/audit-page';
import { ClientsPage } from './pages/clients-page';
import { DecisionsPage } from './pages/decisions-page';
import { KeysPage } from './pages/keys-page';
import { OverviewPage } from './pages/overview-page';
import { PolicyFormPage } from './pages/policy-form-page';
import { SimulatorPage } from './pages/simulator-page';
import { TokenDebuggerPage } from './pages/token-debugger-page';
import { UsersPage } from './pages/users-page';

/** The console's pages, in the navigation's order: address below /console/, name, component. */
const PAGES: readonly (readonly [string, string, ComponentType<PageProps>])[] = [
  ['', 'Overview', OverviewPage],
  ['keys', 'Keys', KeysPage],
  ['clients', 'Clients', ClientsPage],
  ['users', 'Users', UsersPage],
  ['jwt-policy', 'JWT policy', PolicyFormPage],
  ['token-debugger', 'Token debugger', TokenDebuggerPage],
  ['simulator', 'Policy simulator', SimulatorPage],
  ['decisions', 'Live decisions', DecisionsPage],
  ['audit', 'Audit log', AuditPage],
];

/**
 * The console: who is signed in (`GET /admin/whoami`), the navigation, and the page the address
 * names. Without a session the API answers 401 and the page reloads into the login; a user with
 * neither console role is told so.
 */
export function App() {
  const page = usePage();
  const [me, setMe] = useState<Whoami | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);
  useEffect(() => {
    api<Whoami>('/admin/whoami')
      .then((who) => {
        useCsrf(who.csrf);
        setMe(who);
      })
      .catch((err: unknown) => {
        // The session ended: the server sends the browser to the login and back.
        if (err instanceof ApiError && err.status === 401) location.assign(BASE);
        else setError(describeError(err));
      });
  }, []);
  const current = PAGES.find(([path]) => path === page) ?? PAGES[0]!;
  useEffect(() => {
    document.title = `${current[1]} · Tessera console`;
  }, [current]);

  if (error !== undefined)
    return (
      <main class="signed-out">
        <h1>Tessera console</h1>
        <p role="alert">{error}</p>
        <p>
          The console needs the role <code>tessera:admin</code> or <code>tessera:viewer</code> on your user. Your
          account: <a href="/account">/account</a>.
        </p>
      </main>
    );
  if (me === undefined) return <p class="boot">Loading the Tessera console…</p>;
  const Page = current[2];
  return (
    <div class="shell">
      <a class="skip-link" href="#main">
        Skip to the page
      </a>
      <header class="top">
        <span class="brand">Tessera</span>
        <span class="who">
          {me.username ?? me.actor} · <span class={`role ${me.role}`}>{me.role}</span>
        </span>
        <button
          type="button"
          class="link"
          onClick={() => void api('/admin/sign-out', { method: 'POST' }).finally(() => location.assign('/account'))}
        >
          Sign out
        </button>
      </header>
      <nav aria-label="Console">
        <ul>
          {PAGES.map(([path, name]) => (
            <li key={path}>
              <a
                href={BASE + path}
                aria-current={path === current[0] ? 'page' : undefined}
                onClick={(event) => {
                  if (event.metaKey || event.ctrlKey || event.shiftKey || event.button !== 0) return;
                  event.preventDefault();
                  navigate(path);
                }}
              >
                {name}
              </a>
            </li>
          ))}
        </ul>
      </nav>
      <main id="main" tabIndex={-1}>
        <Page me={me} />
      </main>
    </div>
  );
}
