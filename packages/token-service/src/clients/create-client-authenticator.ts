import { createHmac, randomBytes } from 'node:crypto';
import { createVerifier, decodeJwt, isTesseraError, type Clock, type JwtPayload } from '@tessera/core';
import { tokenServiceErrors } from '../errors.js';
import { decodeFormComponent } from '../http/parse-form.js';
import { importClientJwks, RING_ALGORITHMS } from '../internal/jose.js';
import type { ReplayStore } from '../storage/index.js';
import { liveSecretHashes, type ClientRecord } from './client-record.js';
import type { CredentialGuard } from './create-credential-guard.js';
import { verifySecret, type ScryptFunction } from './secret-hash.js';

/**
 * The RFC 7523 §2.2 client assertion type.
 *
 * @example
 * ```ts
 * form.get('client_assertion_type') === JWT_BEARER_ASSERTION;
 * ```
 */
export const JWT_BEARER_ASSERTION = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

/** How a client proved who it is (RFC 8414 `token_endpoint_auth_methods_supported` names). */
export type ClientAuthMethod = 'client_secret_basic' | 'client_secret_post' | 'private_key_jwt' | 'none';

/** An authenticated client. */
export interface AuthenticatedClient {
  readonly client: ClientRecord;
  readonly method: ClientAuthMethod;
}

/** Options of {@link createClientAuthenticator}. */
export interface ClientAuthenticatorOptions {
  /** Looks a client up (the service reads the store through a short-lived cache). */
  readonly getClient: (id: string) => Promise<ClientRecord | undefined>;
  readonly replay: ReplayStore;
  readonly clock: Clock;
  /** Failure counters and the hashing cap, consulted before any secret is hashed. */
  readonly guard: CredentialGuard;
  /** The scrypt that checks secrets (the service's low-priority hash workers); default `crypto.scrypt`. */
  readonly scrypt?: ScryptFunction;
  /**
   * The one audience a client assertion may name: this server's issuer identifier, as a single
   * string (draft-ietf-oauth-rfc7523bis: not the token endpoint URL, not an array).
   */
  readonly assertionAudience: () => string;
  readonly assertionMaxLifetimeSeconds: number;
  readonly clockSkewSeconds: number;
  /** Most verified secrets remembered (see the cache note below). */
  readonly secretCacheSize?: number;
  /** How long a verified secret is remembered, ms. */
  readonly secretCacheTtlMs?: number;
}

/** The credentials a request carries, as the endpoint extracted them. */
export interface PresentedCredentials {
  /** Every `Authorization` header value (node:http's `headersDistinct`), so duplicates are caught. */
  readonly authorization: readonly string[] | undefined;
  readonly form: ReadonlyMap<string, string>;
  /** The request's source address (as `remoteAddress` reads it), for the failure counters. */
  readonly source: string;
}

/** Authenticates clients at the token, introspection and revocation endpoints. */
export interface ClientAuthenticator {
  authenticate(credentials: PresentedCredentials): Promise<AuthenticatedClient>;
  /** Forgets cached secret verifications for a client (after an admin change). */
  forget(clientId: string): void;
}

const invalidClient = (message = 'client authentication failed') =>
  tokenServiceErrors.create('ERR_TOKEN_INVALID_CLIENT', message);

/**
 * The explicit types a client assertion may carry (RFC 7515 §4.1.9: case-insensitive, the
 * `application/` prefix optional): draft-ietf-oauth-rfc7523bis's `client-authentication+jwt`, or
 * the generic `JWT`. An absent `typ` is accepted; any other type (an access token's `at+jwt`,
 * say) was made for something else and is refused (RFC 8725 §3.11).
 */
const ASSERTION_TYPES = new Set(['client-authentication+jwt', 'jwt']);

function acceptableAssertionType(typ: unknown): boolean {
  if (typ === undefined) return true;
  if (typeof typ !== 'string') return false;
  const lower = typ.toLowerCase();
  return ASSERTION_TYPES.has(lower.startsWith('application/') ? lower.slice('application/'.length) : lower);
}

/**
 * Creates the client authenticator for `client_secret_basic`, `client_secret_post` (RFC 6749
 * §2.3.1) and `private_key_jwt` (RFC 7523 §2.2, §3). Exactly one method per request (§2.3: "MUST
 * NOT use more than one"). Unknown clients, wrong secrets and disabled clients get the same
 * `invalid_client` answer, and an unknown id is checked against a dummy hash so the timing does not
 * tell them apart.
 *
 * Secret cache: scrypt costs ~50 ms by design, so verifying it on every request would cap the
 * token endpoint near 20 tokens/s per core and make signing irrelevant. After a secret verifies,
 * the authenticator remembers HMAC-SHA256(process-random key, secret) for that client *and that
 * stored hash*, in memory only, bounded (LRU) and for a few minutes. A repeat request compares
 * HMACs (constant-time through the map lookup of a keyed digest that an attacker cannot compute);
 * a changed or deleted client invalidates the entry because the stored hash no longer matches.
 * A wrong secret never enters the cache, so guessing still pays the full scrypt cost.
 *
 * Guessing: every attempt that needs a hash is first admitted by the {@link CredentialGuard}
 * (failures counted per client id and source, per source and per client id, before hashing) and
 * hashed under its concurrency cap, so guesses can neither run unbounded nor take the thread pool
 * that signs tokens. A cache hit needs no admission: the real client keeps its speed under attack.
 *
 * @example
 * ```ts
 * const auth = createClientAuthenticator({ getClient, replay: storage.replay, clock: Date.now, guard, assertionAudience: () => issuer,
 *   assertionMaxLifetimeSeconds: 300, clockSkewSeconds: 60 });
 * const { client, method } = await auth.authenticate({ authorization: req.headersDistinct.authorization, form, source: '10.0.0.7' });
 * ```
 */
export function createClientAuthenticator(options: ClientAuthenticatorOptions): ClientAuthenticator {
  const { getClient, replay, clock } = options;
  const cacheSize = options.secretCacheSize ?? 10_000;
  const cacheTtl = options.secretCacheTtlMs ?? 5 * 60_000;
  const cacheKey = randomBytes(32);
  const verified = new Map<string, { hash: string; until: number }>();
  let dummyHash: string | undefined;
  const inFlight = new Map<string, Promise<string | false>>();

  const fingerprint = (clientId: string, secret: string) =>
    `${clientId}\u0000${createHmac('sha256', cacheKey).update(secret).digest('base64url')}`;

  async function checkSecret(
    clientId: string,
    secret: string,
    method: ClientAuthMethod,
    source: string,
  ): Promise<AuthenticatedClient> {
    const client = await getClient(clientId);
    // The current secret, and during a rotation's overlap the earlier ones (at most a few).
    const hashes = client === undefined ? [] : liveSecretHashes(client, clock());
    const fp = fingerprint(clientId, secret);
    const hit = verified.get(fp);
    if (hit !== undefined && hashes.includes(hit.hash) && hit.until > clock() && client!.enabled) {
      verified.delete(fp);
      verified.set(fp, hit);
      return { client: client!, method };
    }
    const attempt = await options.guard.admit(clientId, source);
    let matched: string | false;
    try {
      // Unknown client or a client without a secret: same work against a dummy hash, same answer.
      dummyHash ??=
        'scrypt$32768$8$1$' + randomBytes(16).toString('base64url') + '$' + randomBytes(32).toString('base64url');
      // Concurrent requests with the same credentials share one scrypt run: without this, a burst
      // of N connections starting at once (or right after the cache entry expires) costs N scrypts.
      const flightKey = `${fp}\u0000${hashes.join(' ')}`;
      let pending = inFlight.get(flightKey);
      if (pending === undefined) {
        pending = attempt
          .hash(async () => {
            for (const hash of hashes.length === 0 ? [dummyHash!] : hashes) {
              if (await verifySecret(secret, hash, options.scrypt)) return hashes.length === 0 ? false : hash;
            }
            return false;
          })
          .finally(() => inFlight.delete(flightKey));
        inFlight.set(flightKey, pending);
      }
      matched = await pending;
    } catch (e) {
      attempt.abandoned();
      throw e;
    }
    if (matched === false || client === undefined || !client.enabled) {
      attempt.failed();
      throw invalidClient();
    }
    attempt.succeeded();
    if (verified.size >= cacheSize) verified.delete(verified.keys().next().value as string);
    verified.set(fp, { hash: matched, until: clock() + cacheTtl });
    return { client, method };
  }

  async function checkAssertion(assertion: string, clientIdParam: string | undefined): Promise<AuthenticatedClient> {
    let claims: JwtPayload | undefined;
    let typ: unknown;
    try {
      const decoded = decodeJwt(assertion);
      claims = decoded.payload;
      typ = decoded.header.typ;
    } catch {
      throw invalidClient('client assertion is malformed');
    }
    if (!acceptableAssertionType(typ)) throw invalidClient('client assertion has an unexpected typ');
    // draft-ietf-oauth-rfc7523bis: the audience is the issuer identifier and nothing else, as a
    // single string. The token endpoint URL, or an array that merely contains the issuer, is what
    // an assertion made for another server (or for several at once) looks like: refused.
    const audience = options.assertionAudience();
    if (typeof claims.aud !== 'string' || claims.aud !== audience)
      throw invalidClient('client assertion aud must be the issuer identifier as a single string');
    const clientId = clientIdParam ?? (typeof claims.sub === 'string' ? claims.sub : undefined);
    if (clientId === undefined) throw invalidClient('client assertion has no sub');
    const client = await getClient(clientId);
    if (client === undefined || !client.enabled || client.jwks === undefined) throw invalidClient();
    const keys = importClientJwks(client.jwks);
    if (keys.length === 0) throw invalidClient();
    let payload: JwtPayload;
    try {
      // RFC 7523 §3: iss and sub are the client_id (§2.2), aud names this server (item 3, checked
      // above and again here), exp is required (item 4); the verifier enforces them with the clock skew.
      const verifier = createVerifier({
        issuer: clientId,
        keys,
        subject: clientId,
        audience,
        algorithms: RING_ALGORITHMS,
        clockTolerance: options.clockSkewSeconds,
        clock,
        cache: false,
        requiredClaims: ['jti'],
      });
      ({ payload } = await verifier.verify(assertion));
    } catch (e) {
      if (isTesseraError(e)) throw invalidClient(`client assertion refused: ${e.message}`);
      throw e;
    }
    const now = clock() / 1000;
    const skew = options.clockSkewSeconds;
    // Cap the lifetime so a leaked assertion is short-lived (RFC 7523 §3 item 4 allows it).
    const exp = payload.exp!;
    const start = typeof payload.iat === 'number' ? Math.min(payload.iat, now) : now;
    if (exp - start > options.assertionMaxLifetimeSeconds) throw invalidClient('client assertion lifetime is too long');
    // Item 7: jti, used once. Remembered until exp (+ skew) so it can never be replayed.
    if (typeof payload.jti !== 'string' || payload.jti.length === 0 || payload.jti.length > 256)
      throw invalidClient('client assertion has no jti');
    const fresh = await replay.markUsed(`client-assertion:${clientId}:${payload.jti}`, (exp + skew) * 1000);
    if (!fresh) throw invalidClient('client assertion was already used');
    return { client, method: 'private_key_jwt' };
  }

  /**
   * A failed authentication that needed no hash (malformed credentials, a refused assertion) still
   * counts against the source and waits the delay its record earns, so floods of cheap failures
   * slow down and end in 429 like guesses do.
   */
  async function refuse(id: string, source: string, message: string): Promise<Error> {
    const attempt = await options.guard.admit(id, source);
    attempt.failed();
    return invalidClient(message);
  }

  return {
    async authenticate({ authorization, form, source }) {
      const basic = authorization?.filter((v) => /^basic /i.test(v)) ?? [];
      if ((authorization?.length ?? 0) > 1)
        throw tokenServiceErrors.create('ERR_TOKEN_INVALID_REQUEST', 'more than one Authorization header');
      const secretPost = form.has('client_secret');
      const assertion = form.get('client_assertion');
      const assertionType = form.get('client_assertion_type');
      const methods =
        (basic.length > 0 ? 1 : 0) +
        (secretPost ? 1 : 0) +
        (assertion !== undefined || assertionType !== undefined ? 1 : 0);
      if (methods > 1)
        throw tokenServiceErrors.create('ERR_TOKEN_INVALID_REQUEST', 'more than one client authentication method');
      if (basic.length === 1) {
        const decoded = Buffer.from(basic[0]!.slice(6).trim(), 'base64').toString('utf8');
        const colon = decoded.indexOf(':');
        if (colon < 0) throw await refuse('', source, 'malformed Basic credentials');
        // RFC 6749 §2.3.1: id and secret are form-urlencoded before Basic encoding.
        let id: string;
        let secret: string;
        try {
          id = decodeFormComponent(decoded.slice(0, colon));
          secret = decodeFormComponent(decoded.slice(colon + 1));
        } catch {
          throw await refuse('', source, 'malformed Basic credentials');
        }
        if (id.length === 0 || secret.length === 0) throw await refuse(id, source, 'malformed Basic credentials');
        if (form.has('client_id') && form.get('client_id') !== id)
          throw tokenServiceErrors.create(
            'ERR_TOKEN_INVALID_REQUEST',
            'client_id does not match the Basic credentials',
          );
        return checkSecret(id, secret, 'client_secret_basic', source);
      }
      if (secretPost) {
        const id = form.get('client_id');
        if (id === undefined) throw invalidClient('client_secret without client_id');
        return checkSecret(id, form.get('client_secret')!, 'client_secret_post', source);
      }
      if (assertion !== undefined || assertionType !== undefined) {
        if (assertionType !== JWT_BEARER_ASSERTION) throw invalidClient('unsupported client_assertion_type');
        if (assertion === undefined)
          throw tokenServiceErrors.create('ERR_TOKEN_INVALID_REQUEST', 'client_assertion is missing');
        try {
          return await checkAssertion(assertion, form.get('client_id'));
        } catch (e) {
          if (isTesseraError(e, 'ERR_OAUTH_INVALID_CLIENT'))
            throw await refuse(form.get('client_id') ?? '', source, e.message);
          throw e;
        }
      }
      if ((authorization?.length ?? 0) > 0) throw invalidClient('unsupported Authorization scheme');
      // A public client (a browser or native app, `public: true`) holds no secret: its client_id is
      // all it has (RFC 6749 §2.1). PKCE binds its codes instead, and its grant types are only
      // authorization_code and refresh_token (the configuration refuses others).
      const publicId = form.get('client_id');
      if (publicId !== undefined) {
        const client = await getClient(publicId);
        if (client?.public === true && client.enabled) return { client, method: 'none' };
      }
      throw invalidClient('client authentication is required');
    },
    forget(clientId) {
      for (const key of verified.keys()) if (key.startsWith(`${clientId}\u0000`)) verified.delete(key);
    },
  };
}
