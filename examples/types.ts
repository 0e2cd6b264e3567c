// Shapes every example shares, so `tessera demo`, the e2e tests and a reader see the same thing.

/** One call an example makes, what the brief says should happen, and how to see what did. */
export interface ExampleCheck {
  /** The call, as a reader would make it: `GET servicea /scenario1?expired=1`. */
  readonly call: string;
  /** What should happen, in the same short form `run` answers: `200 valid=true sub=servicea`. */
  readonly expected: string;
  /** Makes the call over the network and describes what came back. Never throws. */
  run(): Promise<string>;
}

/** A started example: its services are listening until `close()`. */
export interface RunningExample {
  /** Scenario number and title, as in docs/examples.md. */
  readonly id: string;
  readonly title: string;
  /** Every service it started, by name → base URL. */
  readonly urls: Readonly<Record<string, string>>;
  /** The calls that show the scenario, in order. */
  readonly checks: readonly ExampleCheck[];
  /** Copy-paste commands for a human (curl). */
  readonly hints: readonly string[];
  /** Stops every server it started. */
  close(): Promise<void>;
}

/** Options every example's `start()` accepts. */
export interface ExampleOptions {
  /** Port of the service a user calls first (others always take a free port); default 0. */
  readonly port?: number;
  /**
   * Lifetime in seconds of the access tokens the example's token service gives its web clients,
   * for a test that waits past it (example 10's session refresh); the example's default otherwise.
   */
  readonly accessTokenSeconds?: number;
}
