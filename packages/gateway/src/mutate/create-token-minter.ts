import { createHash, randomUUID } from 'node:crypto';
import { request } from 'undici';
import {
  clientSecretBasic,
  createJwtSigner,
  generateKey,
  importJwk,
  importSigningKey,
  toPublicJwk,
  type Clock,
  type GeneratedKey,
  type Jwk,
  type JwsAlgorithm,
  type Jwks,
  type JwtSigner,
} from '@tessera/core';
import type { GatewayConfig, GatewayRouteConfig } from '../config/load-gateway-config.js';
import { gatewayErrors } from '../errors.js';
import type { GatewayIdentity } from '../auth/verdict.js';

type MintConfig = NonNullable<GatewayRouteConfig['mutations']['mint']>;

/** Mints last-mile tokens for upstreams and publishes the gateway's own verification keys. */
export interface TokenMinter {
  /**
   * A token for `mint.audience` carrying the caller's subject and an `act` chain; cached. `self`
   * tokens name the caller as `minting.subjectPrefixes[iss]` + `sub`, with an RFC 9493 `sub_id`.
   */
  mint(identity: GatewayIdentity, mint: MintConfig): string | Promise<string>;
  /** The gateway's public keys (next, current and previous), served at `/.well-known/jwks.json`. */
  jwks(): Jwks;
  /**
   * The published next key starts signing, a new next key is published, the old key stays
   * published for the tokens it signed, and every cached token is dropped.
   */
  rotate(): void;
  /** Takes over a key schedule decided elsewhere (a worker adopting its primary's), dropping every cached token. */
  adopt(keys: MintingKeys): void;
  close(): void;
}

/**
 * A minting key schedule as a cluster primary hands it to its workers: the signing key and the
 * next one (private JWKs) and the previous public key, still published for the tokens it signed.
 */
export interface MintingKeys {
  readonly current: Jwk;
  readonly next?: Jwk | undefined;
  readonly previous?: Jwk | undefined;
}

/** Options of {@link createTokenMinter}. */
export interface TokenMinterOptions {
  readonly config: GatewayConfig;
  readonly clock?: Clock;
  /** Use this key schedule instead of generating and rotating keys here (workers follow their primary's). */
  readonly keys?: MintingKeys;
  readonly onCache?: (hit: boolean) => void;
}

interface CacheEntry {
  readonly token: string;
  /** ms since epoch after which the entry is not served. */
  readonly until: number;
}

const TOKEN_EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange';
const ACCESS_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:access_token';

/**
 * Creates the minter: `self` tokens are signed with the gateway's key (ES256 by default, rotated
 * every `minting.keyRotationSeconds`); `exchange` tokens come from the token service by RFC 8693
 * token exchange with the gateway's client credentials (RFC 6749 §2.3.1 Basic). Tokens are cached
 * per (subject, audience, SHA-256 of the original token), never beyond the original token's `exp`,
 * and the cache is emptied when the key rotates.
 *
 * Every subject a `self` token names comes from another issuer, so its `sub` is the prefix
 * `minting.subjectPrefixes` gives that issuer + the caller's `sub`, and `sub_id` (RFC 9493
 * §3.2.1, format `iss_sub`) keeps the original issuer and subject: two issuers' `alice` never
 * reach an upstream as one subject. A caller whose issuer has no prefix (the policy check should
 * have refused the policy set) or whose token has no `iss` or `sub` gets no token (fail closed).
 *
 * @example
 * ```ts
 * const minter = createTokenMinter({ config });
 * const token = await minter.mint(identity, { mode: 'self', audience: 'orders', header: 'authorization', lifetimeSeconds: 60 });
 * ```
 */
export function createTokenMinter(options: TokenMinterOptions): TokenMinter {
  const { config } = options;
  const clock = options.clock ?? Date.now;
  const alg = config.minting.algorithm as JwsAlgorithm;
  const subjectPrefixes = new Map(Object.entries(config.minting.subjectPrefixes));
  let current: { readonly key: GeneratedKey; readonly signer: JwtSigner } | undefined;
  // Published one rotation period before it signs, so verifiers that cache the JWKS already hold
  // it when the first token signed with it arrives (no unknown-kid refetch, no cooldown miss).
  let next: GeneratedKey | undefined;
  let previous: Jwk | undefined;
  let cache = new Map<string, CacheEntry>();
  const inflight = new Map<string, Promise<string>>();
  let timer: NodeJS.Timeout | undefined;

  // The key is checked and the header encoded once per key, not once per token.
  const signWith = (key: GeneratedKey) => ({ key, signer: createJwtSigner(key.signingKey) });

  const adoptKeys = (keys: MintingKeys): JwtSigner => {
    current = signWith(fromJwk(keys.current, alg));
    next = keys.next === undefined ? undefined : fromJwk(keys.next, alg);
    previous = keys.previous;
    cache = new Map();
    return current.signer;
  };
  const signer = (): JwtSigner => {
    if (current !== undefined) return current.signer;
    if (options.keys !== undefined) return adoptKeys(options.keys);
    current = signWith(generateKey(alg));
    next = generateKey(alg);
    timer = setInterval(() => minter.rotate(), config.minting.keyRotationSeconds * 1000);
    timer.unref();
    return current.signer;
  };

  const remember = (k: string, entry: CacheEntry) => {
    if (config.minting.cacheSize === 0) return;
    if (cache.size >= config.minting.cacheSize) {
      // Drop the oldest insertion (Map keeps insertion order): a cheap bound, not an LRU.
      const first = cache.keys().next();
      if (!first.done) cache.delete(first.value);
    }
    cache.set(k, entry);
  };

  /** POSTs a form to the token endpoint with the gateway's client credentials; the token and its lifetime in ms. */
  const tokenRequest = async (form: URLSearchParams, what: string): Promise<{ token: string; lifetimeMs: number }> => {
    const ts = config.tokenService!;
    let body: { access_token?: unknown; expires_in?: unknown };
    try {
      const res = await request(new URL(ts.tokenPath, ts.url), {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          authorization: clientSecretBasic(ts.clientId!, ts.clientSecret!),
          accept: 'application/json',
        },
        body: form.toString(),
        headersTimeout: ts.timeoutMs,
        bodyTimeout: ts.timeoutMs,
      });
      const text = await res.body.text();
      if (res.statusCode !== 200) throw new Error(`token service answered ${res.statusCode}: ${text.slice(0, 200)}`);
      body = JSON.parse(text) as typeof body;
    } catch (cause) {
      throw gatewayErrors.create('ERR_GATEWAY_MINT_FAILED', `${what} failed`, { cause, expose: false });
    }
    if (typeof body.access_token !== 'string' || !/^[A-Za-z0-9\-._~+/]+=*$/.test(body.access_token)) {
      throw gatewayErrors.create(
        'ERR_GATEWAY_MINT_FAILED',
        'the token service answered without a usable access_token',
        { expose: false },
      );
    }
    return {
      token: body.access_token,
      lifetimeMs: typeof body.expires_in === 'number' && body.expires_in > 0 ? body.expires_in * 1000 : 60_000,
    };
  };

  // The gateway's own token (client_credentials), sent as the RFC 8693 actor_token so exchanged
  // tokens record the gateway in `act` (delegation, §4.1) instead of impersonating the caller.
  let actor: { token: string; until: number } | undefined;
  let actorInflight: Promise<string> | undefined;
  const actorToken = (): Promise<string> => {
    if (actor !== undefined && actor.until > clock()) return Promise.resolve(actor.token);
    actorInflight ??= tokenRequest(
      new URLSearchParams({ grant_type: 'client_credentials' }),
      "the gateway's own token (actor_token)",
    )
      .then(({ token, lifetimeMs }) => {
        actor = { token, until: clock() + lifetimeMs * 0.8 };
        return token;
      })
      .finally(() => {
        actorInflight = undefined;
      });
    return actorInflight;
  };

  const exchange = async (
    identity: GatewayIdentity,
    mint: MintConfig,
    k: string,
    origExpMs: number,
  ): Promise<string> => {
    const form = new URLSearchParams({
      grant_type: TOKEN_EXCHANGE,
      subject_token: identity.token,
      subject_token_type: ACCESS_TOKEN_TYPE,
      audience: mint.audience,
    });
    if (mint.scope) form.set('scope', mint.scope);
    if (config.tokenService!.delegation) {
      form.set('actor_token', await actorToken());
      form.set('actor_token_type', ACCESS_TOKEN_TYPE);
    }
    const { token, lifetimeMs } = await tokenRequest(form, `token exchange for audience ${mint.audience}`);
    remember(k, { token, until: Math.min(clock() + lifetimeMs * 0.8, origExpMs) });
    return token;
  };

  const minter: TokenMinter = {
    mint(identity, mint) {
      const payload = identity.payload;
      const now = clock();
      const origExpMs = typeof payload.exp === 'number' ? payload.exp * 1000 : now + mint.lifetimeSeconds * 1000;
      const sub = typeof payload.sub === 'string' ? payload.sub : '';
      const k = `${mint.mode}\0${sub}\0${mint.audience}\0${mint.scope ?? ''}\0${createHash('sha256').update(identity.token).digest('base64url')}`;
      const hit = cache.get(k);
      if (hit !== undefined && hit.until > now) {
        options.onCache?.(true);
        return hit.token;
      }
      options.onCache?.(false);
      if (mint.mode === 'exchange') {
        let p = inflight.get(k);
        if (p === undefined) {
          p = exchange(identity, mint, k, origExpMs).finally(() => inflight.delete(k));
          inflight.set(k, p);
        }
        return p;
      }
      const iss = payload.iss;
      const prefix = typeof iss === 'string' ? subjectPrefixes.get(iss) : undefined;
      if (typeof iss !== 'string' || sub === '' || prefix === undefined)
        throw gatewayErrors.create(
          'ERR_GATEWAY_MINT_FAILED',
          typeof iss === 'string' && sub !== ''
            ? `no minting.subjectPrefixes entry for the issuer ${iss}`
            : 'the caller token has no iss or sub to mint for',
          { expose: false },
        );
      const nowS = Math.floor(now / 1000);
      const exp = Math.min(
        nowS + mint.lifetimeSeconds,
        typeof payload.exp === 'number' ? Math.floor(payload.exp) : Number.MAX_SAFE_INTEGER,
      );
      // RFC 8693 §4.1: the gateway is the current actor; an earlier chain nests inside its `act`.
      const act: Record<string, unknown> = { sub: config.minting.issuer };
      if (payload.act !== undefined && typeof payload.act === 'object' && payload.act !== null) act.act = payload.act;
      const token = signer().sign({
        sub: `${prefix}${sub}`,
        // RFC 9493 §3.2.1: who authenticated the caller, and as whom (this replaces `orig_iss`).
        sub_id: { format: 'iss_sub', iss, sub },
        act,
        iss: config.minting.issuer,
        aud: mint.audience,
        jti: randomUUID(),
        iat: nowS,
        exp: nowS + Math.max(exp - nowS, 1),
      });
      remember(k, { token, until: Math.min((exp - 5) * 1000, now + mint.lifetimeSeconds * 800) });
      return token;
    },
    jwks() {
      const keys: Jwk[] = [];
      for (const k of [current?.key, next]) if (k?.publicJwk) keys.push({ ...k.publicJwk, alg: k.alg, use: 'sig' });
      if (previous) keys.push(previous);
      return { keys };
    },
    rotate() {
      if (current?.key.publicJwk) previous = { ...current.key.publicJwk, alg: current.key.alg, use: 'sig' };
      current = signWith(next ?? generateKey(alg));
      next = generateKey(alg);
      cache = new Map();
    },
    adopt(keys) {
      adoptKeys(keys);
    },
    close() {
      if (timer) clearInterval(timer);
      cache.clear();
    },
  };
  // Create the key now so the JWKS is published before the first token is signed.
  signer();
  return minter;
}

// Only the primary of a worker cluster generates; workers receive its private JWK.
function fromJwk(jwk: Jwk, alg: JwsAlgorithm): GeneratedKey {
  const signingKey = importSigningKey(jwk, alg, jwk.kid === undefined ? {} : { kid: jwk.kid });
  const publicJwk = toPublicJwk(signingKey);
  const verificationKey = importJwk({ ...publicJwk, alg });
  return { alg, kid: signingKey.kid ?? '', privateJwk: jwk, publicJwk, signingKey, verificationKey };
}
