import type { Command } from 'commander';
import {
  createLocalJwks,
  createVerifier,
  decodeJwt,
  importPem,
  type JwsAlgorithm,
  type KeysInput,
} from '@tessera/core/jose';
import { isTesseraError } from '@tessera/core/errors';
import { cliErrors } from '../errors.js';
import { describeTime, out, parseJson, readInput } from '../internal/io.js';
import { asKeyInput, parseAlg } from '../internal/load-key.js';
import { parseUrl } from '../internal/token-endpoint.js';

function collect<T>(parse: (v: string) => T) {
  return (value: string, previous: T[] = []): T[] => [...previous, parse(value)];
}

/** Loads the verification keys: a JWKS URL (fetched once), a JWKS or JWK file, or a PEM public key. */
async function loadKeys(
  options: { jwks?: string; key?: string; alg?: JwsAlgorithm[] },
  tokenKid: string | undefined,
): Promise<KeysInput> {
  if ((options.jwks === undefined) === (options.key === undefined))
    throw cliErrors.create('ERR_CLI_USAGE', 'give exactly one of --jwks FILE|URL and --key PEM');
  if (options.key !== undefined) {
    const alg = options.alg?.[0];
    if (alg === undefined || options.alg!.length !== 1)
      throw cliErrors.create('ERR_CLI_USAGE', '--key (PEM) needs exactly one --alg');
    // One key given explicitly: it answers to whatever kid the token names (a PEM has no kid).
    const pem = await readInput(options.key, 'key file');
    const key = await asKeyInput(
      options.key,
      () => importPem(pem, alg, tokenKid === undefined ? {} : { kid: tokenKid }),
      `give a PEM public key that fits --alg ${alg}`,
    );
    return [key];
  }
  const source = options.jwks!;
  let document: unknown;
  if (/^https?:\/\//i.test(source)) {
    const url = parseUrl(source, '--jwks');
    let res: Response;
    try {
      res = await fetch(url, {
        signal: AbortSignal.timeout(10_000),
        headers: { accept: 'application/jwk-set+json, application/json' },
      });
    } catch (error) {
      throw cliErrors.create(
        'ERR_CLI_REMOTE_FAILED',
        `cannot fetch the JWKS at ${url.href}: ${(error as { cause?: { code?: string } }).cause?.code ?? (error as Error).message}`,
        { details: { hint: 'check the URL' } },
      );
    }
    if (!res.ok) {
      await res.body?.cancel();
      throw cliErrors.create('ERR_CLI_REMOTE_FAILED', `the JWKS at ${url.href} answered HTTP ${res.status}`, {
        details: { hint: 'check the URL' },
      });
    }
    document = parseJson(await res.text(), url.href);
  } else {
    document = parseJson(await readInput(source, 'JWKS file'), source);
  }
  if (typeof document === 'object' && document !== null && typeof (document as { kty?: unknown }).kty === 'string')
    document = { keys: [document] };
  return asKeyInput(source, () => createLocalJwks(document as { keys: [] }), 'check the keys in the JWKS');
}

/**
 * Registers `tessera token verify`: verifies signature and claims like a Tessera service would.
 *
 * @example
 * ```sh
 * tessera token verify --jwks http://127.0.0.1:7400/jwks --issuer http://127.0.0.1:7400 --audience orders "$TOKEN"
 * ```
 */
export function registerTokenVerifyCommand(token: Command): void {
  token
    .command('verify')
    .description(
      "verify a token's signature and claims against a JWKS (file or URL) or a PEM public key; exit 1 when invalid",
    )
    .argument('[token]', 'the token (default: read from stdin)')
    .option('--jwks <file|url>', 'JWKS (or JWK) file, or an http(s) URL fetched once')
    .option('--key <pem>', 'PEM public key file (with --alg)')
    .option('--issuer <iss>', 'required issuer (exact match)')
    .option('--audience <aud>', 'accepted audience (repeat for several); unset: aud not checked', collect(String))
    .option('--subject <sub>', 'required subject')
    .option('--alg <alg>', 'accepted algorithm (repeat for several; default all)', collect(parseAlg))
    .option('--typ <typ>', 'required header typ, e.g. at+jwt')
    .option('--clock-tolerance <seconds>', 'leeway for exp/nbf/iat', (v) => Number(v), 0)
    .option('--json', 'print { valid, header, payload } or { valid: false, error }')
    .action(
      async (
        arg: string | undefined,
        options: {
          jwks?: string;
          key?: string;
          issuer?: string;
          audience?: string[];
          subject?: string;
          alg?: JwsAlgorithm[];
          typ?: string;
          clockTolerance: number;
          json?: boolean;
        },
      ) => {
        const jwt = (arg === undefined || arg === '-' ? await readInput('-', 'token') : arg).trim();
        if (jwt === '') throw cliErrors.create('ERR_CLI_USAGE', 'no token given: pass it as an argument or on stdin');
        if (!Number.isFinite(options.clockTolerance) || options.clockTolerance < 0)
          throw cliErrors.create('ERR_CLI_USAGE', '--clock-tolerance must be a non-negative number of seconds');
        let tokenKid: string | undefined;
        try {
          const kid = decodeJwt(jwt).header.kid;
          tokenKid = typeof kid === 'string' ? kid : undefined;
        } catch {
          tokenKid = undefined; // the verifier reports the malformed token below
        }
        const keys = await loadKeys(options, tokenKid);
        const verifier = createVerifier({
          keys,
          ...(options.issuer === undefined ? {} : { issuer: options.issuer }),
          ...(options.audience === undefined ? {} : { audience: options.audience }),
          ...(options.subject === undefined ? {} : { subject: options.subject }),
          ...(options.alg === undefined ? {} : { algorithms: options.alg }),
          ...(options.typ === undefined ? {} : { typ: options.typ }),
          clockTolerance: options.clockTolerance,
          cache: false,
        });
        try {
          const { header, payload, key } = await verifier.verify(jwt);
          if (options.json) {
            out(JSON.stringify({ valid: true, kid: key.kid, header, payload }, null, 2));
          } else {
            const now = Date.now();
            const lines = [
              `valid: signed by ${key.alg} key ${key.kid ?? '(no kid)'}`,
              'header:',
              JSON.stringify(header, null, 2),
              'payload:',
              JSON.stringify(payload, null, 2),
            ];
            if (typeof payload.exp === 'number') lines.push(`expires: ${describeTime(payload.exp, now)}`);
            out(lines.join('\n'));
          }
        } catch (error) {
          if (!isTesseraError(error)) throw error;
          if (options.json)
            out(JSON.stringify({ valid: false, error: { code: error.code, message: error.message } }, null, 2));
          throw error.code.startsWith('ERR_JWT_') || error.code.startsWith('ERR_JWKS_')
            ? cliErrors.create('ERR_CLI_CHECK_FAILED', `invalid token: ${error.code}: ${error.message}`, {
                details: { hint: 'run `tessera token decode` to see what the token holds' },
              })
            : error;
        }
      },
    );
}
