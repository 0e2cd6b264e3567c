import type { ExampleCheck } from '../types.js';
import { check } from './check.js';

/**
 * Checks taken at policy steps (the brief's allow-nothing → … sequences): each check brings the
 * policies to its step first, by `apply`, which runs only when the step changes. The example starts
 * at step 1.
 *
 * @example
 * ```ts
 * const stepCheck = policySteps(async (step) => gateway.setPolicies(await policyFiles(step)));
 * stepCheck(2, 'ingress → webui', '200 webui', () => call(ingress, '/webui/'));
 * ```
 */
export function policySteps(
  apply: (step: number) => Promise<void>,
): (step: number, what: string, expected: string, run: () => Promise<string>) => ExampleCheck {
  let current = 1;
  return (step, what, expected, run) =>
    check(`step ${step}: ${what}`, expected, async () => {
      if (current !== step) {
        await apply(step);
        current = step;
      }
      return run();
    });
}
