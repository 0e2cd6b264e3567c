// The deployment of deploy/kubernetes/overlays/production, run as processes on this machine: each
// pod gets its own loopback address (its "pod IP": 127.<a>.<b>.x, what the pod's 0.0.0.0 becomes)
// and takes its arguments, environment, ports, probes and configuration files from the manifests
// kubectl renders. Around it: its own PostgreSQL (initdb on a temporary folder, as the postgres
// user) and Redis (AOF on a temporary folder), never the shared ones on 5432 and 6379; HAProxy as
// the Service in front of the token-service replicas; an upstream application for the gateways.
import { execFileSync } from 'node:child_process';
import { randomBytes, randomInt } from 'node:crypto';
import { once } from 'node:events';
import { chmodSync, chownSync, mkdirSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { connect } from 'node:net';
import { join } from 'node:path';
import pg from 'pg';
import { parse, parseAllDocuments, stringify } from 'yaml';
import { answers200, freePort, stackProcess, type StackProcess } from './processes.js';

const repo = new URL('../../', import.meta.url).pathname;
const tessera = join(repo, 'packages/cli/bin/tessera.js');

/** A rendered Kubernetes object, as much of it as the stack reads. */
interface KubeObject {
  kind: string;
  metadata: { name: string };
  data?: Record<string, string>;
  spec?: { replicas?: number; template?: { spec: { containers: Container[] } } };
}
interface Container {
  name: string;
  args: string[];
  env?: { name: string; value?: string; valueFrom?: { secretKeyRef: { name: string; key: string } } }[];
  ports: { name: string; containerPort: number }[];
  readinessProbe: { httpGet: { path: string; port: string | number } };
  volumeMounts?: { name: string; mountPath: string; subPath?: string }[];
}

/** The running stack. */
export interface ScaleStack {
  /** The token service behind HAProxy (what the Service name resolves to). */
  readonly tokenServiceUrl: string;
  /** Each replica directly, at its pod address. */
  readonly replicaUrls: readonly string[];
  readonly replicas: readonly StackProcess[];
  readonly gatewayUrls: readonly string[];
  readonly postgres: StackProcess;
  readonly redis: StackProcess;
  readonly adminToken: string;
  /** The Secrets' values, as `kubectl create secret` would hold them (secret/key). */
  readonly secrets: Readonly<Record<string, string>>;
  /** The `issuer` the tokens carry (the overlay's TESSERA_ISSUER). */
  readonly issuer: string;
  /** HAProxy's view of a replica: `UP`, `DOWN`, ... */
  serverState(replica: number): Promise<string>;
  /** A query on the stack's own PostgreSQL (database `tessera`). */
  query<T extends pg.QueryResultRow>(sql: string, params?: unknown[]): Promise<T[]>;
  /** Where every process writes its log. */
  readonly logDir: string;
  close(): Promise<void>;
}

/** Options of {@link startScaleStack}. */
export interface ScaleStackOptions {
  /** The kubectl that renders the manifests. */
  kubectl: string;
  /** A fresh folder for data, configuration and logs. */
  workDir: string;
}

const isRoot = process.getuid?.() === 0;

/** Runs a command as the `postgres` user when we are root (PostgreSQL refuses to run as root). */
function asPostgres(command: string, args: string[]): [string, string[]] {
  return isRoot
    ? ['setpriv', ['--reuid=postgres', '--regid=postgres', '--init-groups', '--', command, ...args]]
    : [command, args];
}

/** The directory of PostgreSQL's server programs (initdb, postgres). */
function postgresBin(): string {
  return execFileSync('pg_config', ['--bindir'], { encoding: 'utf8' }).trim();
}

/** Ping over RESP: Redis answers `+PONG` when it serves. */
function redisPing(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, host);
    socket.setTimeout(1000, () => socket.destroy());
    socket.once('error', () => resolve(false));
    socket.once('close', () => resolve(false));
    socket.once('data', (data) => {
      resolve(data.toString().startsWith('+PONG'));
      socket.end();
    });
    socket.write('PING\r\n');
  });
}

function find(objects: KubeObject[], kind: string, prefix: string): KubeObject {
  const found = objects.find((o) => o.kind === kind && o.metadata.name.startsWith(prefix));
  if (found === undefined) throw new Error(`the manifests have no ${kind} ${prefix}`);
  return found;
}

/** The container's environment, secretKeyRefs resolved from `secrets` (`name/key`). */
function containerEnv(container: Container, secrets: Readonly<Record<string, string>>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const e of container.env ?? []) {
    if (e.value !== undefined) env[e.name] = e.value;
    else if (e.valueFrom !== undefined) {
      const ref = `${e.valueFrom.secretKeyRef.name}/${e.valueFrom.secretKeyRef.key}`;
      const value = secrets[ref];
      if (value === undefined) throw new Error(`no secret ${ref} for ${container.name}`);
      env[e.name] = value;
    }
  }
  return env;
}

/** A listener's host in the pod: its 0.0.0.0 is the pod's own address. */
function podAddress(configured: string, pod: string): string {
  return configured === '0.0.0.0' ? pod : configured;
}

/** The port number a probe names (a number, or a container port's name). */
function portOf(container: Container, port: string | number): number {
  if (typeof port === 'number') return port;
  const found = container.ports.find((p) => p.name === port);
  if (found === undefined) throw new Error(`${container.name}: no port ${port}`);
  return found.containerPort;
}

/**
 * The pod's files: each volume mount of the container becomes `<podDir><mountPath>`; a ConfigMap
 * mount gets the ConfigMap's files (`transform` may rewrite one, as the pod's network differs).
 */
function mountVolumes(
  podDir: string,
  container: Container,
  files: Record<string, Record<string, string>>,
): (path: string) => string {
  for (const mount of container.volumeMounts ?? []) {
    const data = files[mount.name];
    const dir = mount.subPath === undefined ? join(podDir, mount.mountPath) : join(podDir, mount.mountPath, '..');
    mkdirSync(dir, { recursive: true });
    if (data === undefined) continue;
    for (const [name, text] of Object.entries(data))
      if (mount.subPath === undefined || mount.subPath === name) writeFileSync(join(dir, name), text);
  }
  // An argument that is a path under a mount is the same path under the pod's folder.
  return (path) =>
    (container.volumeMounts ?? []).some((m) => path === m.mountPath || path.startsWith(`${m.mountPath}/`))
      ? join(podDir, path)
      : path;
}

/**
 * Starts the stack the manifests describe. The caller closes it.
 *
 * @example
 * ```ts
 * const stack = await startScaleStack({ kubectl: 'kubectl', workDir });
 * await stack.close();
 * ```
 */
export async function startScaleStack(options: ScaleStackOptions): Promise<ScaleStack> {
  const { workDir } = options;
  const logDir = join(workDir, 'logs');
  mkdirSync(logDir, { recursive: true });
  // PostgreSQL runs as its own user and must reach its folder inside this one.
  chmodSync(workDir, 0o755);
  const rendered = execFileSync(options.kubectl, ['kustomize', join(repo, 'deploy/kubernetes/overlays/production')], {
    encoding: 'utf8',
  });
  const objects = parseAllDocuments(rendered).map((d) => d.toJS() as KubeObject);
  // A /16 of the loopback net of our own: nothing else listens there.
  const net = `127.${randomInt(100, 200)}.${randomInt(1, 250)}`;
  const started: StackProcess[] = [];
  let upstream: Server | undefined;
  let pool: pg.Pool | undefined;
  const close = async () => {
    await pool?.end().catch(() => undefined);
    for (const p of started.reverse()) await p.stop('SIGTERM').catch(() => undefined);
    if (upstream) {
      upstream.closeAllConnections();
      upstream.close();
    }
  };

  try {
    // PostgreSQL of our own: initdb, then the server in the foreground (SIGINT = fast shutdown).
    const pgHost = `${net}.2`;
    const pgPort = await freePort(pgHost);
    const pgData = join(workDir, 'postgres');
    mkdirSync(pgData, { mode: 0o700 });
    if (isRoot) {
      const id = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }));
      chownSync(pgData, id, id);
    }
    const bin = postgresBin();
    const [initdb, initArgs] = asPostgres(join(bin, 'initdb'), [
      '-D',
      pgData,
      '-U',
      'postgres',
      '-A',
      'trust',
      '--no-sync',
    ]);
    execFileSync(initdb, initArgs, { stdio: 'ignore' });
    const [postgresCmd, postgresArgs] = asPostgres(join(bin, 'postgres'), [
      ...['-D', pgData, '-p', String(pgPort), '-k', pgData],
      ...['-c', `listen_addresses=${pgHost}`, '-c', 'max_connections=200'],
    ]);
    const adminUrl = `postgres://postgres@${pgHost}:${pgPort}/postgres`;
    const postgres = stackProcess(
      {
        name: 'postgres',
        command: postgresCmd,
        args: postgresArgs,
        ready: async () => {
          const client = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 1000 });
          await client.connect();
          await client.end();
          return true;
        },
      },
      logDir,
    );
    await postgres.start();
    started.push(postgres);
    const setup = new pg.Client({ connectionString: adminUrl });
    await setup.connect();
    await setup.query('CREATE DATABASE tessera');
    await setup.end();
    const pgUrl = `postgres://postgres@${pgHost}:${pgPort}/tessera`;
    pool = new pg.Pool({ connectionString: pgUrl, max: 2 });
    pool.on('error', () => undefined); // while PostgreSQL is stopped on purpose

    // Redis of our own, appending to a file: what it holds survives a restart.
    const redisHost = `${net}.3`;
    const redisPort = await freePort(redisHost);
    const redisDir = join(workDir, 'redis');
    mkdirSync(redisDir);
    const redis = stackProcess(
      {
        name: 'redis',
        command: 'redis-server',
        args: [
          ...['--bind', redisHost, '--port', String(redisPort), '--dir', redisDir],
          ...['--save', '', '--appendonly', 'yes', '--protected-mode', 'no'],
        ],
        ready: () => redisPing(redisHost, redisPort),
      },
      logDir,
    );
    await redis.start();
    started.push(redis);

    // The Secrets an operator creates before `kubectl apply` (docs/deploy.md).
    const secrets: Record<string, string> = {
      'tessera-token-service/kek': randomBytes(32).toString('base64url'),
      'tessera-token-service/admin-token': randomBytes(32).toString('hex'),
      'tessera-token-service/postgres-url': pgUrl,
      'tessera-token-service/redis-url': `redis://${redisHost}:${redisPort}`,
      'tessera-gateway/client-secret': randomBytes(24).toString('base64url'),
    };

    // The token-service replicas: the Deployment's container, one pod address each.
    const tsDeployment = find(objects, 'Deployment', 'tessera-token-service');
    const tsContainer = tsDeployment.spec!.template!.spec.containers[0]!;
    const tsConfig = find(objects, 'ConfigMap', 'tessera-token-service').data!['token-service.yaml']!;
    const tsPort = portOf(tsContainer, 'http');
    const tsProbe = tsContainer.readinessProbe.httpGet;
    const tsEnv = containerEnv(tsContainer, secrets);
    const replicaHosts = Array.from({ length: tsDeployment.spec!.replicas ?? 1 }, (_, i) => `${net}.${11 + i}`);
    const replicas = replicaHosts.map((host, i) => {
      const podDir = join(workDir, `token-service-${i + 1}`);
      // The pod's 0.0.0.0 is its own address; its data folder is its own.
      const config = parse(tsConfig) as {
        server: { host: string; operations: { host: string } };
        storage: { dataDir: string };
      };
      config.server.host = podAddress(config.server.host, host);
      config.server.operations.host = podAddress(config.server.operations.host, host);
      const path = mountVolumes(podDir, tsContainer, {});
      config.storage.dataDir = path(config.storage.dataDir);
      writeFileSync(path('/etc/tessera/token-service.yaml'), stringify(config));
      return stackProcess(
        {
          name: `token-service-${i + 1}`,
          command: process.execPath,
          args: [tessera, ...tsContainer.args.map(path)],
          env: tsEnv,
          ready: () => answers200(`http://${host}:${portOf(tsContainer, tsProbe.port)}${tsProbe.path}`),
        },
        logDir,
      );
    });
    for (const replica of replicas) {
      await replica.start();
      started.push(replica);
    }
    const replicaUrls = replicaHosts.map((host) => `http://${host}:${tsPort}`);

    // HAProxy: the Service in front of the replicas, with the readiness probe as its health check.
    const serviceHost = `${net}.1`;
    const tokenServiceUrl = `http://${serviceHost}:${tsPort}`;
    const statsSocket = join(workDir, 'haproxy.sock');
    const haproxyConfig = join(workDir, 'haproxy.cfg');
    writeFileSync(
      haproxyConfig,
      [
        'global',
        `  stats socket ${statsSocket} mode 600 level admin`,
        'defaults',
        '  mode http',
        '  timeout connect 1s',
        '  timeout client 60s',
        '  timeout server 60s',
        '  timeout http-request 10s',
        // A request that found a dead replica goes to another one.
        '  option redispatch',
        '  retries 3',
        '  retry-on conn-failure empty-response response-timeout',
        'frontend token-service',
        `  bind ${serviceHost}:${tsPort}`,
        '  default_backend replicas',
        'backend replicas',
        // The revocation stream is held open for minutes (a heartbeat every few seconds).
        '  http-request set-timeout server 1h if { path_beg /revocations/stream }',
        '  balance roundrobin',
        `  option httpchk GET ${tsProbe.path}`,
        '  http-check expect status 200',
        '  timeout check 1s',
        `  default-server inter 200ms fall 2 rise 2 port ${portOf(tsContainer, tsProbe.port)} observe layer4 error-limit 1 on-error mark-down`,
        ...replicaHosts.map((host, i) => `  server ts${i + 1} ${host}:${tsPort} check`),
        '',
      ].join('\n'),
    );
    const haproxy = stackProcess(
      {
        name: 'haproxy',
        command: 'haproxy',
        args: ['-f', haproxyConfig, '-db'],
        ready: () => answers200(`${tokenServiceUrl}/healthz`),
      },
      logDir,
    );
    await haproxy.start();
    started.push(haproxy);

    // The gateway's client at the token service (revocation feed), as the operator creates it.
    const adminToken = secrets['tessera-token-service/admin-token']!;
    const created = await fetch(`${tokenServiceUrl}/admin/clients`, {
      method: 'POST',
      headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ id: 'gateway', secret: secrets['tessera-gateway/client-secret'], revocations: true }),
    });
    if (created.status !== 201)
      throw new Error(`creating the gateway client: ${created.status} ${await created.text()}`);

    // The application behind the gateways: answers who called, from the gateway's minted token.
    const upstreamHost = `${net}.31`;
    upstream = createServer((req, res) => {
      res.writeHead(req.headers.authorization?.startsWith('Bearer ') ? 200 : 401).end();
    });
    upstream.listen(8080, upstreamHost);
    await once(upstream, 'listening');

    // The gateways: the Deployment's container, the Service names resolved as cluster DNS would.
    const gwDeployment = find(objects, 'Deployment', 'tessera-gateway');
    const gwContainer = gwDeployment.spec!.template!.spec.containers[0]!;
    const gwConfigText = objects.find((o) => o.kind === 'ConfigMap' && o.data?.['gateway.yaml'] !== undefined)?.data?.[
      'gateway.yaml'
    ];
    if (gwConfigText === undefined) throw new Error('the manifests have no ConfigMap with gateway.yaml');
    const policies = find(objects, 'ConfigMap', 'tessera-gateway-policies').data!;
    const tsService = /^(https?:\/\/tessera-token-service[^/]*)/.exec(
      (parse(gwConfigText) as { tokenService: { url: string } }).tokenService.url,
    )![1]!;
    const resolve = (url: string) =>
      url
        .replace(tsService, tokenServiceUrl)
        .replace(/^http:\/\/app\.default\.svc\.cluster\.local:8080/, `http://${upstreamHost}:8080`);
    const gwPolicies = Object.fromEntries(
      Object.entries(policies).map(([file, text]) => {
        const docs = parseAllDocuments(text).map((d) => d.toJS() as { spec?: { jwtRules?: { jwksUri?: string }[] } });
        for (const rule of docs.flatMap((d) => d.spec?.jwtRules ?? []))
          if (rule.jwksUri !== undefined) rule.jwksUri = resolve(rule.jwksUri);
        return [file, docs.map((d) => stringify(d)).join('---\n')];
      }),
    );
    const gwHosts = Array.from({ length: gwDeployment.spec!.replicas ?? 1 }, (_, i) => `${net}.${21 + i}`);
    const gwProbe = gwContainer.readinessProbe.httpGet;
    const gateways = gwHosts.map((host, i) => {
      const podDir = join(workDir, `gateway-${i + 1}`);
      const config = parse(gwConfigText) as {
        listeners: { host: string }[];
        admin: { host: string };
        tokenService: { url: string };
        routes: { upstream: string }[];
        policies: { sources: string[] };
      };
      for (const listener of config.listeners) listener.host = podAddress(listener.host, host);
      config.admin.host = podAddress(config.admin.host, host);
      config.tokenService.url = resolve(config.tokenService.url);
      for (const route of config.routes) route.upstream = resolve(route.upstream);
      const path = mountVolumes(podDir, gwContainer, { policies: gwPolicies });
      config.policies.sources = config.policies.sources.map(path);
      writeFileSync(path('/etc/tessera/gateway.yaml'), stringify(config));
      return stackProcess(
        {
          name: `gateway-${i + 1}`,
          command: process.execPath,
          args: [tessera, ...gwContainer.args.map(path)],
          env: containerEnv(gwContainer, secrets),
          ready: () => answers200(`http://${host}:${portOf(gwContainer, gwProbe.port)}${gwProbe.path}`),
        },
        logDir,
      );
    });
    for (const gateway of gateways) {
      await gateway.start();
      started.push(gateway);
    }
    const gwPort = portOf(gwContainer, 'http');

    return {
      tokenServiceUrl,
      replicaUrls,
      replicas,
      gatewayUrls: gwHosts.map((host) => `http://${host}:${gwPort}`),
      postgres,
      redis,
      adminToken,
      secrets,
      issuer: tsEnv['TESSERA_ISSUER'] ?? (parse(tsConfig) as { server: { issuer: string } }).server.issuer,
      logDir,
      async serverState(replica) {
        const csv = await new Promise<string>((resolve, reject) => {
          let out = '';
          const socket = connect(statsSocket);
          socket.on('data', (d) => (out += d.toString()));
          socket.on('end', () => resolve(out));
          socket.on('error', reject);
          socket.write('show stat\n');
        });
        const row = csv.split('\n').find((line) => line.startsWith(`replicas,ts${replica + 1},`));
        return row?.split(',')[17] ?? 'unknown';
      },
      async query<T extends pg.QueryResultRow>(sql: string, params?: unknown[]) {
        return (await pool!.query<T>(sql, params)).rows;
      },
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}
