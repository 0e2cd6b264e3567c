// Where the shared test vectors live: `../shared/vectors/` beside the checkout (issue 2). Tests that
// use them skip with this message when the folder is absent; nothing else reads them.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** Absolute path of the shared vectors folder (TESSERA_VECTORS_DIR overrides). */
export const VECTORS_DIR =
  process.env.TESSERA_VECTORS_DIR ?? fileURLToPath(new URL('../../../../../shared/vectors/', import.meta.url));

/** `false` when `relative` exists under the vectors folder, else the skip message. */
export function skipUnlessVector(relative: string): string | false {
  return existsSync(`${VECTORS_DIR}/${relative}`)
    ? false
    : `test vectors not found at ${VECTORS_DIR}/${relative} (../shared/vectors beside the checkout)`;
}
