import type { ExampleCheck } from '../types.js';

/** Builds a check whose `run` never throws: a network failure is described as `error: ...`. */
export function check(call: string, expected: string, run: () => Promise<string>): ExampleCheck {
  return {
    call,
    expected,
    run: () => run().catch((error: unknown) => `error: ${(error as Error).message}`),
  };
}
