import type { Whoami } from './api';

/** What every page gets: who is signed in (a viewer's change buttons are disabled; the API refuses them anyway). */
export interface PageProps {
  readonly me: Whoami;
}
