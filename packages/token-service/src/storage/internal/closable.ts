/** A store that holds resources (files, connections, timers) until closed. */
export interface Closable {
  close(): Promise<void>;
}
