/** Steps to undo what was set up, run last-in first-out. */
export interface ShutdownStack {
  /** Registers how to undo the step just taken. */
  defer(step: () => void | Promise<void>): void;
  /** Runs every registered step, newest first, each once; rejects with the first failure after all ran. */
  run(): Promise<void>;
}

/**
 * Creates a shutdown stack (Go's `defer`): start-up registers the undo of each step as it succeeds,
 * so a start that fails half-way and a normal stop release exactly what exists, in reverse order,
 * with no "was this created yet?" checks.
 *
 * @example
 * ```ts
 * const shutdown = createShutdownStack();
 * const storage = await openStorage(config.storage, options);
 * shutdown.defer(() => storage.close());
 * // … later, or when a later step throws:
 * await shutdown.run();
 * ```
 */
export function createShutdownStack(): ShutdownStack {
  const steps: (() => void | Promise<void>)[] = [];
  return {
    defer: (step) => void steps.push(step),
    async run() {
      const failures: unknown[] = [];
      for (let step = steps.pop(); step !== undefined; step = steps.pop()) {
        try {
          await step();
        } catch (error) {
          // Keep going: a storage that fails to close must not leave the port bound, or the reverse.
          failures.push(error);
        }
      }
      if (failures.length > 0) throw failures[0];
    },
  };
}
