import { prepareSigning, signingInput } from './internal/prepare-signing.js';
import { signBytes, signBytesAsync } from './internal/node-crypto.js';
import type { JwtSignerOptions } from './jwt-signer-options.js';
import type { JwsAlgorithm, JwtPayload, SigningKey } from './types.js';

export type { JwtSignerOptions } from './jwt-signer-options.js';

/**
 * Signs JWTs with one key: the key and options are checked and the header encoded once, so a
 * signature costs one `JSON.stringify` of the claims and one signing operation.
 *
 * @example
 * ```ts
 * const signer: JwtSigner = createJwtSigner(signingKey, { typ: 'at+jwt' });
 * const token = await signer.signAsync({ sub: 'svc-a', exp: nowSeconds + 300 });
 * ```
 */
export interface JwtSigner {
  /** The key's algorithm, in every header. */
  readonly alg: JwsAlgorithm;
  /** The header `kid`, or undefined when the header has none. */
  readonly kid: string | undefined;
  /** A compact JWS (RFC 7515 §7.1), signed synchronously on the calling thread. */
  sign(payload: JwtPayload): string;
  /**
   * The same token, signed on libuv's thread pool (`crypto.sign` with a callback): off the event
   * loop, RSA signatures run on every core while the main thread keeps serving requests
   * (ARCHITECTURE.md, "Token path"). HMAC is computed at once (it is cheaper than the hand-off).
   * Every failure, including a bad payload, is a rejection, never a synchronous throw.
   */
  signAsync(payload: JwtPayload): Promise<string>;
}

/**
 * Creates a JWT signer (RFC 7519) producing compact JWS (RFC 7515 §7.1) on node:crypto. The key
 * decides the algorithm (RFC 8725 §3.1) and must fit it — type, curve, RSA ≥ 2048 bits, HMAC
 * secret ≥ hash length — and be private; ECDSA signatures are raw R‖S (RFC 7518 §3.4), RSA-PSS
 * uses a salt as long as the hash (§3.5). Claims given as options override the same claims in the
 * payload; numeric dates are whole seconds. Throws `ERR_JWK_INVALID` for an unusable key and
 * `ERR_CONFIG_INVALID` for bad options, at once.
 *
 * @example
 * ```ts
 * const { signingKey } = generateKey('ES256', { kid: 'k1' });
 * const signer = createJwtSigner(signingKey, { issuer: 'https://ts.example', expiresIn: '5m' });
 * const token = signer.sign({ sub: 'svc-a', aud: 'orders' }); // header {"alg":"ES256","kid":"k1","typ":"JWT"}
 * const offLoop = await signer.signAsync({ sub: 'svc-b', aud: 'orders' }); // on the thread pool
 * ```
 */
export function createJwtSigner(key: SigningKey, options: JwtSignerOptions = {}): JwtSigner {
  const setup = prepareSigning(key, options);
  return Object.freeze({
    alg: setup.alg,
    kid: setup.kid,
    sign(payload: JwtPayload): string {
      const input = signingInput(setup, payload);
      return `${input}.${signBytes(setup.key, Buffer.from(input)).toString('base64url')}`;
    },
    async signAsync(payload: JwtPayload): Promise<string> {
      // An async function: a throw from signingInput becomes a rejection.
      const input = signingInput(setup, payload);
      const signature = await signBytesAsync(setup.key, Buffer.from(input));
      return `${input}.${signature.toString('base64url')}`;
    },
  });
}
