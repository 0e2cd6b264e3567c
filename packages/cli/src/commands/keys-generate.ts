import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { Option, type Command } from 'commander';
import {
  calculateJwkThumbprint,
  exportJwk,
  exportPem,
  generateKey,
  getAlgorithm,
  importSigningKey,
  toPublicJwk,
  type Jwk,
  type JwsAlgorithm,
} from '@tessera/core';
import { cliErrors } from '../errors.js';
import { note, out, parsePositiveInt } from '../internal/io.js';
import { parseAlg } from '../internal/load-key.js';

/** Everything `keys generate` produces for one key. */
export interface KeyOutput {
  alg: JwsAlgorithm;
  kid: string;
  privateJwk: Jwk;
  /** The JWKS to publish: the public key, or for HMAC the secret `oct` key itself (it has no public half). */
  jwks: { keys: Jwk[] };
  privatePem?: string;
  publicPem?: string;
}

/**
 * Generates one key (the brief's "JWKS generator": key size, use, algorithm, key id).
 *
 * @example
 * ```ts
 * const key = generateKeyOutput({ alg: 'HS256', size: 256 });
 * key.privateJwk.k; // base64url HMAC secret
 * ```
 */
export function generateKeyOutput(options: { alg: JwsAlgorithm; size?: number; kid?: string }): KeyOutput {
  const spec = getAlgorithm(options.alg)!;
  if (spec.family === 'HMAC') {
    // RFC 7518 §3.2: the secret is at least as long as the hash; --size may ask for more.
    const bits = options.size ?? spec.hashLength * 8;
    if (bits % 8 !== 0 || bits < spec.hashLength * 8 || bits > 4096) {
      throw cliErrors.create(
        'ERR_CLI_USAGE',
        `--size for ${options.alg} must be a multiple of 8 from ${spec.hashLength * 8} to 4096 bits (RFC 7518 §3.2)`,
      );
    }
    const secret = { kty: 'oct', k: randomBytes(bits / 8).toString('base64url') };
    const kid = options.kid ?? calculateJwkThumbprint(secret);
    const signingKey = importSigningKey({ ...secret, alg: options.alg, kid }, options.alg, { kid });
    const privateJwk = exportJwk(signingKey);
    return { alg: options.alg, kid, privateJwk, jwks: { keys: [privateJwk] } };
  }
  if (options.size !== undefined && spec.kty !== 'RSA') {
    throw cliErrors.create(
      'ERR_CLI_USAGE',
      `--size applies to RSA and HMAC keys; ${options.alg} uses the ${spec.crv} curve`,
    );
  }
  if (options.size !== undefined && (options.size < 2048 || options.size > 16384)) {
    throw cliErrors.create(
      'ERR_CLI_USAGE',
      `--size for ${options.alg} must be from 2048 to 16384 bits (RFC 7518 §3.3)`,
    );
  }
  const key = generateKey(options.alg, {
    ...(options.size === undefined ? {} : { modulusLength: options.size }),
    ...(options.kid === undefined ? {} : { kid: options.kid }),
  });
  return {
    alg: options.alg,
    kid: key.kid,
    privateJwk: key.privateJwk,
    jwks: { keys: [toPublicJwk(key.signingKey)] },
    privatePem: exportPem(key.signingKey),
    publicPem: exportPem(key.verificationKey),
  };
}

/**
 * Registers `tessera keys generate`.
 *
 * @example
 * ```sh
 * tessera keys generate --alg HS256 --size 256 --format jwks
 * ```
 */
export function registerKeysCommands(keys: Command): void {
  keys
    .command('generate')
    .description(
      'generate a signing key (the JWKS generator); HS* keys print a base64url `k` usable as the HMAC secret',
    )
    .requiredOption(
      '--alg <alg>',
      'RS256|RS384|RS512|PS256|PS384|PS512|ES256|ES384|ES512|Ed25519|EdDSA|HS256|HS384|HS512 (Ed25519: RFC 9864; EdDSA is deprecated)',
      parseAlg,
    )
    .option(
      '--size <bits>',
      'RSA modulus length (default 2048) or HMAC secret length (default: the hash length)',
      parsePositiveInt('--size'),
    )
    .addOption(new Option('--use <use>', 'JWK use').choices(['sig']).default('sig'))
    .option('--kid <kid>', 'key id (default: the RFC 7638 thumbprint)')
    .addOption(
      new Option(
        '--format <format>',
        'jwk = the private JWK (keep it secret), jwks = the JWK Set to publish (for HS*: the secret itself), pem = private and public PEM',
      )
        .choices(['jwk', 'jwks', 'pem'])
        .default('jwk'),
    )
    .option(
      '--out-dir <dir>',
      'also write private.jwk.json (mode 0600), jwks.json and, for asymmetric keys, private.pem (0600) and public.pem',
    )
    .option('--json', 'print a JSON object (for --format pem: { privatePem, publicPem })')
    .action(
      async (options: {
        alg: JwsAlgorithm;
        size?: number;
        kid?: string;
        format: 'jwk' | 'jwks' | 'pem';
        outDir?: string;
        json?: boolean;
      }) => {
        const key = generateKeyOutput(options);
        const hmac = key.privatePem === undefined;
        if (options.format === 'pem' && hmac)
          throw cliErrors.create('ERR_CLI_USAGE', `${options.alg} secrets have no PEM form: use --format jwk or jwks`);
        if (options.outDir !== undefined) {
          await mkdir(options.outDir, { recursive: true });
          await writeFile(join(options.outDir, 'private.jwk.json'), `${JSON.stringify(key.privateJwk, null, 2)}\n`, {
            mode: 0o600,
          });
          await writeFile(join(options.outDir, 'jwks.json'), `${JSON.stringify(key.jwks, null, 2)}\n`, {
            mode: hmac ? 0o600 : 0o644,
          });
          if (!hmac) {
            await writeFile(join(options.outDir, 'private.pem'), key.privatePem!, { mode: 0o600 });
            await writeFile(join(options.outDir, 'public.pem'), key.publicPem!, { mode: 0o644 });
          }
          note(`tessera: wrote ${options.alg} key ${key.kid} to ${options.outDir}`);
        }
        switch (options.format) {
          case 'jwk':
            out(JSON.stringify(key.privateJwk, null, 2));
            break;
          case 'jwks':
            out(JSON.stringify(key.jwks, null, 2));
            break;
          case 'pem':
            out(
              options.json
                ? JSON.stringify({ privatePem: key.privatePem, publicPem: key.publicPem }, null, 2)
                : `${key.privatePem}${key.publicPem}`,
            );
            break;
        }
        if (hmac && !options.json) note(`tessera: HMAC secret (base64url, the JWK "k"): ${key.privateJwk.k as string}`);
      },
    );
}
