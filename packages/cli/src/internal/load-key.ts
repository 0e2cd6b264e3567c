import { importSigningKey, isJwsAlgorithm, type Jwk, type JwsAlgorithm, type SigningKey } from '@tessera/core/jose';
import { isTesseraError } from '@tessera/core/errors';
import { cliErrors } from '../errors.js';
import { parseJson, readInput } from './io.js';

/** Picks one JWK from a parsed JWK or JWKS, by `kid` when several are present. */
export function pickJwk(value: unknown, source: string, kid: string | undefined): Jwk {
  if (typeof value !== 'object' || value === null)
    throw cliErrors.create('ERR_CLI_INPUT_INVALID', `${source} is neither a JWK nor a JWKS`);
  const keys = Array.isArray((value as { keys?: unknown }).keys) ? (value as { keys: Jwk[] }).keys : [value as Jwk];
  const candidates = kid === undefined ? keys : keys.filter((k) => k.kid === kid);
  if (candidates.length !== 1) {
    throw cliErrors.create(
      'ERR_CLI_INPUT_INVALID',
      candidates.length === 0
        ? `${source} holds no key${kid === undefined ? '' : ` with kid ${JSON.stringify(kid)}`}`
        : `${source} holds ${candidates.length} keys`,
      {
        details: { hint: 'choose one with --kid' },
      },
    );
  }
  return candidates[0]!;
}

/** Parses an `--alg` value or fails with `ERR_CLI_USAGE`. */
export function parseAlg(value: string): JwsAlgorithm {
  if (!isJwsAlgorithm(value))
    throw cliErrors.create(
      'ERR_CLI_USAGE',
      `unsupported --alg ${JSON.stringify(value)}: use RS256/384/512, PS256/384/512, ES256/384/512, Ed25519, EdDSA or HS256/384/512`,
    );
  return value;
}

/**
 * Runs `load` and turns a key that core refuses (`ERR_JWK_*`, `ERR_JWKS_INVALID`) into
 * `ERR_CLI_INPUT_INVALID` naming the file: the user gave the wrong file or option, a usage problem
 * (exit 2), not a failed check.
 */
export async function asKeyInput<T>(source: string, load: () => T | Promise<T>, hint: string): Promise<T> {
  try {
    return await load();
  } catch (error) {
    if (isTesseraError(error) && /^ERR_JWKS?_INVALID$/.test(error.code))
      throw cliErrors.create('ERR_CLI_INPUT_INVALID', `${source}: ${error.message}`, { details: { hint } });
    throw error;
  }
}

const PRIVATE_KEY_HINT = 'give the private key: `tessera keys generate` writes private.jwk.json and private.pem';

/**
 * Loads a signing key from a file: a private JWK, a JWKS (one key, or the one named by `kid`), or a
 * PEM private key (`alg` required then). The algorithm comes from `alg` or the JWK's `alg`.
 */
export async function loadSigningKey(
  path: string,
  alg: JwsAlgorithm | undefined,
  kid: string | undefined,
): Promise<SigningKey> {
  const text = await readInput(path, 'key file');
  if (text.includes('-----BEGIN')) {
    if (/-----BEGIN (?:RSA )?PUBLIC KEY-----|-----BEGIN CERTIFICATE-----/.test(text))
      throw cliErrors.create('ERR_CLI_INPUT_INVALID', `${path} holds a public key, which cannot sign`, {
        details: { hint: PRIVATE_KEY_HINT },
      });
    if (alg === undefined) throw cliErrors.create('ERR_CLI_USAGE', 'a PEM key needs --alg');
    return asKeyInput(
      path,
      () => importSigningKey(text, alg, kid === undefined ? {} : { kid }),
      `give a private key that fits --alg ${alg}`,
    );
  }
  const jwk = pickJwk(parseJson(text, path), path, kid);
  // A private JWK carries `d` (RSA, EC, OKP) or `k` (oct); without them it is a public key.
  if (jwk.d === undefined && jwk.k === undefined)
    throw cliErrors.create('ERR_CLI_INPUT_INVALID', `${path} holds a public key, which cannot sign`, {
      details: { hint: PRIVATE_KEY_HINT },
    });
  const jwkAlg = typeof jwk.alg === 'string' ? parseAlg(jwk.alg) : undefined;
  const chosen = alg ?? jwkAlg;
  if (chosen === undefined) throw cliErrors.create('ERR_CLI_USAGE', `the key in ${path} has no "alg": give --alg`);
  return asKeyInput(
    path,
    () => importSigningKey(jwk, chosen, jwk.kid === undefined ? {} : { kid: jwk.kid }),
    alg === undefined ? 'check the key file' : `give a key that fits --alg ${alg}, or leave --alg out`,
  );
}
