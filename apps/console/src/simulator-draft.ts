// Policies (and the request they are about) handed from another page, the JWT policy form, to the
// simulator. In memory only, and taken once: nothing of a policy or a token goes into the address
// or the browser's storage.
import type { SimulatorRequestForm } from './simulator-request';

/** What the simulator opens with: the YAML, and the parts of the request the sender knows (route labels, host…). */
export interface SimulatorDraft {
  readonly yaml: string;
  readonly request?: Partial<SimulatorRequestForm>;
}

let draft: SimulatorDraft | undefined;

/**
 * Leaves YAML (and request fields) for the simulator to open with; the caller then navigates to it.
 *
 * @example
 * ```ts
 * offerToSimulator({ yaml: policyYaml(form), request: { labels: 'app=orders' } });
 * navigate('simulator');
 * ```
 */
export function offerToSimulator(offered: SimulatorDraft): void {
  draft = offered;
}

/**
 * What was left for the simulator, once: a later visit starts from what the user pastes.
 *
 * @example
 * ```ts
 * const [opened] = useState(() => takeSimulatorDraft());
 * ```
 */
export function takeSimulatorDraft(): SimulatorDraft | undefined {
  const taken = draft;
  draft = undefined;
  return taken;
}
