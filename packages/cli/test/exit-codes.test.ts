// docs/cli.md's exit-code table, held against the real CLI: every item of every row is run as a
// (command, exit code, first line of stderr) case, and the test fails when the table gains an item
// no case covers. Servers the commands talk to are real: a token service, and a resource server
// built with core's node:http adapter.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { createLocalJwks, createVerifier, withTessera } from '@tessera/core';
import { createTokenService, loadConfig, type TokenService } from '@tessera/token-service';
import { runTessera } from './run-cli.js';

const docs = new URL('../../../docs/cli.md', import.meta.url);

/** The table's items by exit code: `| 1 | a check failed: token invalid, policy denied, ... |`. */
async function documentedItems(): Promise<Map<number, string[]>> {
  const text = await readFile(docs, 'utf8');
  const section = text.slice(text.indexOf('## Exit codes'));
  const rows = new Map<number, string[]>();
  for (const m of section.matchAll(/^\| (\d) \| (.+) \|$/gm)) {
    const meaning = m[2]!;
    // The items follow a colon, or sit in parentheses, or are the whole text; `;` and `,` separate
    // them, and an item's own parenthesis is an example, not part of its name.
    const colon = meaning.indexOf(': ');
    const body = colon >= 0 ? meaning.slice(colon + 2) : (/\((.*)\)/.exec(meaning)?.[1] ?? meaning);
    rows.set(
      Number(m[1]),
      body.split(/[;,] /).map((item) => item.replace(/\s*\(.*\)$/, '').trim()),
    );
  }
  return rows;
}

interface Case {
  /** The docs' row and the item of it this case shows. */
  readonly code: number;
  readonly item: string;
  readonly args: () => string[];
  /** The first stderr line that is not a progress note; undefined: stderr is empty. */
  readonly stderr?: RegExp;
  /** Run so that file permissions apply even when the tests run as root. */
  readonly obeyFilePermissions?: boolean;
}

let dir = '';
let service: TokenService;
let tokenServiceUrl = '';
let resourceServer: Server;
let resourceUrl = '';
let closedPort = 0;
/** A token signed by the test's RSA key, issuer https://issuer.example. */
let signed = '';
const TOKEN_CLIENT = ['--client-id', 'servicea', '--client-secret', 'servicea-secret-0123456789'];

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tessera-exit-codes-'));
  const file = (name: string) => join(dir, name);
  await runTessera(['keys', 'generate', '--alg', 'RS256', '--kid', 'r1', '--out-dir', file('rsa')]);
  const issued = await runTessera([
    'token',
    'sign',
    '--key',
    file('rsa/private.jwk.json'),
    '--iss',
    'https://issuer.example',
    '--sub',
    'svc',
  ]);
  signed = issued.stdout.trim();

  // A port nothing listens on: taken, then given back.
  const probe = createServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
  closedPort = (probe.address() as AddressInfo).port;
  await new Promise<void>((r) => probe.close(() => r()));

  await mkdir(file('allow'));
  await writeFile(
    file('allow/health.yaml'),
    [
      'apiVersion: security.istio.io/v1',
      'kind: AuthorizationPolicy',
      'metadata: { name: allow-health, namespace: default }',
      'spec:',
      '  action: ALLOW',
      '  rules:',
      '    - to: [{ operation: { paths: ["/health"] } }]',
      '',
    ].join('\n'),
  );
  await writeFile(
    file('bad-policy.yaml'),
    [
      'apiVersion: security.istio.io/v1',
      'kind: AuthorizationPolicy',
      'metadata: { name: p }',
      'spec:',
      '  action: MAYBE',
      '',
    ].join('\n'),
  );
  await writeFile(
    file('unreachable-jwks.yaml'),
    [
      'apiVersion: security.istio.io/v1',
      'kind: RequestAuthentication',
      'metadata: { name: jwt, namespace: default }',
      'spec:',
      '  jwtRules:',
      '    - issuer: https://issuer.example',
      `      jwksUri: http://127.0.0.1:${closedPort}/jwks`,
      '',
    ].join('\n'),
  );
  await writeFile(file('token-service.yaml'), 'bogus: 1\n');
  await writeFile(file('gateway.yaml'), 'listeners: nope\n');
  await writeFile(file('up.yaml'), 'tokenService:\n  bogus: 1\n');
  // Readable by nobody: the CLI gets EACCES (runTessera drops root's override of permissions).
  await writeFile(file('private.json'), '{}');
  await chmod(file('private.json'), 0o000);

  service = createTokenService(
    loadConfig({
      object: {
        server: { host: '127.0.0.1', port: 0 },
        storage: { type: 'file', dataDir: file('ts') },
        clients: [{ id: 'servicea', secret: 'servicea-secret-0123456789', audiences: ['serviceb'], scopes: ['read'] }],
      },
    }),
    { logger: pino({ level: 'silent' }), timers: false },
  );
  tokenServiceUrl = await service.listen();

  // A service that verifies tokens (what `token get --url` is sometimes pointed at by mistake).
  const jwks = JSON.parse(await readFile(file('rsa/jwks.json'), 'utf8')) as { keys: [] };
  resourceServer = createServer(
    withTessera((_req, res) => void res.end('ok'), {
      verifier: createVerifier({ keys: createLocalJwks(jwks), issuer: 'https://issuer.example' }),
      realm: 'orders',
    }),
  );
  await new Promise<void>((r) => resourceServer.listen(0, '127.0.0.1', r));
  resourceUrl = `http://127.0.0.1:${(resourceServer.address() as AddressInfo).port}`;
});

after(async () => {
  await service?.close();
  await new Promise<void>((r) => (resourceServer ? resourceServer.close(() => r()) : r()));
  await rm(dir, { recursive: true, force: true });
});

const f = (name: string) => join(dir, name);

const cases: Case[] = [
  // 0: done; the check passed
  {
    code: 0,
    item: 'done',
    args: () => ['keys', 'generate', '--alg', 'ES256', '--out-dir', f('done')],
    stderr: /^tessera: wrote ES256 key/,
  },
  {
    code: 0,
    item: 'the check passed',
    args: () => ['policy', 'check', '--policies', f('allow'), '--path', '/health'],
  },
  // 1: a check failed
  {
    code: 1,
    item: 'token invalid',
    args: () => ['token', 'verify', '--jwks', f('rsa/jwks.json'), '--issuer', 'https://other.example', signed],
    stderr:
      /^tessera: ERR_CLI_CHECK_FAILED: invalid token: ERR_JWT_ISSUER_INVALID: issuer "https:\/\/issuer\.example" is not trusted/,
  },
  {
    code: 1,
    item: 'policy denied',
    args: () => ['policy', 'check', '--policies', f('allow'), '--path', '/admin'],
    stderr: /^tessera: ERR_CLI_CHECK_FAILED: denied \(403\)/,
  },
  {
    code: 1,
    item: 'policy denied',
    args: () => ['policy', 'check', '--policies', f('unreachable-jwks.yaml'), '--path', '/', '--token', signed],
    stderr:
      /^tessera: ERR_CLI_CHECK_FAILED: denied \(401\): ERR_JWKS_FETCH_FAILED \(check that the rule's jwksUri .* is reachable from here\)$/,
  },
  {
    code: 1,
    item: 'lint problem',
    args: () => ['policy', 'lint', f('bad-policy.yaml')],
    stderr: /^tessera: ERR_CLI_CHECK_FAILED: 1 problem\(s\) in the policies/,
  },
  {
    code: 1,
    item: 'server refused or unreachable',
    args: () => ['token', 'get', '--url', tokenServiceUrl, ...TOKEN_CLIENT, '--audience', 'nowhere'],
    stderr:
      /^tessera: ERR_CLI_REMOTE_FAILED: the token endpoint refused \(400 invalid_target: .*\(ask only for audiences the client may get: /,
  },
  {
    code: 1,
    item: 'server refused or unreachable',
    args: () => [
      'token',
      'exchange',
      '--url',
      tokenServiceUrl,
      ...TOKEN_CLIENT,
      '--subject-token',
      signed,
      '--audience',
      'serviceb',
    ],
    stderr:
      /^tessera: ERR_CLI_REMOTE_FAILED: the token endpoint refused \(400 unauthorized_client.*\(this client may not exchange tokens: add the token-exchange grant/,
  },
  {
    code: 1,
    item: 'server refused or unreachable',
    args: () => ['token', 'get', '--url', resourceUrl, ...TOKEN_CLIENT],
    stderr:
      /^tessera: ERR_CLI_REMOTE_FAILED: http:\/\/127\.0\.0\.1:\d+\/token answered HTTP 401.*not a token response \(give --url the token service's address/,
  },
  {
    code: 1,
    item: 'server refused or unreachable',
    args: () => ['token', 'get', '--url', `http://127.0.0.1:${closedPort}`, ...TOKEN_CLIENT],
    stderr: /^tessera: ERR_CLI_REMOTE_FAILED: cannot reach the token service at .*ECONNREFUSED \(check the --url/,
  },
  // 2: usage
  {
    code: 2,
    item: 'unknown command or option',
    args: () => ['tokne'],
    stderr: /^tessera: ERR_CLI_USAGE: unknown command 'tokne' \(did you mean token\?\)$/,
  },
  {
    code: 2,
    item: 'unknown command or option',
    args: () => ['keys', 'generate', '--alg', 'ES256', '--nope'],
    stderr: /^tessera: ERR_CLI_USAGE: unknown option '--nope'/,
  },
  {
    code: 2,
    item: 'missing or invalid argument',
    args: () => ['token', 'sign'],
    stderr: /^tessera: ERR_CLI_USAGE: required option '--key <file>' not specified/,
  },
  {
    code: 2,
    item: 'missing or invalid argument',
    args: () => ['token', 'sign', '--key', f('rsa/private.jwk.json'), '--expires-in', '5x'],
    stderr:
      /^tessera: ERR_CLI_USAGE: --expires-in expects seconds or a number with s, m, h or d .*got "5x" \(run the command with --help\)$/,
  },
  {
    code: 2,
    item: 'unreadable or unusable input file',
    args: () => ['token', 'sign', '--key', f('rsa/jwks.json')],
    stderr:
      /^tessera: ERR_CLI_INPUT_INVALID: .*jwks\.json holds a public key, which cannot sign \(give the private key/,
  },
  {
    code: 2,
    item: 'unreadable or unusable input file',
    args: () => ['token', 'sign', '--key', f('rsa/public.pem'), '--alg', 'RS256'],
    stderr: /^tessera: ERR_CLI_INPUT_INVALID: .*public\.pem holds a public key, which cannot sign/,
  },
  {
    code: 2,
    item: 'missing or invalid argument',
    args: () => ['token', 'sign', '--key', f('rsa/private.jwk.json'), '--alg', 'HS256'],
    stderr:
      /^tessera: ERR_CLI_INPUT_INVALID: .*private\.jwk\.json: JWK alg RS256 does not match the requested HS256 \(give a key that fits --alg HS256, or leave --alg out\)$/,
  },
  {
    code: 2,
    item: 'missing or invalid argument',
    args: () => ['token', 'sign', '--key', f('rsa/private.pem'), '--alg', 'ES256'],
    stderr:
      /^tessera: ERR_CLI_INPUT_INVALID: .*private\.pem: ES256 needs an EC key, got rsa \(give a private key that fits --alg ES256\)$/,
  },
  {
    code: 2,
    item: 'unreadable or unusable input file',
    args: () => ['policy', 'lint', f('missing.yaml')],
    stderr: /^tessera: ERR_CLI_INPUT_INVALID: cannot read policies ".*missing\.yaml": ENOENT \(check the path\)$/,
  },
  {
    code: 2,
    item: 'unreadable or unusable input file',
    args: () => ['policy', 'check', '--policies', f('missing.yaml'), '--path', '/'],
    stderr: /^tessera: ERR_CLI_INPUT_INVALID: cannot read policies ".*missing\.yaml": ENOENT/,
  },
  {
    code: 2,
    item: 'unreadable or unusable input file',
    args: () => ['token', 'verify', '--jwks', f('private.json'), 'x.y.z'],
    obeyFilePermissions: true,
    stderr: /^tessera: ERR_CLI_INPUT_INVALID: cannot read JWKS file ".*private\.json": EACCES \(check the permissions/,
  },
  // 3: a configuration file is invalid
  {
    code: 3,
    item: 'token service',
    args: () => ['token-service', '--config', f('token-service.yaml'), '--data-dir', f('ts-bad')],
    stderr: /^tessera: ERR_TOKEN_SERVICE_CONFIG_INVALID: .*token-service\.yaml: \(root\): Unrecognized key: "bogus"/,
  },
  {
    code: 3,
    item: 'gateway',
    args: () => ['gateway', '--config', f('gateway.yaml')],
    stderr: /^tessera: ERR_GATEWAY_CONFIG_INVALID: .*gateway\.yaml:1: listeners: /,
  },
  {
    code: 3,
    item: '`up`',
    args: () => ['up', '--config', f('up.yaml'), '--data-dir', f('up')],
    stderr: /^tessera: ERR_CLI_CONFIG_INVALID: .*up\.yaml:2: tokenService\.\(root\): Unrecognized key: "bogus"/,
  },
  {
    code: 3,
    item: 'policies given to `policy check`',
    args: () => ['policy', 'check', '--policies', f('bad-policy.yaml'), '--path', '/'],
    stderr: /^tessera: ERR_CLI_CONFIG_INVALID: invalid policies: .*bad-policy\.yaml:5:\d+: spec\.action/,
  },
];

// A demo row differs only when an example is broken; `tessera demo`'s own test runs it (exit 0).
const NOT_RUN_HERE = new Set(['demo row differing']);

test("every item of docs/cli.md's exit-code table has a case", async () => {
  const documented = await documentedItems();
  assert.deepEqual([...documented.keys()].sort(), [0, 1, 2, 3]);
  for (const [code, items] of documented)
    for (const item of items) {
      if (NOT_RUN_HERE.has(item)) continue;
      assert.ok(
        cases.some((c) => c.code === code && c.item === item),
        `no case for exit ${code} "${item}"`,
      );
    }
});

test('each command exits with its documented code and one error line', { concurrency: 3 }, async (t) => {
  for (const c of cases) {
    await t.test(`${c.code} ${c.item}: tessera ${c.args()[0]} ${c.args()[1] ?? ''}`, async () => {
      const r = await runTessera(c.args(), { obeyFilePermissions: c.obeyFilePermissions === true });
      // Progress notes (`tessera up: starting...`) may come first; the error line is the next one.
      const lines = r.stderr.split('\n').filter((l) => l !== '' && !/^tessera (up|demo): /.test(l));
      assert.equal(r.code, c.code, r.stderr);
      if (c.stderr === undefined) assert.deepEqual(lines, []);
      else assert.match(lines[0] ?? '', c.stderr);
      if (c.code !== 0) assert.equal(lines.filter((l) => l.startsWith('tessera: ')).length, 1, r.stderr);
    });
  }
});
