import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { LineCounter, parseDocument, type Document } from 'yaml';
import { createGateway, loadGatewayConfig, type Gateway } from '@tessera/gateway';
import { createTokenService, loadConfig, type TokenService } from '@tessera/token-service';
import { isTesseraError } from '@tessera/core';
import { cliErrors } from '../errors.js';
import { freePort } from '../internal/free-port.js';
import { invocation } from '../internal/invocation.js';
import { note, out, readInput } from '../internal/io.js';
import { waitForSignal } from '../internal/wait-for-signal.js';
import {
  createDemoWebUi,
  DEMO_WEB_UI_CLIENT,
  lastMilePolicies,
  listenOnLoopback,
  startUpServices,
} from '../up/index.js';

/**
 * The ports `tessera up` listens on unless the configuration says otherwise. `tokenServiceOperations`
 * is the token service's operations listener (`/metrics`, `/healthz`, `/readyz`); left out of a
 * `--config` that sets `tokenService: 0`, it is 0 too (a free port).
 */
const defaultPorts = {
  tokenService: 7400,
  tokenServiceOperations: 7403,
  gateway: 8080,
  gatewayAdmin: 15000,
  orders: 7401,
  teams: 7402,
  webui: 7406,
};

/** What `tessera up --config` may hold; every part is optional and overrides the embedded defaults. */
interface UpConfig {
  ports?: Partial<typeof defaultPorts>;
  /** Merged over the token service configuration (same fields as token-service.yaml). */
  tokenService?: Record<string, unknown>;
  /** Merged over the gateway configuration (same fields as gateway.yaml). */
  gateway?: Record<string, unknown>;
}

/** The `--config` file, to name the file and line of a problem in its sections. */
interface UpConfigSource {
  readonly file: string;
  /** The line of the deepest node of `path` the file has (a missing field: its parent's). */
  line(path: readonly (string | number)[]): number | undefined;
}

/** Stored between starts so a second `tessera up` reuses the same client credentials and demo password. */
interface UpState {
  clients: Record<string, string>;
  /** The demo user's password (`demo`), shown at start like the client secrets. */
  demoPassword: string;
  /** The console's operator (`admin`, role `tessera:admin`): its password, shown at start. */
  adminPassword: string;
}

/**
 * The clients `tessera up` creates, each with its secret in up.json: two callers, and the two
 * followers of the revocation feed (the orders service and the gateway; `revocations: true`).
 */
const UP_CLIENTS = ['orders-client', 'sports-app', 'orders-service', 'gateway'] as const;

const GATEWAY_ISSUER = 'https://gateway.tessera.local';

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Deep merge of plain objects; arrays and scalars of `over` replace. */
function merge(base: Record<string, unknown>, over: Record<string, unknown> | undefined): Record<string, unknown> {
  if (over === undefined) return base;
  const result: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) {
    if (k === '__proto__') continue;
    result[k] = isObject(v) && isObject(result[k]) ? merge(result[k], v) : v;
  }
  return result;
}

async function loadUpConfig(
  path: string | undefined,
): Promise<{ config: UpConfig; source: UpConfigSource | undefined }> {
  if (path === undefined) return { config: {}, source: undefined };
  const lineCounter = new LineCounter();
  let parsed: unknown;
  let doc: Document;
  try {
    doc = parseDocument(await readInput(path, 'configuration file'), { lineCounter });
    if (doc.errors[0] !== undefined) throw doc.errors[0];
    parsed = doc.toJS();
  } catch (error) {
    if ((error as { code?: string }).code === 'ERR_CLI_INPUT_INVALID') throw error;
    throw cliErrors.create(
      'ERR_CLI_CONFIG_INVALID',
      `${path}: not valid YAML: ${(error as Error).message.split('\n')[0]}`,
    );
  }
  const source: UpConfigSource = {
    file: path,
    line(at) {
      for (let n = at.length; n > 0; n--) {
        const node = doc.getIn(at.slice(0, n), true) as { range?: [number, number, number] } | undefined;
        if (node !== undefined && typeof node === 'object' && node.range)
          return lineCounter.linePos(node.range[0]).line;
      }
      return undefined;
    },
  };
  if (parsed === null || parsed === undefined) return { config: {}, source };
  if (!isObject(parsed))
    throw cliErrors.create(
      'ERR_CLI_CONFIG_INVALID',
      `${path}: the top level must be a mapping (ports, tokenService, gateway)`,
    );
  for (const key of Object.keys(parsed)) {
    if (!['ports', 'tokenService', 'gateway'].includes(key))
      throw cliErrors.create(
        'ERR_CLI_CONFIG_INVALID',
        `${path}: ${key}: unknown key (expected ports, tokenService or gateway)`,
      );
  }
  const ports = parsed['ports'];
  if (ports !== undefined) {
    if (!isObject(ports)) throw cliErrors.create('ERR_CLI_CONFIG_INVALID', `${path}: ports: must be a mapping`);
    for (const [name, value] of Object.entries(ports)) {
      if (!(name in defaultPorts))
        throw cliErrors.create(
          'ERR_CLI_CONFIG_INVALID',
          `${path}: ports.${name}: unknown (expected ${Object.keys(defaultPorts).join(', ')})`,
        );
      if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > 65535)
        throw cliErrors.create('ERR_CLI_CONFIG_INVALID', `${path}: ports.${name}: must be a port number 0-65535`);
    }
  }
  for (const part of ['tokenService', 'gateway'] as const) {
    if (parsed[part] !== undefined && !isObject(parsed[part]))
      throw cliErrors.create('ERR_CLI_CONFIG_INVALID', `${path}: ${part}: must be a mapping`);
  }
  return { config: parsed, source };
}

/**
 * A configuration error of the token service or gateway built from `tessera up`'s embedded
 * defaults merged with a `--config` section, re-said with the `--config` file, the line and the
 * section (`up.yaml:7: tokenService.keys: Unrecognized key`) instead of `<object>: keys: …`.
 */
function relocate(error: unknown, section: 'tokenService' | 'gateway', source: UpConfigSource | undefined): unknown {
  if (source === undefined || !isTesseraError(error) || !error.code.endsWith('_CONFIG_INVALID')) return error;
  const lines = error.message.split('\n').map((line) => {
    const m = /^<object>: ([^:]+): (.*)$/.exec(line);
    if (m === null) return line;
    const path = m[1]!.split('.').map((p) => (/^\d+$/.test(p) ? Number(p) : p));
    const at = source.line([section, ...path]);
    return `${source.file}${at === undefined ? '' : `:${at}`}: ${section}.${m[1]}: ${m[2]}`;
  });
  return cliErrors.create('ERR_CLI_CONFIG_INVALID', lines.join('\n'), { cause: error });
}

/** Runs a section's configuration loader, re-saying its errors against the `--config` file. */
function withSection<T>(section: 'tokenService' | 'gateway', source: UpConfigSource | undefined, load: () => T): T {
  try {
    return load();
  } catch (error) {
    throw relocate(error, section, source);
  }
}

/** Reads the stored client secrets, creating them (mode 0600) at the first start. */
async function loadState(dataDir: string): Promise<{ state: UpState; created: boolean }> {
  const file = join(dataDir, 'up.json');
  let known: Record<string, string> | undefined;
  let knownPassword: string | undefined;
  let knownAdminPassword: string | undefined;
  try {
    const state = JSON.parse(await readFile(file, 'utf8')) as Partial<UpState>;
    if (isObject(state.clients) && Object.values(state.clients).every((s) => typeof s === 'string' && s.length >= 16))
      known = state.clients;
    if (typeof state.demoPassword === 'string' && state.demoPassword.length >= 12) knownPassword = state.demoPassword;
    if (typeof state.adminPassword === 'string' && state.adminPassword.length >= 12)
      knownAdminPassword = state.adminPassword;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT')
      throw cliErrors.create('ERR_CLI_CONFIG_INVALID', `${file} is damaged: ${(error as Error).message}`, {
        details: { hint: `delete ${file} to create new client credentials` },
      });
  }
  // Secrets kept from the last start; a client added since (an older up.json) gets one now.
  const clients = Object.fromEntries(
    UP_CLIENTS.map((id) => [id, known?.[id] ?? randomBytes(24).toString('base64url')]),
  );
  const state: UpState = {
    clients,
    demoPassword: knownPassword ?? randomBytes(12).toString('base64url'),
    // An up.json from before the console gets the admin's password now.
    adminPassword: knownAdminPassword ?? randomBytes(12).toString('base64url'),
  };
  if (
    known !== undefined &&
    knownPassword !== undefined &&
    knownAdminPassword !== undefined &&
    UP_CLIENTS.every((id) => known[id] !== undefined)
  )
    return { state, created: false };
  await writeFile(file, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
  await chmod(file, 0o600);
  return { state, created: known === undefined };
}

/**
 * A listen failure of one part, named with its port: `EADDRINUSE` and `EACCES` from `listen()`
 * only (a storage error with the same errno, say a data directory without permission, is reported
 * as what it is).
 */
function portError(error: unknown, what: string, port: number): unknown {
  const listen = [error, (error as { cause?: unknown }).cause].find(
    (e): e is NodeJS.ErrnoException => (e as NodeJS.ErrnoException | undefined)?.syscall === 'listen',
  );
  if (listen?.code === 'EADDRINUSE' || listen?.code === 'EACCES') {
    const why = listen.code === 'EADDRINUSE' ? 'the port is taken' : 'permission denied for the port';
    return cliErrors.create(
      'ERR_CLI_USAGE',
      `cannot listen for the ${what} on 127.0.0.1:${port}: ${listen.code} (${why})`,
      {
        details: {
          hint: `stop what uses port ${port}, or choose ports in a --config file (ports: { tokenService: 0, gateway: 0, ... }; 0 = any free port)`,
        },
      },
    );
  }
  return error;
}

/** A data directory that cannot be used, said as such (not as an unexpected error). */
function dataDirError(error: unknown, dir: string): unknown {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === undefined || !['EACCES', 'EPERM', 'ENOTDIR', 'EEXIST', 'EROFS', 'ENOSPC'].includes(code)) return error;
  const why =
    code === 'ENOTDIR' || code === 'EEXIST'
      ? 'a file is in the way of a folder'
      : code === 'EROFS'
        ? 'the file system is read-only'
        : code === 'ENOSPC'
          ? 'the disk is full'
          : 'permission denied';
  return cliErrors.create('ERR_CLI_USAGE', `cannot use the data directory ${dir}: ${code} (${why})`, {
    details: { hint: 'choose another --data-dir, or fix the permissions of it and its parent folders' },
  });
}

/**
 * Writes the embedded gateway policies into `dir` without ever overwriting a user's edit: a file
 * is (re)written when the folder is new, with `reset`, or when it still holds exactly what was
 * written last time (so a new issuer URL, with ports chosen at start, is followed); a file the
 * user changed or deleted stays as it is, and files the user added are never touched. What was
 * written is remembered beside the folder (`policies.written.json`: SHA-256 per file), not in it,
 * since the gateway loads every YAML or JSON file of the folder.
 */
async function syncEmbeddedPolicies(
  dir: string,
  files: Record<string, string>,
  reset: boolean,
): Promise<{ readonly kept: readonly string[] }> {
  const manifestFile = join(dir, '..', 'policies.written.json');
  const fresh = reset || !existsSync(dir);
  let written: Record<string, string> = {};
  if (!fresh) {
    try {
      written = JSON.parse(await readFile(manifestFile, 'utf8')) as Record<string, string>;
    } catch {
      // No record (a folder from an older version): every file counts as the user's.
    }
  } else {
    await rm(dir, { recursive: true, force: true });
    await mkdir(dir, { recursive: true });
  }
  const kept: string[] = [];
  const next: Record<string, string> = {};
  const sha = (text: string) => createHash('sha256').update(text).digest('hex');
  for (const [name, text] of Object.entries(files)) {
    const path = join(dir, name);
    if (!fresh) {
      const current = existsSync(path) ? await readFile(path, 'utf8') : undefined;
      if (current === undefined || written[name] !== sha(current)) {
        kept.push(name);
        continue;
      }
    }
    await writeFile(path, text);
    next[name] = sha(text);
  }
  await writeFile(manifestFile, `${JSON.stringify(next, null, 2)}\n`);
  return { kept };
}

/**
 * Registers `tessera up` (what `npm start` runs): the token service, a gateway and the example
 * services with embedded defaults, state under `./.tessera`.
 *
 * @example
 * ```sh
 * tessera up                  # or: npm start
 * tessera up --config up.yaml --data-dir /tmp/tessera
 * ```
 */
export function registerUpCommand(program: Command): void {
  program
    .command('up')
    .option('--config <file>', 'YAML with ports, tokenService and gateway sections overriding the defaults')
    .option('--data-dir <dir>', 'where keys, clients and state are kept', './.tessera')
    .option('--json', 'print URLs and client credentials as JSON once everything listens')
    .option('--reset-policies', "rewrite the gateway's policy folder with the embedded policies (edits there are lost)")
    .action(async (options: { config?: string; dataDir: string; json?: boolean; resetPolicies?: boolean }) => {
      const started = Date.now();
      const { config: upConfig, source: upSource } = await loadUpConfig(options.config);
      const ports = {
        ...defaultPorts,
        ...(upConfig.ports?.tokenService === 0 ? { tokenServiceOperations: 0 } : {}),
        ...upConfig.ports,
      };
      const dataDir = resolve(options.dataDir);
      const { state, created } = await mkdir(dataDir, { recursive: true, mode: 0o700 })
        .then(() => loadState(dataDir))
        .catch((e: unknown) => {
          throw dataDirError(e, dataDir);
        });
      const secrets = state.clients;

      const stops: (() => Promise<void>)[] = [];
      const stopAll = async () => {
        for (const stop of stops.reverse()) await stop().catch(() => undefined);
      };
      try {
        // The web UI listens first: its URL is the `webui` client's redirect URI.
        const webui = createDemoWebUi();
        const webuiUrl = await listenOnLoopback(webui.server, ports.webui).catch((e: unknown) => {
          throw portError(e, 'web UI', ports.webui);
        });
        stops.push(async () => {
          webui.close();
          webui.server.closeAllConnections();
          await new Promise<void>((done) => webui.server.close(() => done()));
        });
        note('tessera up: starting the token service...');
        // People log in at http://localhost:<port>: WebAuthn (passkeys) needs a domain, not an IP
        // address, so the issuer names one; port 0 (any free port) is chosen here to be named.
        const tsPort = ports.tokenService === 0 ? await freePort() : ports.tokenService;
        const tsConfig = withSection('tokenService', upSource, () =>
          loadConfig({
            object: merge(
              {
                server: {
                  host: '127.0.0.1',
                  port: tsPort,
                  issuer: `http://localhost:${tsPort}`,
                  operations: { host: '127.0.0.1', port: ports.tokenServiceOperations },
                },
                storage: { type: 'file', dataDir: join(dataDir, 'token-service') },
                logging: { level: 'warn' },
                clients: [
                  {
                    id: 'orders-client',
                    secret: secrets['orders-client'],
                    audiences: ['orders'],
                    scopes: ['orders:read', 'orders:write'],
                    // RFC 8693: it may trade a token addressed to orders for one to call inventory,
                    // acting for the token's subject (delegation: the new token records it in `act`).
                    grantTypes: ['client_credentials', 'urn:ietf:params:oauth:grant-type:token-exchange'],
                    exchange: { subjectAudiences: ['orders'], targetAudiences: ['inventory'] },
                  },
                  { id: 'sports-app', secret: secrets['sports-app'], audiences: ['sports-api'], scopes: ['sports'] },
                  // The followers of the revocation feed: they read it, nothing else.
                  { id: 'orders-service', secret: secrets['orders-service'], revocations: true },
                  { id: 'gateway', secret: secrets['gateway'], revocations: true, reportDecisions: true },
                  // People log in to the web UI: the operator's own app (no consent), a public client with PKCE.
                  {
                    id: DEMO_WEB_UI_CLIENT,
                    public: true,
                    firstParty: true,
                    grantTypes: ['authorization_code', 'refresh_token'],
                    redirectUris: [`${webuiUrl}/callback`],
                    postLogoutRedirectUris: [`${webuiUrl}/`],
                    audiences: ['orders'],
                    scopes: ['orders:read'],
                  },
                ],
                users: [
                  {
                    id: 'u-demo',
                    username: 'demo',
                    password: state.demoPassword,
                    name: 'Demo User',
                    email: 'demo@tessera.local',
                    emailVerified: true,
                    roles: ['orders:viewer'],
                  },
                  {
                    id: 'u-admin',
                    username: 'admin',
                    password: state.adminPassword,
                    name: 'Console operator',
                    roles: ['tessera:admin'],
                  },
                ],
              },
              upConfig.tokenService,
            ),
            env: process.env,
          }),
        );
        const ts: TokenService = createTokenService(tsConfig);
        await ts.listen().catch((e: unknown) => {
          throw portError(e, 'token service', tsPort);
        });
        stops.push(() => ts.close());
        const issuer = ts.issuer;
        const jwksUri = `${issuer.replace(/\/+$/, '')}/.well-known/jwks.json`;

        note('tessera up: starting the example services...');
        const services = await startUpServices({
          issuer,
          jwksUri,
          ordersPort: ports.orders,
          teamsPort: ports.teams,
          revocations: { clientId: 'orders-service', clientSecret: secrets['orders-service']! },
        }).catch((e: unknown) => {
          // The part whose port failed: the orders service or the teams backend.
          const port = (e as { port?: number }).port ?? ports.orders;
          throw portError(e, port === ports.teams ? 'teams backend' : 'orders service', port);
        });
        stops.push(() => services.close());
        await webui.connect({ tokenServiceUrl: ts.url, ordersUrl: services.ordersUrl });

        note('tessera up: starting the gateway...');
        const policyDir = join(dataDir, 'gateway', 'policies');
        const policies = await syncEmbeddedPolicies(
          policyDir,
          lastMilePolicies(issuer, jwksUri),
          options.resetPolicies === true,
        );
        const gatewayConfig = withSection('gateway', upSource, () =>
          loadGatewayConfig({
            object: merge(
              {
                listeners: [{ name: 'main', host: '127.0.0.1', port: ports.gateway }],
                admin: { host: '127.0.0.1', port: ports.gatewayAdmin },
                routes: [
                  {
                    name: 'teams',
                    pathPrefix: '/api/team',
                    upstream: services.teamsUrl,
                    labels: { app: 'fancave-teams' },
                    mutations: { mint: { mode: 'self', audience: 'fancave-teams', lifetimeSeconds: 60 } },
                  },
                ],
                policies: { sources: [policyDir], watch: true },
                // The gateway mints for the token service's callers: their `sub` gets this prefix
                // (and `sub_id` names the token service), as for any issuer a minting route accepts.
                minting: { issuer: GATEWAY_ISSUER, subjectPrefixes: { [issuer]: 'tessera:' } },
                // Revoked tokens are refused within a second: the gateway follows the feed's stream;
                // it reports what it decides to the console's live decisions every second.
                tokenService: {
                  url: ts.url,
                  clientId: 'gateway',
                  clientSecret: secrets['gateway'],
                  revocationsMode: 'stream',
                  decisions: { enabled: true, gatewayId: 'up-gateway', intervalMs: 1000 },
                },
                logging: { level: 'warn', accessLog: false },
              },
              upConfig.gateway,
            ),
            env: process.env,
          }),
        );
        const gateway: Gateway = createGateway(gatewayConfig);
        await gateway.listen().catch((e: unknown) => {
          throw portError(e, 'gateway', ports.gateway);
        });
        stops.push(() => gateway.close());
        const gatewayUrl = gateway.urls['main']!;
        services.trustGateway(GATEWAY_ISSUER, `${gatewayUrl}/.well-known/jwks.json`);

        const urls = {
          tokenService: ts.url,
          tokenServiceOperations: ts.operationsUrl,
          gateway: gatewayUrl,
          gatewayAdmin: gateway.urls['admin'],
          orders: services.ordersUrl,
          teams: services.teamsUrl,
          webui: webuiUrl,
          jwks: jwksUri,
          console: `${issuer}/console/`,
        };
        const tessera = invocation();
        // The token service keeps its generated admin token in its own data directory (a
        // standalone token service: <data-dir>/admin-token; here: <data-dir>/token-service/admin-token).
        const adminTokenFile = join(dataDir, 'token-service', 'admin-token');
        const list = '/api/team/list?league=nba';
        const stopped = waitForSignal(stopAll);
        if (options.json) {
          out(
            JSON.stringify({
              urls,
              issuer,
              dataDir,
              clients: secrets,
              users: { demo: state.demoPassword, admin: state.adminPassword },
              adminTokenFile,
              policies: policyDir,
              policiesKept: policies.kept,
              reused: !created,
              startedInMs: Date.now() - started,
            }),
          );
        } else {
          out(`
Tessera is up (${((Date.now() - started) / 1000).toFixed(1)} s). State: ${dataDir}${created ? ' (new)' : ' (reused: same keys and clients as last time)'}

  token service   ${ts.url}   issuer ${issuer}, JWKS ${jwksUri} (operations: ${ts.operationsUrl}/metrics)
  gateway         ${gatewayUrl}   route /api/team → teams backend (admin: ${gateway.urls['admin']}/metrics)
  orders service  ${services.ordersUrl}   verifies tokens itself (Express middleware, audience "orders")
  teams backend   ${services.teamsUrl}   accepts only tokens minted by the gateway
  web UI          ${webuiUrl}   people sign in at the token service (client webui), then call the orders service

Admin API       ${ts.url}/admin   bearer token in ${adminTokenFile}; the jwt-factory key/token API is under /admin/jwt-factory
Gateway policies ${policyDir}   ${policies.kept.length === 0 ? 'the embedded defaults' : `kept as you changed them: ${policies.kept.join(', ')}`} (watched; --reset-policies rewrites them)

Clients (kept in ${join(dataDir, 'up.json')}):
  orders-client   secret ${secrets['orders-client']}   audience orders, scopes orders:read orders:write; may exchange orders tokens for inventory
  sports-app      secret ${secrets['sports-app']}   audience sports-api, scope sports
  orders-service, gateway   read the revocation feed (revocations: true), so revoked tokens are refused;
                  the gateway reports its decisions to the console (reportDecisions: true)
  webui           public (PKCE, no secret), first-party: the web UI's sign-in

Demo user: demo   password ${state.demoPassword}   (open ${webuiUrl}/ in a browser and sign in)
  account page    ${issuer}/account   the demo user's passkeys, authenticator app, sessions
Console: ${issuer}/console/   sign in as admin   password ${state.adminPassword}   (keys, clients, users, token debugger, policy simulator, live decisions)

Try it (from the repository folder):
  # a token is issued (client_credentials)
  curl -s -u orders-client:${secrets['orders-client']} -d grant_type=client_credentials -d audience=orders -d scope=orders:read ${ts.url}/token
  TOKEN=$(${tessera} token get --url ${ts.url} --client-id orders-client --client-secret ${secrets['orders-client']} --audience orders --scope orders:read)
  ${tessera} token decode "$TOKEN"
  # accepted
  curl -H "Authorization: Bearer $TOKEN" ${services.ordersUrl}/orders
  # refused: no token (401), and a token without orders:write (403 insufficient_scope)
  curl -i ${services.ordersUrl}/orders
  curl -i -X POST -H "Authorization: Bearer $TOKEN" ${services.ordersUrl}/orders
  # token exchange (RFC 8693): orders-client trades the token for one to call inventory, as the actor
  ${tessera} token exchange --url ${ts.url} --client-id orders-client --client-secret ${secrets['orders-client']} --subject-token "$TOKEN" --actor-token "$TOKEN" --audience inventory
  # the admin API and the jwt-factory API (a key by id, a token for it)
  curl -H "Authorization: Bearer $(cat ${adminTokenFile})" ${ts.url}/admin/keys
  curl -X POST -H "Authorization: Bearer $(cat ${adminTokenFile})" ${ts.url}/admin/jwt-factory/keys/servicea
  curl -X POST -H "Authorization: Bearer $(cat ${adminTokenFile})" -H 'content-type: application/json' -d '{"aud":"serviceb"}' ${ts.url}/admin/jwt-factory/issueToken/servicea
  # through the gateway: it checks the client's token and mints one for the teams backend
  SPORTS=$(${tessera} token get --url ${ts.url} --client-id sports-app --client-secret ${secrets['sports-app']} --audience sports-api)
  curl -H "Authorization: Bearer $SPORTS" '${gatewayUrl}${list}'
  curl -i '${gatewayUrl}${list}'              # 403 RBAC: access denied (no token)
  curl -i '${services.teamsUrl}${list}'       # 401: the backend wants the gateway's token
  # revocation (RFC 7009): both the orders service and the gateway refuse the token within a second
  curl -u orders-client:${secrets['orders-client']} -d "token=$TOKEN" ${ts.url}/revoke
  curl -i -H "Authorization: Bearer $TOKEN" ${services.ordersUrl}/orders            # 401 invalid_token
  curl -u sports-app:${secrets['sports-app']} -d "token=$SPORTS" ${ts.url}/revoke
  curl -i -H "Authorization: Bearer $SPORTS" '${gatewayUrl}${list}'   # 401
  # a person signs in: open ${webuiUrl}/ in a browser (demo / the password above); with curl, the
  # same steps (authorize, the login form, the code for tokens) are in docs/login.md
  curl -s ${ts.url}/.well-known/openid-configuration

Ctrl-C stops everything.`);
        }
        await stopped;
      } catch (error) {
        await stopAll();
        // A first start that failed leaves nothing behind: the next one starts clean.
        if (created) await rm(join(dataDir, 'up.json'), { force: true });
        throw dataDirError(error, dataDir);
      }
    });
}
