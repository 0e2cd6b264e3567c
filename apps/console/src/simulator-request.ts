import { listOf } from './format';

/** The request the simulator describes, as typed (headers and labels are text, one a line). */
export interface SimulatorRequestForm {
  readonly method: string;
  /** Path and query, as sent. */
  readonly path: string;
  readonly host: string;
  readonly port: string;
  /** `name: value` lines. */
  readonly headers: string;
  /** Who calls: nobody, a bearer token (verified by the RequestAuthentication rules), or an assumed `iss/sub` principal with claims. */
  readonly identity: 'none' | 'token' | 'principal';
  readonly token: string;
  readonly principal: string;
  /** The assumed principal's claims, a JSON object. */
  readonly claims: string;
  readonly peerPrincipal: string;
  readonly sourceIp: string;
  /** The route's labels (what `selector.matchLabels` select), `key=value` lines. */
  readonly labels: string;
  readonly namespace: string;
  /** When no policy selects the route: Tessera denies; Istio allows. */
  readonly defaultAction: 'deny' | 'allow';
  readonly encodedSlashes: 'reject' | 'decode' | 'keep';
  readonly allowPathParameters: boolean;
  readonly caseInsensitivePaths: boolean;
}

/** A new request: `GET /` to `localhost` from 127.0.0.1, nobody signed in, Tessera's defaults. */
export const EMPTY_SIMULATOR_REQUEST: SimulatorRequestForm = {
  method: 'GET',
  path: '/',
  host: 'localhost',
  port: '80',
  headers: '',
  identity: 'none',
  token: '',
  principal: '',
  claims: '',
  peerPrincipal: '',
  sourceIp: '127.0.0.1',
  labels: '',
  namespace: 'default',
  defaultAction: 'deny',
  encodedSlashes: 'reject',
  allowPathParameters: false,
  caseInsensitivePaths: false,
};

/** The JSON body `request` of `POST /admin/policies/simulate`. */
export interface SimulatedRequestBody {
  readonly method: string;
  readonly path: string;
  readonly host: string;
  readonly port: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly token?: string;
  readonly principal?: string;
  readonly claims?: Readonly<Record<string, unknown>>;
  readonly peerPrincipal?: string;
  readonly sourceIp: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly namespace: string;
  readonly encodedSlashes: 'reject' | 'decode' | 'keep';
  readonly allowPathParameters: boolean;
  readonly caseInsensitivePaths: boolean;
}

/** A problem of the request form, on one of its fields. */
export interface SimulatorProblem {
  readonly field: keyof SimulatorRequestForm;
  readonly message: string;
}

// RFC 9110 token characters; the API wants header names lower-case.
const HEADER_LINE = /^([!#$%&'*+\-.^_`|~0-9A-Za-z]+)\s*:\s?(.*)$/;

/**
 * The request form as the simulator's JSON `request`, or what is wrong with it. Header names are
 * lower-cased and a header given twice becomes one comma-joined value (what node:http, and so the
 * gateway, makes of it); only the identity chosen is sent.
 *
 * @example
 * ```ts
 * const built = simulatorRequest({ ...EMPTY_SIMULATOR_REQUEST, path: '/orders', headers: 'X-Tenant: a' });
 * if ('request' in built) await api('/admin/policies/simulate', { method: 'POST', body: { policies, defaultAction: 'deny', request: built.request } });
 * ```
 */
export function simulatorRequest(
  form: SimulatorRequestForm,
): { readonly request: SimulatedRequestBody } | { readonly problems: readonly SimulatorProblem[] } {
  const problems: SimulatorProblem[] = [];
  const add = (field: keyof SimulatorRequestForm, message: string) => problems.push({ field, message });
  const method = form.method.trim();
  if (method === '') add('method', 'A method, as sent (case-sensitive): GET, POST…');
  if (!form.path.startsWith('/')) add('path', 'The path starts with /.');
  const port = Number(form.port.trim());
  if (!/^\d{1,5}$/.test(form.port.trim()) || port < 1 || port > 65_535) add('port', 'A port from 1 to 65535.');
  const headers: Record<string, string> = {};
  for (const line of form.headers.split('\n')) {
    if (line.trim() === '') continue;
    const m = HEADER_LINE.exec(line.trim());
    if (m === null) {
      add('headers', `"${line.trim()}" is not "name: value".`);
      continue;
    }
    const name = m[1]!.toLowerCase();
    headers[name] = headers[name] === undefined ? m[2]! : `${headers[name]}, ${m[2]!}`;
  }
  const labels: Record<string, string> = {};
  for (const pair of listOf(form.labels)) {
    const eq = pair.indexOf('=');
    if (eq <= 0) add('labels', `"${pair}" is not key=value.`);
    else labels[pair.slice(0, eq).trim()] = pair.slice(eq + 1).trim();
  }
  let identity: Pick<SimulatedRequestBody, 'token' | 'principal' | 'claims'> = {};
  if (form.identity === 'token') {
    const token = form.token.trim();
    if (token === '') add('token', 'Paste the token, or choose another identity.');
    identity = { token };
  } else if (form.identity === 'principal') {
    const principal = form.principal.trim();
    const slash = principal.lastIndexOf('/');
    if (slash <= 0 || slash === principal.length - 1)
      add('principal', 'The request principal is iss/sub, e.g. https://auth.example/alice.');
    let claims: unknown = {};
    if (form.claims.trim() !== '') {
      try {
        claims = JSON.parse(form.claims);
      } catch (err) {
        add('claims', `Not JSON: ${(err as Error).message}`);
      }
      if (typeof claims !== 'object' || claims === null || Array.isArray(claims))
        add('claims', 'The claims are a JSON object, e.g. {"groups": ["admin"]}.');
    }
    identity = { principal, claims: claims as Record<string, unknown> };
  }
  if (form.sourceIp.trim() === '') add('sourceIp', 'The address the request comes from.');
  if (form.namespace.trim() === '') add('namespace', "The route's namespace.");
  if (problems.length > 0) return { problems };
  const peer = form.peerPrincipal.trim();
  return {
    request: {
      method,
      path: form.path,
      host: form.host.trim() === '' ? 'localhost' : form.host.trim(),
      port,
      headers,
      ...identity,
      ...(peer === '' ? {} : { peerPrincipal: peer }),
      sourceIp: form.sourceIp.trim(),
      labels,
      namespace: form.namespace.trim(),
      encodedSlashes: form.encodedSlashes,
      allowPathParameters: form.allowPathParameters,
      caseInsensitivePaths: form.caseInsensitivePaths,
    },
  };
}

/**
 * The request as a file to keep beside the policies (`tessera policy check`'s inputs): the token
 * left out unless asked, since a file travels further than this page.
 *
 * @example
 * ```ts
 * download('request.json', savedRequest(request, 'deny', false), 'application/json');
 * ```
 */
export function savedRequest(
  request: SimulatedRequestBody,
  defaultAction: 'deny' | 'allow',
  includeToken: boolean,
): string {
  const { token, ...rest } = request;
  const kept = includeToken && token !== undefined ? { ...rest, token } : rest;
  return `${JSON.stringify({ defaultAction, request: kept }, null, 2)}\n`;
}

/**
 * A request saved by {@link savedRequest} back into the form, or why the file is not one. Fields
 * the file leaves out keep the form's defaults.
 *
 * @example
 * ```ts
 * const opened = openedRequest(await file.text());
 * if ('form' in opened) setForm(opened.form);
 * ```
 */
export function openedRequest(text: string): { readonly form: SimulatorRequestForm } | { readonly problem: string } {
  let saved: unknown;
  try {
    saved = JSON.parse(text);
  } catch (err) {
    return { problem: `Not JSON: ${(err as Error).message}` };
  }
  const file = (typeof saved === 'object' && saved !== null ? saved : {}) as {
    defaultAction?: unknown;
    request?: Partial<Record<keyof SimulatedRequestBody, unknown>>;
  };
  const r = file.request;
  if (typeof r !== 'object' || r === null || typeof r.path !== 'string')
    return { problem: 'Not a saved simulator request: { "request": { "path": … } } is missing.' };
  const text_ = (v: unknown, fallback: string) => (typeof v === 'string' ? v : fallback);
  const map = (v: unknown, join: string) =>
    typeof v === 'object' && v !== null
      ? Object.entries(v as Record<string, unknown>)
          .map(([k, value]) => `${k}${join}${String(value)}`)
          .join('\n')
      : '';
  const base = EMPTY_SIMULATOR_REQUEST;
  const identity: SimulatorRequestForm['identity'] =
    typeof r.token === 'string' ? 'token' : typeof r.principal === 'string' ? 'principal' : 'none';
  return {
    form: {
      ...base,
      method: text_(r.method, base.method),
      path: r.path,
      host: text_(r.host, base.host),
      port: typeof r.port === 'number' ? String(r.port) : base.port,
      headers: map(r.headers, ': '),
      identity,
      token: text_(r.token, ''),
      principal: text_(r.principal, ''),
      claims: r.claims === undefined ? '' : JSON.stringify(r.claims, null, 2),
      peerPrincipal: text_(r.peerPrincipal, ''),
      sourceIp: text_(r.sourceIp, base.sourceIp),
      labels: map(r.labels, '='),
      namespace: text_(r.namespace, base.namespace),
      defaultAction: file.defaultAction === 'allow' ? 'allow' : 'deny',
      encodedSlashes:
        r.encodedSlashes === 'decode' || r.encodedSlashes === 'keep' ? r.encodedSlashes : base.encodedSlashes,
      allowPathParameters: r.allowPathParameters === true,
      caseInsensitivePaths: r.caseInsensitivePaths === true,
    },
  };
}
