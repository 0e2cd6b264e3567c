// The client forms of the console and the admin API bodies they become: the view the API answers
// (`clientView`), the edit form's text fields, the PATCH and POST bodies. Pure, for the tests.
import { listOf } from './format';

/** A client's RFC 8693 token-exchange permissions as the admin API shows and takes them. */
export interface ExchangePermissions {
  readonly subjectIssuers: readonly string[];
  readonly subjectAudiences: readonly string[];
  readonly targetAudiences: readonly string[];
  readonly delegation: boolean;
  readonly impersonation: boolean;
}

/** One secret that authenticates the client: its id, and for an earlier one when it stops (ISO 8601). */
export interface ClientSecretView {
  readonly id: string;
  readonly notAfter?: string;
}

/** A client as `GET /admin/clients/:id` answers it (the server's `clientView`: never a hash). */
export interface ClientView {
  readonly id: string;
  readonly audiences: readonly string[];
  readonly scopes: readonly string[];
  readonly grantTypes: readonly string[];
  readonly tokenLifetimeSeconds?: number;
  readonly exchange: ExchangePermissions;
  readonly introspect: boolean;
  readonly revocations: boolean;
  readonly reportDecisions: boolean;
  readonly enabled: boolean;
  readonly public: boolean;
  readonly redirectUris: readonly string[];
  readonly postLogoutRedirectUris: readonly string[];
  readonly firstParty: boolean;
  readonly requireSecondFactor: boolean;
  readonly backchannelLogoutUri?: string;
  /** `config`: declared in the configuration file and re-applied from it at every start. */
  readonly source: 'config' | 'admin';
  readonly hasSecret: boolean;
  /** The current secret first, earlier ones with their `notAfter`; absent before the first rotation. */
  readonly secrets?: readonly ClientSecretView[];
  readonly jwks?: { readonly keys: readonly unknown[] };
  readonly createdAt: string;
  readonly updatedAt: string;
}

/**
 * The grant types the admin API accepts (the server's `KNOWN_GRANT_TYPES`), with the words the
 * form shows; a client holding another one (an older server's) still shows it.
 */
export const GRANT_TYPES: readonly (readonly [string, string])[] = [
  ['client_credentials', 'Client credentials (a workload gets tokens for itself)'],
  ['urn:ietf:params:oauth:grant-type:token-exchange', 'Token exchange (RFC 8693)'],
  ['authorization_code', 'Authorization code (people sign in to an application)'],
  ['refresh_token', 'Refresh token'],
  ['password', 'Password (legacy: the client handles the user’s password)'],
];

/** The exchange permissions as the form edits them: one value a line. */
export interface ExchangeForm {
  readonly subjectIssuers: string;
  readonly subjectAudiences: string;
  readonly targetAudiences: string;
  readonly delegation: boolean;
  readonly impersonation: boolean;
}

/** The fields of the client edit and create forms, as the inputs hold them. */
export interface ClientForm {
  /** One a line; the first is the default audience. */
  readonly audiences: string;
  readonly scopes: string;
  readonly grantTypes: readonly string[];
  /** Whole seconds, or empty for the service's default. */
  readonly tokenLifetimeSeconds: string;
  readonly exchange: ExchangeForm;
  readonly introspect: boolean;
  readonly revocations: boolean;
  readonly reportDecisions: boolean;
  readonly redirectUris: string;
  readonly postLogoutRedirectUris: string;
  readonly firstParty: boolean;
  readonly requireSecondFactor: boolean;
  readonly backchannelLogoutUri: string;
}

/** The body of `PATCH /admin/clients/:id`: only what changes. */
export interface ClientPatch {
  audiences?: string[];
  scopes?: string[];
  grantTypes?: string[];
  tokenLifetimeSeconds?: number;
  exchange?: ExchangePermissions;
  introspect?: boolean;
  revocations?: boolean;
  reportDecisions?: boolean;
  enabled?: boolean;
  redirectUris?: string[];
  postLogoutRedirectUris?: string[];
  firstParty?: boolean;
  backchannelLogoutUri?: string;
}

/** A body to send, or what the form must fix first (each a sentence naming the field). */
export type FormResult<T> =
  { readonly body: T; readonly problems?: never } | { readonly problems: string[]; readonly body?: never };

const lines = (values: readonly string[]): string => values.join('\n');

/**
 * The exchange form of a client's permissions.
 *
 * @example
 * ```ts
 * exchangeFormOf({ subjectIssuers: [], subjectAudiences: ['api'], targetAudiences: ['billing'], delegation: true, impersonation: false });
 * ```
 */
export function exchangeFormOf(exchange: ExchangePermissions): ExchangeForm {
  return {
    subjectIssuers: lines(exchange.subjectIssuers),
    subjectAudiences: lines(exchange.subjectAudiences),
    targetAudiences: lines(exchange.targetAudiences),
    delegation: exchange.delegation,
    impersonation: exchange.impersonation,
  };
}

/**
 * The exchange permissions the form says, whole: the API reads a missing flag as its default
 * (delegation on), so a change always sends all five members.
 */
export function exchangeBodyOf(form: ExchangeForm): ExchangePermissions {
  return {
    subjectIssuers: listOf(form.subjectIssuers),
    subjectAudiences: listOf(form.subjectAudiences),
    targetAudiences: listOf(form.targetAudiences),
    delegation: form.delegation,
    impersonation: form.impersonation,
  };
}

/** The form of an existing client, to edit. */
export function clientFormOf(client: ClientView): ClientForm {
  return {
    audiences: lines(client.audiences),
    scopes: lines(client.scopes),
    grantTypes: [...client.grantTypes],
    tokenLifetimeSeconds: client.tokenLifetimeSeconds === undefined ? '' : String(client.tokenLifetimeSeconds),
    exchange: exchangeFormOf(client.exchange),
    introspect: client.introspect,
    revocations: client.revocations,
    reportDecisions: client.reportDecisions,
    redirectUris: lines(client.redirectUris),
    postLogoutRedirectUris: lines(client.postLogoutRedirectUris),
    firstParty: client.firstParty,
    requireSecondFactor: client.requireSecondFactor,
    backchannelLogoutUri: client.backchannelLogoutUri ?? '',
  };
}

/** The create form's starting values: the configuration schema's defaults (a workload with client credentials). */
export const EMPTY_CLIENT_FORM: ClientForm = {
  audiences: '',
  scopes: '',
  grantTypes: ['client_credentials'],
  tokenLifetimeSeconds: '',
  exchange: { subjectIssuers: '', subjectAudiences: '', targetAudiences: '', delegation: true, impersonation: false },
  introspect: false,
  revocations: false,
  reportDecisions: false,
  redirectUris: '',
  postLogoutRedirectUris: '',
  firstParty: false,
  requireSecondFactor: false,
  backchannelLogoutUri: '',
};

/**
 * A list with `value` checked or unchecked, in the order it had (a new one last), so that
 * unchanged grant types compare equal to the client's.
 */
export function toggled(list: readonly string[], value: string, on: boolean): string[] {
  if (on) return list.includes(value) ? [...list] : [...list, value];
  return list.filter((v) => v !== value);
}

/** The lifetime field as a number: undefined when empty, a problem when not whole seconds. */
function lifetimeOf(text: string, problems: string[]): number | undefined {
  const trimmed = text.trim();
  if (trimmed === '') return undefined;
  if (!/^\d+$/.test(trimmed)) {
    problems.push('Token lifetime: a whole number of seconds.');
    return undefined;
  }
  return Number(trimmed);
}

const sameList = (a: readonly string[], b: readonly string[]): boolean =>
  a.length === b.length && a.every((v, i) => v === b[i]);

const sameExchange = (a: ExchangePermissions, b: ExchangePermissions): boolean =>
  sameList(a.subjectIssuers, b.subjectIssuers) &&
  sameList(a.subjectAudiences, b.subjectAudiences) &&
  sameList(a.targetAudiences, b.targetAudiences) &&
  a.delegation === b.delegation &&
  a.impersonation === b.impersonation;

/**
 * The PATCH body that turns `client` into what the form says: only the fields that differ (the
 * audit record lists them), the exchange permissions whole when any of them changed. What a
 * patch cannot express (removing the lifetime or the back-channel logout URI: the API takes no
 * `null`) is a problem rather than a silent no-op.
 *
 * @example
 * ```ts
 * const result = clientPatchOf(form, client);
 * if (result.problems === undefined) await api(`/admin/clients/${id}`, { method: 'PATCH', body: result.body });
 * ```
 */
export function clientPatchOf(form: ClientForm, client: ClientView): FormResult<ClientPatch> {
  const problems: string[] = [];
  const body: ClientPatch = {};
  const lists = ['audiences', 'scopes', 'redirectUris', 'postLogoutRedirectUris'] as const;
  for (const field of lists) {
    const value = listOf(form[field]);
    if (!sameList(value, client[field])) body[field] = value;
  }
  if (!sameList(form.grantTypes, client.grantTypes)) body.grantTypes = [...form.grantTypes];
  const lifetime = lifetimeOf(form.tokenLifetimeSeconds, problems);
  if (lifetime === undefined && form.tokenLifetimeSeconds.trim() === '' && client.tokenLifetimeSeconds !== undefined)
    problems.push(
      'Token lifetime: the admin API cannot remove a client’s own lifetime; give the number of seconds instead.',
    );
  else if (lifetime !== undefined && lifetime !== client.tokenLifetimeSeconds) body.tokenLifetimeSeconds = lifetime;
  const exchange = exchangeBodyOf(form.exchange);
  if (!sameExchange(exchange, client.exchange)) body.exchange = exchange;
  for (const flag of ['introspect', 'revocations', 'reportDecisions', 'firstParty'] as const)
    if (form[flag] !== client[flag]) body[flag] = form[flag];
  const logout = form.backchannelLogoutUri.trim();
  if (logout === '' && client.backchannelLogoutUri !== undefined)
    problems.push('Back-channel logout URI: the admin API cannot remove it; give another address instead.');
  else if (logout !== '' && logout !== client.backchannelLogoutUri) body.backchannelLogoutUri = logout;
  return problems.length > 0 ? { problems } : { body };
}

/** How a new client proves who it is. */
export type ClientAuth = 'secret' | 'public' | 'jwks';

/** The create form's own fields, beside the {@link ClientForm}. */
export interface NewClientFields {
  readonly id: string;
  readonly auth: ClientAuth;
  /** For `jwks`: the client's public keys as a JWKS (`{"keys":[...]}`). */
  readonly jwks: string;
  readonly enabled: boolean;
}

/** The body of `POST /admin/clients` (the configuration's client schema). */
export interface ClientCreateBody extends Omit<ClientPatch, 'enabled'> {
  id: string;
  enabled: boolean;
  public?: boolean;
  jwks?: { keys: unknown[] };
  requireSecondFactor?: boolean;
}

/**
 * The create body of a new client: without `secret` the service generates one and answers it
 * once (`client_secret`); a public client sends `public: true`; a key-authenticated one its JWKS.
 *
 * @example
 * ```ts
 * const result = clientCreateBodyOf({ id: 'billing', auth: 'secret', jwks: '', enabled: true }, form);
 * ```
 */
export function clientCreateBodyOf(fields: NewClientFields, form: ClientForm): FormResult<ClientCreateBody> {
  const problems: string[] = [];
  const id = fields.id.trim();
  if (id === '') problems.push('Client ID: required.');
  const lifetime = lifetimeOf(form.tokenLifetimeSeconds, problems);
  let jwks: { keys: unknown[] } | undefined;
  if (fields.auth === 'jwks') {
    jwks = parseJwks(fields.jwks);
    if (jwks === undefined) problems.push('Public keys: a JWKS, JSON like {"keys": [{"kty": "EC", ...}]}.');
  }
  if (problems.length > 0) return { problems };
  const logout = form.backchannelLogoutUri.trim();
  return {
    body: {
      id,
      enabled: fields.enabled,
      ...(fields.auth === 'public' ? { public: true } : {}),
      ...(jwks === undefined ? {} : { jwks }),
      audiences: listOf(form.audiences),
      scopes: listOf(form.scopes),
      grantTypes: [...form.grantTypes],
      ...(lifetime === undefined ? {} : { tokenLifetimeSeconds: lifetime }),
      exchange: exchangeBodyOf(form.exchange),
      introspect: form.introspect,
      revocations: form.revocations,
      reportDecisions: form.reportDecisions,
      redirectUris: listOf(form.redirectUris),
      postLogoutRedirectUris: listOf(form.postLogoutRedirectUris),
      firstParty: form.firstParty,
      requireSecondFactor: form.requireSecondFactor,
      ...(logout === '' ? {} : { backchannelLogoutUri: logout }),
    },
  };
}

/** A pasted JWKS, when it is one: an object whose `keys` is a non-empty array of objects. */
function parseJwks(text: string): { keys: unknown[] } | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  const keys = (value as { keys?: unknown } | null)?.keys;
  if (!Array.isArray(keys) || keys.length === 0 || !keys.every((k) => typeof k === 'object' && k !== null))
    return undefined;
  return { keys };
}

/**
 * The fields of a patch that the answer does not show as sent: the service capped them (a
 * lifetime above `tokens.maxLifetimeSeconds`) or does not change them. The console shows what
 * the service stored, and says which fields differ instead of claiming they were saved.
 *
 * @example
 * ```ts
 * unappliedFields({ tokenLifetimeSeconds: 99999 }, answer); // ["tokenLifetimeSeconds"] when capped
 * ```
 */
export function unappliedFields(patch: ClientPatch, answer: ClientView): string[] {
  const differs: string[] = [];
  for (const [field, sent] of Object.entries(patch) as [keyof ClientPatch, unknown][]) {
    const stored: unknown = answer[field];
    const same =
      field === 'exchange'
        ? sameExchange(sent as ExchangePermissions, stored as ExchangePermissions)
        : Array.isArray(sent)
          ? Array.isArray(stored) && sameList(sent as string[], stored as string[])
          : sent === stored;
    if (!same) differs.push(field);
  }
  return differs;
}
