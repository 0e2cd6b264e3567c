import type { Command } from 'commander';
import { createJwtSigner, type JwsAlgorithm, type JwtPayload } from '@tessera/core/jose';
import { cliErrors } from '../errors.js';
import { describeTime, out, parseJson, readInput } from '../internal/io.js';
import { inspectToken } from '../internal/inspect-token.js';
import { loadSigningKey, parseAlg } from '../internal/load-key.js';

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** Parses `name=value` claims; values that are JSON (numbers, true, arrays, objects) are taken as JSON. */
function parseClaims(pairs: string[]): Record<string, unknown> {
  const claims: Record<string, unknown> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw cliErrors.create('ERR_CLI_USAGE', `--claim expects name=value, got ${JSON.stringify(pair)}`);
    const name = pair.slice(0, eq);
    if (name === '__proto__') throw cliErrors.create('ERR_CLI_USAGE', 'claim name __proto__ is not allowed');
    const raw = pair.slice(eq + 1);
    let value: unknown = raw;
    try {
      value = JSON.parse(raw);
    } catch {
      // a plain string
    }
    claims[name] = value;
  }
  return claims;
}

/**
 * Parses `--expires-in`: whole seconds, or a number with a unit (90s, 15m, 2h, 1d), the forms the
 * signer takes. Checked here so a typo is a usage error (exit 2) naming the option.
 */
function parseExpiresIn(value: string): number | string {
  if (/^\d+$/.test(value)) return Number(value);
  if (/^\d+(?:\.\d+)?[smhd]$/.test(value)) return value;
  throw cliErrors.create(
    'ERR_CLI_USAGE',
    `--expires-in expects seconds or a number with s, m, h or d (90s, 15m, 2h, 1d), got ${JSON.stringify(value)}`,
  );
}

async function readToken(arg: string | undefined): Promise<string> {
  const token = (arg === undefined || arg === '-' ? await readInput('-', 'token') : arg).trim();
  if (token === '') throw cliErrors.create('ERR_CLI_USAGE', 'no token given: pass it as an argument or on stdin');
  return token;
}

/**
 * Registers `tessera token sign` and `tessera token decode`.
 *
 * @example
 * ```sh
 * tessera token sign --key private.jwk.json --iss https://issuer --sub svc-a --aud svc-b --expires-in 5m
 * tessera token decode "$TOKEN"
 * ```
 */
export function registerTokenLocalCommands(token: Command): void {
  token
    .command('sign')
    .description('sign a JWT with a private JWK, JWKS or PEM key')
    .requiredOption('--key <file>', 'private key: JWK, JWKS (with --kid when several) or PEM (with --alg)')
    .option('--alg <alg>', 'algorithm, e.g. ES256 or Ed25519 (default: the JWK "alg")', parseAlg)
    .option('--kid <kid>', 'key id to pick from a JWKS / to put in the header')
    .option('--iss <issuer>', 'issuer claim')
    .option('--sub <subject>', 'subject claim')
    .option('--aud <audience>', 'audience claim (repeat for several)', collect)
    .option('--expires-in <duration>', 'lifetime: seconds or 90s, 15m, 2h, 1d', parseExpiresIn, '5m')
    .option('--expired', 'issue an already expired token (exp one minute ago), for tests')
    .option('--typ <typ>', 'header typ (e.g. at+jwt)', 'JWT')
    .option('--claim <name=value>', 'extra claim; JSON values allowed (repeat for several)', collect)
    .option('--claims <file>', 'JSON file with claims (`-` for stdin)')
    .option('--json', 'print { token, header, payload }')
    .action(
      async (options: {
        key: string;
        alg?: JwsAlgorithm;
        kid?: string;
        iss?: string;
        sub?: string;
        aud?: string[];
        expiresIn: number | string;
        expired?: boolean;
        typ: string;
        claim?: string[];
        claims?: string;
        json?: boolean;
      }) => {
        const key = await loadSigningKey(options.key, options.alg, options.kid);
        let payload: JwtPayload = {};
        if (options.claims !== undefined) {
          const parsed = parseJson(await readInput(options.claims, 'claims file'), options.claims);
          if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
            throw cliErrors.create('ERR_CLI_INPUT_INVALID', `${options.claims} must hold a JSON object`);
          payload = { ...(parsed as JwtPayload) };
        }
        Object.assign(payload, parseClaims(options.claim ?? []));
        const now = Date.now();
        if (options.expired) {
          payload.iat = Math.floor(now / 1000) - 120;
          payload.exp = Math.floor(now / 1000) - 60;
        }
        const jwt = createJwtSigner(key, {
          ...(options.iss === undefined ? {} : { issuer: options.iss }),
          ...(options.sub === undefined ? {} : { subject: options.sub }),
          ...(options.aud === undefined ? {} : { audience: options.aud.length === 1 ? options.aud[0]! : options.aud }),
          ...(options.expired ? { issuedAt: false } : { expiresIn: options.expiresIn }),
          ...(options.kid === undefined ? {} : { kid: options.kid }),
          typ: options.typ,
          clock: () => now,
        }).sign(payload);
        if (options.json) {
          const { header, payload: claims } = inspectToken(jwt, now);
          out(JSON.stringify({ token: jwt, header, payload: claims }, null, 2));
        } else out(jwt);
      },
    );

  token
    .command('decode')
    .description(
      "show a token's header, payload and times, and why a verifier would refuse it (offline; the signature is not checked)",
    )
    .argument('[token]', 'the token (default: read from stdin)')
    .option('--json', 'print { header, payload, times, problems }')
    .action(async (arg: string | undefined, options: { json?: boolean }) => {
      const jwt = await readToken(arg);
      const now = Date.now();
      const result = inspectToken(jwt, now);
      if (options.json) {
        out(JSON.stringify(result, null, 2));
      } else {
        const lines = [
          'header:',
          JSON.stringify(result.header, null, 2),
          'payload:',
          JSON.stringify(result.payload, null, 2),
        ];
        const timeLines = (['iat', 'nbf', 'exp'] as const)
          .filter((n) => typeof result.payload[n] === 'number')
          .map((n) => `  ${n}: ${describeTime(result.payload[n] as number, now)}`);
        if (timeLines.length) lines.push('times:', ...timeLines);
        lines.push(
          result.problems.length === 0
            ? 'problems: none found offline (the signature is not checked: use `tessera token verify`)'
            : 'problems:',
        );
        for (const p of result.problems) lines.push(`  ${p.code}: ${p.message}`);
        out(lines.join('\n'));
      }
      const fatal = result.problems.filter((p) => p.code !== 'NOTE');
      if (fatal.length > 0)
        throw cliErrors.create(
          'ERR_CLI_CHECK_FAILED',
          `the token would be refused: ${fatal.map((p) => p.code).join(', ')}`,
          { details: { hint: 'see the problems above' } },
        );
    });
}
