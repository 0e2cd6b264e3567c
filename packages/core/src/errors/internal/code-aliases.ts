// Deprecated error codes and their replacements, as the `defineErrors` tables declare them: a
// table's `create` throws the replacement, and `isTesseraError(e, alias)` looks the alias up here so
// that checks written against the old code keep matching (ARCHITECTURE.md, "Errors": codes are
// never renamed). Filled when each package's errors.ts is loaded, which happens before anything it
// declares can be thrown.
const replacements = new Map<string, string>();

/** The alias → replacement registry behind `defineErrors` and `isTesseraError`. */
export const codeAliases = Object.freeze({
  /** Records that errors made with `alias` carry `replacement` instead. */
  register(alias: string, replacement: string): void {
    replacements.set(alias, replacement);
  },
  /** The code errors made with `code` carry when `code` is a deprecated alias, else undefined. */
  replacementOf(code: string): string | undefined {
    return replacements.get(code);
  },
});
