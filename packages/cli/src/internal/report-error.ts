import { isTesseraError } from '@tessera/core/errors';

/** Hints per code prefix, used when the thrower gave none: the "what to do next" of every error line. */
const defaultHints: ReadonlyArray<readonly [RegExp, string]> = [
  [/^ERR_CLI_USAGE$/, 'run the command with --help'],
  [/^ERR_JWT_EXPIRED$/, 'get a new token'],
  [/^ERR_JWT_/, 'run `tessera token decode <token>` to see what the token holds'],
  [/^ERR_JWKS_NO_MATCHING_KEY$/, 'check that the token was signed by a key in this JWKS (compare the `kid`)'],
  [/^ERR_JWKS_FETCH_FAILED$/, 'check that the JWKS URL is reachable'],
  [/^ERR_JWK_/, 'check the key file (JWK, JWKS or PEM)'],
  [/_CONFIG_INVALID$/, 'fix the configuration at the path named above'],
  [/^ERR_POLICY_INVALID$/, 'run `tessera policy lint` on the file'],
  [/^ERR_OAUTH_INVALID_CLIENT$/, 'check the client id and secret'],
];

/**
 * Renders an error as the one line the CLI prints on stderr: `tessera: ERR_CODE: message (hint)`.
 * Unknown errors (bugs) get `ERR_CLI_INTERNAL`-style text without a stack, unless `TESSERA_DEBUG` is
 * set. Never includes a secret: messages come from `TesseraError`s, which never carry tokens or keys.
 */
export function formatError(error: unknown): string {
  if (isTesseraError(error)) {
    const hint =
      typeof error.details?.['hint'] === 'string'
        ? error.details['hint']
        : defaultHints.find(([re]) => re.test(error.code))?.[1];
    const message = oneLine(error.message);
    return `tessera: ${error.code}: ${message}${hint ? ` (${hint})` : ''}`;
  }
  const message = error instanceof Error ? error.message : String(error);
  return `tessera: unexpected error: ${oneLine(message)} (set TESSERA_DEBUG=1 for the stack and report it)`;
}

function oneLine(text: string): string {
  return text.replace(/\s*[\r\n]+\s*/g, '; ').trim();
}
