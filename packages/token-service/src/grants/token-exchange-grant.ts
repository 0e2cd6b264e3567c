import { isTesseraError, type JwtPayload } from '@tessera/core';
import { tokenServiceErrors } from '../errors.js';
import type { IssSubIdentifier } from '../tokens/create-access-token-issuer.js';
import type { TokenValidator } from '../tokens/create-token-validator.js';
import {
  TOKEN_EXCHANGE_GRANT,
  TOKEN_TYPE_ACCESS_TOKEN,
  TOKEN_TYPE_JWT,
  type GrantModule,
  type VerifiedToken,
} from './grant-module.js';
import { allowedBy, narrowScope, parseScope, pickTarget } from './internal/scope.js';

const supportedTypes = new Set([TOKEN_TYPE_ACCESS_TOKEN, TOKEN_TYPE_JWT]);

// RFC 8693 §2.2.2: an invalid subject or actor token, or one unacceptable by policy, is
// `invalid_request` (not `invalid_grant`).
const refuse = (message: string) => tokenServiceErrors.create('ERR_TOKEN_INVALID_REQUEST', message);

async function check(validator: TokenValidator, token: string, name: string): Promise<VerifiedToken> {
  try {
    return await validator.validate(token);
  } catch (e) {
    if (isTesseraError(e) && e.status < 500) throw refuse(`${name} is invalid: ${e.message}`);
    throw e;
  }
}

// A `sub_id` this service wrote itself (RFC 9493 §3.2.1), carried over when its token is exchanged again.
function issSub(value: unknown): IssSubIdentifier | undefined {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
  const v = value as Record<string, unknown>;
  return v.format === 'iss_sub' && typeof v.iss === 'string' && typeof v.sub === 'string'
    ? { format: 'iss_sub', iss: v.iss, sub: v.sub }
    : undefined;
}

function audiences(payload: JwtPayload): string[] {
  return Array.isArray(payload.aud)
    ? payload.aud.filter((a): a is string => typeof a === 'string')
    : typeof payload.aud === 'string'
      ? [payload.aud]
      : [];
}

/**
 * The RFC 8693 token exchange grant. The client trades a `subject_token` (and for delegation an
 * `actor_token`) for a new access token for one `audience` or `resource`:
 * - both tokens are verified against this service's keys, or a trusted issuer's (§2.1);
 * - the client's `exchange` permissions decide which subject tokens it may bring (their `aud`
 *   must name the client or be listed in `subjectAudiences`; external issuers must be listed in
 *   `subjectIssuers`) and which audiences it may ask for (`targetAudiences`);
 * - scope only narrows (a subset of the subject token's), `exp` is never later than the subject's
 *   (or the actor's);
 * - with an actor token the new token carries `act: { sub: actor, act: <prior chain> }` (§4.1);
 *   `may_act` in the subject token (§4.4) must name the actor; the actor token must belong to the
 *   requesting client; without an actor token it is impersonation, refused unless the client's
 *   `exchange.impersonation` is set. `act` only ever comes from verified tokens, never the request;
 * - a subject of another issuer becomes `sub` = that issuer's `subjectPrefix` + its `sub`, and the
 *   token carries `sub_id: { format: "iss_sub", iss, sub }` (RFC 9493 §3.2.1), so two issuers'
 *   `alice` never meet as one subject downstream; this service's own subjects keep their `sub` (and
 *   a `sub_id` they carry, from an earlier exchange, goes on);
 * - a token exchanged from one of this service's tokens is linked to it (`parentJti`), so revoking
 *   the subject token revokes it too.
 *
 * @example
 * ```ts
 * const grant = createTokenExchangeGrant({ validator, defaultLifetimeSeconds: 300, subjectPrefixes: new Map([['https://idp.example', 'idp:']]) });
 * ```
 */
export function createTokenExchangeGrant(options: {
  validator: TokenValidator;
  defaultLifetimeSeconds: number;
  /** `subjectPrefix` of every trusted issuer (`grants.tokenExchange.trustedIssuers`), by issuer. */
  subjectPrefixes: ReadonlyMap<string, string>;
}): GrantModule {
  const { validator, subjectPrefixes } = options;
  return {
    grantType: TOKEN_EXCHANGE_GRANT,
    parameters: { required: ['subject_token', 'subject_token_type'] },
    async handle({ client: { client }, form, now }) {
      const subjectType = form.get('subject_token_type')!;
      if (!supportedTypes.has(subjectType)) throw refuse('unsupported subject_token_type');
      const requestedType = form.get('requested_token_type') ?? TOKEN_TYPE_ACCESS_TOKEN;
      if (!supportedTypes.has(requestedType)) throw refuse('unsupported requested_token_type');
      const actorToken = form.get('actor_token');
      const actorType = form.get('actor_token_type');
      // §2.1: actor_token_type is REQUIRED when actor_token is present and MUST NOT be sent without it.
      if (actorToken !== undefined && actorType === undefined)
        throw refuse('actor_token_type is required with actor_token');
      if (actorToken === undefined && actorType !== undefined) throw refuse('actor_token_type without actor_token');
      if (actorType !== undefined && !supportedTypes.has(actorType)) throw refuse('unsupported actor_token_type');
      const requestedScope = parseScope(form.get('scope'));
      const target =
        pickTarget(form) ??
        (client.exchange.targetAudiences.length === 1 && client.exchange.targetAudiences[0] !== '*'
          ? client.exchange.targetAudiences[0]
          : undefined);
      if (target === undefined)
        throw tokenServiceErrors.create('ERR_TOKEN_INVALID_TARGET', 'audience or resource is required');
      if (!allowedBy(client.exchange.targetAudiences, target))
        throw tokenServiceErrors.create('ERR_TOKEN_INVALID_TARGET', 'this client may not exchange into that audience');

      const subject = await check(validator, form.get('subject_token')!, 'subject_token');
      const s = subject.payload;
      if (subject.issuer !== 'self' && !client.exchange.subjectIssuers.includes(subject.issuer))
        throw refuse('subject_token issuer is not allowed for this client');
      let subjectName = s.sub!;
      let subjectId: IssSubIdentifier | undefined;
      if (subject.issuer === 'self') subjectId = issSub(s['sub_id']);
      else {
        const prefix = subjectPrefixes.get(subject.issuer);
        // The loader requires a prefix on every trusted issuer; without one, refuse rather than
        // hand out a bare `sub` that could be another issuer's subject.
        if (prefix === undefined || prefix === '')
          throw tokenServiceErrors.create(
            'ERR_TOKEN_SERVICE_CONFIG_INVALID',
            `trusted issuer ${subject.issuer} has no subjectPrefix`,
            { expose: false },
          );
        subjectName = `${prefix}${s.sub!}`;
        subjectId = { format: 'iss_sub', iss: subject.issuer, sub: s.sub! };
      }
      const subjectAud = audiences(s);
      if (!subjectAud.some((a) => a === client.id || allowedBy(client.exchange.subjectAudiences, a)))
        throw refuse('this client may not exchange a subject_token for that audience');

      const scope = narrowScope(
        requestedScope,
        typeof s.scope === 'string' && s.scope.length > 0 ? s.scope.split(' ') : [],
      );
      let notAfter = s.exp!;
      let act: JwtPayload | undefined;
      const mayAct = s['may_act'];
      if (mayAct !== undefined && (mayAct === null || typeof mayAct !== 'object' || Array.isArray(mayAct)))
        throw refuse('subject_token may_act is malformed');
      const mayActClaims = mayAct as JwtPayload | undefined;
      const priorAct =
        s.act !== undefined && s.act !== null && typeof s.act === 'object' && !Array.isArray(s.act) ? s.act : undefined;

      if (actorToken !== undefined) {
        if (!client.exchange.delegation) throw refuse('delegation is not allowed for this client');
        const actor = await check(validator, actorToken, 'actor_token');
        const a = actor.payload;
        if (actor.issuer !== 'self' && !client.exchange.subjectIssuers.includes(actor.issuer))
          throw refuse('actor_token issuer is not allowed for this client');
        // The actor is the party making the call: its token must have been issued to this client.
        if (a.sub !== client.id && a.client_id !== client.id)
          throw refuse('actor_token does not belong to this client');
        if (mayActClaims !== undefined && !mayActMatches(mayActClaims, a, actor.issuer))
          throw refuse('the actor is not authorized by the subject_token may_act claim');
        // The actor token may name its client only in `client_id` (checked just above).
        act = {
          sub: a.sub ?? a.client_id!,
          ...(actor.issuer === 'self' ? {} : { iss: actor.issuer }),
          ...(priorAct === undefined ? {} : { act: priorAct }),
        };
        if (typeof a.exp === 'number' && a.exp < notAfter) notAfter = a.exp;
      } else {
        // No actor token: the client asks to become the subject (impersonation, §1.1).
        if (!client.exchange.impersonation)
          throw refuse('impersonation is not allowed for this client; send an actor_token');
        if (mayActClaims !== undefined && mayActClaims.sub !== client.id)
          throw refuse('the client is not authorized by the subject_token may_act claim');
        act = priorAct;
      }

      // Accepted inside the clock tolerance, a token at its end would yield one already expired.
      if (notAfter <= Math.floor(now / 1000))
        throw refuse('subject_token (or actor_token) expires now; get a fresh one');
      return {
        subject: subjectName,
        audience: target,
        scope,
        clientId: client.id,
        lifetimeSeconds: client.tokenLifetimeSeconds ?? options.defaultLifetimeSeconds,
        notAfter,
        ...(act === undefined ? {} : { act }),
        ...(subjectId === undefined ? {} : { subjectId }),
        // The validator requires a `jti` on this service's own tokens.
        ...(subject.issuer === 'self' ? { parentJti: s.jti! } : {}),
        issuedTokenType: requestedType,
        auditDetails: {
          subject_issuer: subject.issuer,
          subject_jti: s.jti,
          actor: act?.sub,
          delegation: actorToken !== undefined,
        },
      };
    },
  };
}

function mayActMatches(mayAct: JwtPayload, actor: JwtPayload, actorIssuer: string): boolean {
  if (mayAct.sub !== undefined && mayAct.sub !== actor.sub) return false;
  if (mayAct.iss !== undefined && mayAct.iss !== (actorIssuer === 'self' ? actor.iss : actorIssuer)) return false;
  if (mayAct.client_id !== undefined && mayAct.client_id !== actor.client_id) return false;
  return mayAct.sub !== undefined || mayAct.client_id !== undefined;
}
