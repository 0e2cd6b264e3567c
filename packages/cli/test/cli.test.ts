// The `tessera` CLI run as real processes: output, exit codes (0 ok, 1 check failed, 2 usage,
// 3 configuration invalid) and one-line errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runTessera, startTessera } from './run-cli.js';

const commands = [
  [],
  ['up'],
  ['demo'],
  ['completion'],
  ['token-service'],
  ['gateway'],
  ['policy', 'lint'],
  ['policy', 'check'],
  ['keys', 'generate'],
  ['keys', 'withdraw'],
  ['client', 'rotate-secret'],
  ['client', 'remove-secret'],
  ['token', 'sign'],
  ['token', 'decode'],
  ['token', 'verify'],
  ['token', 'get'],
  ['token', 'exchange'],
  ['jwks', 'serve'],
];

test('--help works on every command and exits 0', async () => {
  for (const cmd of commands) {
    const r = await runTessera([...cmd, '--help']);
    assert.equal(r.code, 0, `${cmd.join(' ')} --help: ${r.stderr}`);
    assert.match(r.stdout, /^Usage: tessera/m);
  }
});

test('usage errors exit 2 with one line naming ERR_CLI_USAGE', async () => {
  for (const args of [
    ['nope'],
    ['keys', 'generate', '--alg', 'XX256'],
    ['keys', 'generate', '--alg', 'RS256', '--size', '1024'],
    ['token', 'get', '--url', 'not-a-url', '--client-id', 'a', '--client-secret', 'b'],
    ['keys', 'generate'],
  ]) {
    const r = await runTessera(args);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    const lines = r.stderr.trim().split('\n');
    assert.equal(lines.length, 1, r.stderr);
    assert.match(lines[0]!, /^tessera: ERR_CLI_USAGE: .+\(.+\)$/);
  }
});

test('keys generate HS256 prints an oct JWK whose k is a base64url 256-bit secret', async () => {
  const r = await runTessera(['keys', 'generate', '--alg', 'HS256', '--kid', 'demo']);
  assert.equal(r.code, 0, r.stderr);
  const jwk = JSON.parse(r.stdout) as Record<string, string>;
  assert.equal(jwk['kty'], 'oct');
  assert.equal(jwk['alg'], 'HS256');
  assert.equal(jwk['kid'], 'demo');
  assert.equal(jwk['use'], 'sig');
  assert.match(jwk['k']!, /^[A-Za-z0-9_-]{43}$/);
  assert.equal(Buffer.from(jwk['k']!, 'base64url').length, 32);
  assert.ok(r.stderr.includes(jwk['k']!), 'the secret is pointed out for copy-paste');
});

test('keys generate --format jwks publishes only public members; --out-dir writes private files 0600', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'tessera-cli-'));
  try {
    for (const alg of ['RS256', 'PS256', 'ES256', 'EdDSA']) {
      const r = await runTessera(['keys', 'generate', '--alg', alg, '--format', 'jwks', '--out-dir', join(dir, alg)]);
      assert.equal(r.code, 0, r.stderr);
      const jwks = JSON.parse(r.stdout) as { keys: Record<string, string>[] };
      assert.equal(jwks.keys.length, 1);
      assert.equal(jwks.keys[0]!['alg'], alg);
      for (const m of ['d', 'p', 'q', 'dp', 'dq', 'qi'])
        assert.equal(jwks.keys[0]![m], undefined, `${alg} JWKS leaks ${m}`);
      const priv = JSON.parse(await readFile(join(dir, alg, 'private.jwk.json'), 'utf8')) as Record<string, string>;
      assert.equal(priv['kid'], jwks.keys[0]!['kid']);
      assert.ok(priv['d']);
      assert.equal((await stat(join(dir, alg, 'private.jwk.json'))).mode & 0o777, 0o600);
      assert.equal((await stat(join(dir, alg, 'private.pem'))).mode & 0o777, 0o600);
    }
    const pem = await runTessera(['keys', 'generate', '--alg', 'HS256', '--format', 'pem']);
    assert.equal(pem.code, 2);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('token sign → token decode round trip; an expired token decodes with exit 1 and ERR_JWT_EXPIRED', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'tessera-cli-'));
  try {
    const gen = await runTessera(['keys', 'generate', '--alg', 'ES256', '--out-dir', dir]);
    assert.equal(gen.code, 0, gen.stderr);
    const signed = await runTessera([
      'token',
      'sign',
      '--key',
      join(dir, 'private.jwk.json'),
      '--iss',
      'https://issuer.test',
      '--sub',
      'servicea',
      '--aud',
      'serviceb',
      '--claim',
      'scope=read write',
      '--claim',
      'n=3',
    ]);
    assert.equal(signed.code, 0, signed.stderr);
    const token = signed.stdout.trim();
    assert.match(token, /^[\w-]+\.[\w-]+\.[\w-]+$/);
    const decoded = await runTessera(['token', 'decode', '--json', token]);
    assert.equal(decoded.code, 0, decoded.stderr);
    const body = JSON.parse(decoded.stdout) as {
      header: Record<string, unknown>;
      payload: Record<string, unknown>;
      problems: unknown[];
    };
    assert.equal(body.header['alg'], 'ES256');
    assert.deepEqual(
      [body.payload['iss'], body.payload['sub'], body.payload['aud'], body.payload['scope'], body.payload['n']],
      ['https://issuer.test', 'servicea', 'serviceb', 'read write', 3],
    );
    assert.equal((body.payload['exp'] as number) - (body.payload['iat'] as number), 300);
    assert.deepEqual(body.problems, []);

    const expired = await runTessera([
      'token',
      'sign',
      '--key',
      join(dir, 'private.pem'),
      '--alg',
      'ES256',
      '--sub',
      'servicea',
      '--expired',
    ]);
    assert.equal(expired.code, 0, expired.stderr);
    const human = await runTessera(['token', 'decode'], { input: expired.stdout });
    assert.equal(human.code, 1);
    assert.match(human.stdout, /ERR_JWT_EXPIRED: expired at \d{4}-/);
    assert.match(human.stdout, /exp: .*ago\)/);
    assert.match(human.stderr.trim(), /^tessera: ERR_CLI_CHECK_FAILED: .*ERR_JWT_EXPIRED/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('token decode flags alg none and refuses what is not a JWS (exit 2)', async () => {
  const none = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from('{"sub":"x"}').toString('base64url')}.`;
  const r = await runTessera(['token', 'decode', '--json', none]);
  assert.equal(r.code, 1);
  const codes = (JSON.parse(r.stdout) as { problems: { code: string }[] }).problems.map((p) => p.code);
  assert.ok(codes.includes('ERR_JWT_ALG_NOT_ALLOWED'));
  assert.ok(codes.includes('ERR_JWT_CLAIM_MISSING'));
  for (const bad of ['abc', 'a.b', 'e30.e30.e30.e30.e30', '!!!.e30.sig', 'e30.bm90IGpzb24.sig']) {
    const res = await runTessera(['token', 'decode', bad]);
    assert.equal(res.code, 2, `${bad}: ${res.stderr}`);
    assert.match(res.stderr, /^tessera: ERR_CLI_INPUT_INVALID: /);
  }
});

test('jwks serve publishes the public part only, refuses oct keys unless allowed, and stops on SIGTERM', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'tessera-cli-'));
  try {
    await runTessera(['keys', 'generate', '--alg', 'RS256', '--kid', 'k1', '--out-dir', join(dir, 'rsa')]);
    const server = startTessera([
      'jwks',
      'serve',
      '--file',
      join(dir, 'rsa', 'private.jwk.json'),
      '--port',
      '0',
      '--json',
    ]);
    try {
      const [line] = await server.waitFor(/\{.*\}\n/);
      const { url } = JSON.parse(line) as { url: string };
      const res = await fetch(url);
      assert.equal(res.status, 200);
      assert.match(res.headers.get('cache-control') ?? '', /max-age=300/);
      const jwks = (await res.json()) as { keys: Record<string, string>[] };
      assert.equal(jwks.keys[0]!['kid'], 'k1');
      assert.equal(jwks.keys[0]!['d'], undefined);
      assert.equal(await (await fetch(new URL('/', url))).text(), 'success');
      assert.equal((await fetch(new URL('/.well-known/jwks.json', url))).status, 200);
    } finally {
      assert.equal(await server.stop('SIGTERM'), 0);
    }

    await runTessera(['keys', 'generate', '--alg', 'HS256', '--out-dir', join(dir, 'oct')]);
    const refused = await runTessera(['jwks', 'serve', '--file', join(dir, 'oct', 'jwks.json'), '--port', '0']);
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, /ERR_CLI_INPUT_INVALID: .*symmetric/);

    await writeFile(join(dir, 'bad.json'), '{"keys": 3}');
    const bad = await runTessera(['jwks', 'serve', '--file', join(dir, 'bad.json')]);
    assert.equal(bad.code, 2);
    const missing = await runTessera(['jwks', 'serve', '--file', join(dir, 'missing.json')]);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /ENOENT/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('token get reports an unreachable token service with exit 1 and ERR_CLI_REMOTE_FAILED', async () => {
  const r = await runTessera(['token', 'get', '--url', 'http://127.0.0.1:9', '--client-id', 'a'], {
    env: { TESSERA_CLIENT_SECRET: 'not-a-real-secret-123' },
  });
  assert.equal(r.code, 1);
  assert.match(r.stderr.trim(), /^tessera: ERR_CLI_REMOTE_FAILED: cannot reach/);
  assert.ok(!r.stderr.includes('not-a-real-secret-123'));
});

test('token verify: valid against a JWKS file, a JWKS URL (jwks serve) and a PEM; wrong audience, issuer or expiry exit 1 with the core code', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'tessera-cli-'));
  try {
    assert.equal((await runTessera(['keys', 'generate', '--alg', 'RS256', '--out-dir', dir])).code, 0);
    const sign = async (...extra: string[]) =>
      (
        await runTessera([
          'token',
          'sign',
          '--key',
          join(dir, 'private.jwk.json'),
          '--iss',
          'https://issuer.test',
          '--sub',
          'servicea',
          '--aud',
          'serviceb',
          ...extra,
        ])
      ).stdout.trim();
    const token = await sign();
    const ok = await runTessera([
      'token',
      'verify',
      '--jwks',
      join(dir, 'jwks.json'),
      '--issuer',
      'https://issuer.test',
      '--audience',
      'serviceb',
      '--json',
      token,
    ]);
    assert.equal(ok.code, 0, ok.stderr);
    assert.equal((JSON.parse(ok.stdout) as { valid: boolean; payload: { sub: string } }).payload.sub, 'servicea');

    const pem = await runTessera(['token', 'verify', '--key', join(dir, 'public.pem'), '--alg', 'RS256'], {
      input: token,
    });
    assert.equal(pem.code, 0, pem.stderr);
    assert.match(pem.stdout, /^valid: signed by RS256/);

    const wrongAud = await runTessera([
      'token',
      'verify',
      '--jwks',
      join(dir, 'jwks.json'),
      '--audience',
      'servicec',
      '--json',
      token,
    ]);
    assert.equal(wrongAud.code, 1);
    assert.equal((JSON.parse(wrongAud.stdout) as { error: { code: string } }).error.code, 'ERR_JWT_AUDIENCE_INVALID');
    assert.match(wrongAud.stderr, /^tessera: ERR_CLI_CHECK_FAILED: invalid token: ERR_JWT_AUDIENCE_INVALID/);

    const wrongIss = await runTessera([
      'token',
      'verify',
      '--jwks',
      join(dir, 'jwks.json'),
      '--issuer',
      'https://other.test',
      token,
    ]);
    assert.equal(wrongIss.code, 1);
    assert.match(wrongIss.stderr, /ERR_JWT_ISSUER_INVALID/);

    const expired = await runTessera(['token', 'verify', '--jwks', join(dir, 'jwks.json'), await sign('--expired')]);
    assert.equal(expired.code, 1);
    assert.match(expired.stderr, /ERR_JWT_EXPIRED/);

    const tampered = `${token.slice(0, -4)}${token.endsWith('AAAA') ? 'BBBB' : 'AAAA'}`;
    const bad = await runTessera(['token', 'verify', '--jwks', join(dir, 'jwks.json'), tampered]);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /ERR_JWT_(SIGNATURE_INVALID|MALFORMED)/);

    const server = startTessera(['jwks', 'serve', '--file', join(dir, 'jwks.json'), '--port', '0', '--json']);
    try {
      const { url } = JSON.parse((await server.waitFor(/\{.*\}\n/))[0]) as { url: string };
      const remote = await runTessera([
        'token',
        'verify',
        '--jwks',
        url,
        '--issuer',
        'https://issuer.test',
        '--audience',
        'serviceb',
        token,
      ]);
      assert.equal(remote.code, 0, remote.stderr);
      const missing = await runTessera(['token', 'verify', '--jwks', `${url}-missing`, token]);
      assert.equal(missing.code, 1);
      assert.match(missing.stderr, /ERR_CLI_REMOTE_FAILED: .*HTTP 404/);
    } finally {
      await server.stop();
    }

    const noKeys = await runTessera(['token', 'verify', token]);
    assert.equal(noKeys.code, 2);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test("an HS256 key from keys generate signs and verifies through its JWKS (the brief's HMAC flow)", async () => {
  const dir = await mkdtemp(join(tmpdir(), 'tessera-cli-'));
  try {
    assert.equal(
      (await runTessera(['keys', 'generate', '--alg', 'HS256', '--size', '256', '--kid', 'hs', '--out-dir', dir])).code,
      0,
    );
    const token = (await runTessera(['token', 'sign', '--key', join(dir, 'jwks.json'), '--sub', 'demo'])).stdout.trim();
    const r = await runTessera(['token', 'verify', '--jwks', join(dir, 'jwks.json'), '--alg', 'HS256', token]);
    assert.equal(r.code, 0, r.stderr);
    const other = await mkdtemp(join(tmpdir(), 'tessera-cli-'));
    await runTessera(['keys', 'generate', '--alg', 'HS256', '--kid', 'hs', '--out-dir', other]);
    const forged = await runTessera(['token', 'verify', '--jwks', join(other, 'jwks.json'), token]);
    assert.equal(forged.code, 1);
    assert.match(forged.stderr, /ERR_JWT_SIGNATURE_INVALID/);
    await rm(other, { recursive: true, force: true });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('tessera demo runs the chosen examples and prints the table (exit 0 when every row matches)', async () => {
  const r = await runTessera(['demo', '--only', '3', '--json']);
  assert.equal(r.code, 0, r.stderr);
  const rows = JSON.parse(r.stdout) as { scenario: string; call: string; expected: string; got: string; ok: boolean }[];
  assert.ok(rows.length >= 2);
  for (const row of rows) {
    assert.match(row.scenario, /^3 /);
    assert.equal(row.got, row.expected, row.call);
    assert.equal(row.ok, true);
  }
  const none = await runTessera(['demo', '--only', '99']);
  assert.equal(none.code, 2);
});

const policyDir = new URL('../../../examples/07-mesh-policies/policies/', import.meta.url).pathname;

test('policy lint: the mesh policies of each step are valid; a broken file is reported with file:line and exit 1', async () => {
  const ok = await runTessera([
    'policy',
    'lint',
    join(policyDir, '1-allow-nothing.yaml'),
    join(policyDir, '2-allow-ingress-gateway.yaml'),
    join(policyDir, '4-require-user-token.yaml'),
    '--json',
  ]);
  assert.equal(ok.code, 0, ok.stderr);
  const body = JSON.parse(ok.stdout) as { policies: { id: string; kind: string }[]; issues: unknown[] };
  assert.deepEqual(body.policies.map((p) => `${p.kind} ${p.id}`).sort(), [
    'AuthorizationPolicy default/allow-ingress-gateway',
    'AuthorizationPolicy default/allow-nothing',
    'AuthorizationPolicy default/allow-webui-to-backend',
    'RequestAuthentication default/backend-api',
  ]);
  const dir = await mkdtemp(join(tmpdir(), 'tessera-cli-'));
  try {
    await writeFile(
      join(dir, 'bad.yaml'),
      'apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata:\n  name: x\nspec:\n  action: PERMIT\n',
    );
    const bad = await runTessera(['policy', 'lint', join(dir, 'bad.yaml')]);
    assert.equal(bad.code, 1);
    assert.match(bad.stdout, /^error: .*bad\.yaml:6:\d+: spec\.action: /m);
    assert.match(bad.stderr, /^tessera: ERR_CLI_CHECK_FAILED: 1 problem/);
    const checkBad = await runTessera(['policy', 'check', '--policies', join(dir, 'bad.yaml'), '--path', '/']);
    assert.equal(checkBad.code, 3, 'invalid policies given to check are a configuration error');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('policy check: decision and explanation for mTLS and request principals (exit 0 allow, 1 deny)', async () => {
  const p = (n: string) => ['--policies', join(policyDir, n)];
  const step4 = [
    ...p('1-allow-nothing.yaml'),
    ...p('2-allow-ingress-gateway.yaml'),
    ...p('4-require-user-token.yaml'),
    '--label',
    'app=backend-api',
    '--path',
    '/data',
  ];
  const allowed = await runTessera([
    'policy',
    'check',
    ...step4,
    '--peer-principal',
    'spiffe://cluster.local/ns/default/sa/webui',
    '--principal',
    'https://auth.example//alice',
    '--json',
  ]);
  assert.equal(allowed.code, 0, allowed.stdout + allowed.stderr);
  const a = JSON.parse(allowed.stdout) as { decision: { allowed: boolean; policy: string; status: number } };
  assert.deepEqual(
    [a.decision.allowed, a.decision.policy, a.decision.status],
    [true, 'default/allow-webui-to-backend', 200],
  );

  const noUser = await runTessera([
    'policy',
    'check',
    ...step4,
    '--peer-principal',
    'cluster.local/ns/default/sa/webui',
  ]);
  assert.equal(noUser.code, 1);
  assert.match(noUser.stdout, /^DENY 403: no-allow-matched/);
  assert.match(noUser.stdout, /requestPrincipals/);

  const wrongPeer = await runTessera([
    'policy',
    'check',
    ...step4,
    '--peer-principal',
    'cluster.local/ns/default/sa/intruder',
    '--principal',
    'https://auth.example//alice',
  ]);
  assert.equal(wrongPeer.code, 1);

  const usage = await runTessera(['policy', 'check', ...step4, '--token', 'a.b.c', '--principal', 'x/y']);
  assert.equal(usage.code, 2);
});

test('policy check normalizes and refuses paths and hosts exactly as the gateway does', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'tessera-cli-policy-'));
  try {
    await writeFile(
      join(dir, 'ap.yaml'),
      [
        'apiVersion: security.istio.io/v1',
        'kind: AuthorizationPolicy',
        'metadata: { name: deny-admin, namespace: default }',
        'spec:',
        '  action: DENY',
        '  rules: [{ to: [{ operation: { paths: ["/admin*"] } }] }]',
        '---',
        'apiVersion: security.istio.io/v1',
        'kind: AuthorizationPolicy',
        'metadata: { name: allow-all, namespace: default }',
        'spec: { rules: [{}] }',
        '',
      ].join('\n'),
    );
    const check = (...args: string[]) => runTessera(['policy', 'check', '--policies', join(dir, 'ap.yaml'), ...args]);
    // Before: "as given", so these came back ALLOW where the gateway answers 403.
    for (const path of ['//admin', '/%61dmin', '/public/../admin']) {
      const r = await check('--path', path);
      assert.equal(r.code, 1, `${path}: ${r.stdout}${r.stderr}`);
      assert.match(r.stdout, /^DENY 403/);
    }
    for (const path of ['/admin;x=1', '/admin.', '/%252e%252e/admin']) {
      const r = await check('--path', path);
      assert.equal(r.code, 1, path);
      assert.match(r.stderr, /refused \(400\)/);
    }
    assert.equal((await check('--path', '/public')).code, 0);
    assert.equal((await check('--path', '/ADMIN')).code, 0, 'a case-sensitive upstream');
    assert.equal((await check('--path', '/ADMIN', '--case-insensitive-paths')).code, 1);
    assert.equal((await check('--path', '/admin;x=1', '--allow-path-parameters')).code, 1);
    assert.match((await check('--path', '/public', '--host', '[::1]@admin')).stderr, /refused \(400\)/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('token-service runs as a process; token get and token exchange talk to it; SIGTERM stops it', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'tessera-cli-'));
  try {
    await writeFile(
      join(dir, 'ts.yaml'),
      [
        'logging: { level: warn }',
        'clients:',
        '  - id: servicea',
        '    secret: servicea-secret-0123456789',
        '    audiences: [serviceb]',
        '    scopes: [read]',
        '  - id: serviceb',
        '    secret: serviceb-secret-0123456789',
        '    grantTypes: [client_credentials, "urn:ietf:params:oauth:grant-type:token-exchange"]',
        '    audiences: [servicec]',
        '    exchange: { subjectAudiences: [serviceb], targetAudiences: [servicec], impersonation: true }',
        '',
      ].join('\n'),
    );
    const server = startTessera([
      'token-service',
      '--config',
      join(dir, 'ts.yaml'),
      '--port',
      '0',
      '--data-dir',
      join(dir, 'data'),
      '--json',
    ]);
    try {
      const info = JSON.parse((await server.waitFor(/^\{"url".*\}$/m))[0]) as {
        url: string;
        jwksUri: string;
        issuer: string;
        adminTokenFile: string;
      };
      assert.match(info.url, /^http:\/\/127\.0\.0\.1:\d+$/);
      assert.equal(info.adminTokenFile, join(dir, 'data', 'admin-token'));
      assert.ok(
        !server.output().stdout.includes((await readFile(info.adminTokenFile, 'utf8')).trim()),
        'the admin token is never printed',
      );

      const got = await runTessera(
        ['token', 'get', '--url', info.url, '--client-id', 'servicea', '--audience', 'serviceb', '--scope', 'read'],
        { env: { TESSERA_CLIENT_SECRET: 'servicea-secret-0123456789' } },
      );
      assert.equal(got.code, 0, got.stderr);
      const token = got.stdout.trim();
      const verified = await runTessera([
        'token',
        'verify',
        '--jwks',
        info.jwksUri,
        '--issuer',
        info.issuer,
        '--audience',
        'serviceb',
        '--typ',
        'at+jwt',
        '--json',
        token,
      ]);
      assert.equal(verified.code, 0, verified.stderr);
      assert.equal(
        (JSON.parse(verified.stdout) as { payload: { sub: string; scope: string } }).payload.sub,
        'servicea',
      );

      const exchanged = await runTessera(
        [
          'token',
          'exchange',
          '--url',
          info.url,
          '--client-id',
          'serviceb',
          '--client-secret',
          'serviceb-secret-0123456789',
          '--subject-token',
          '-',
          '--audience',
          'servicec',
          '--json',
        ],
        { input: token },
      );
      assert.equal(exchanged.code, 0, exchanged.stderr);
      const response = JSON.parse(exchanged.stdout) as { access_token: string; issued_token_type: string };
      assert.equal(response.issued_token_type, 'urn:ietf:params:oauth:token-type:access_token');
      const decoded = JSON.parse((await runTessera(['token', 'decode', '--json', response.access_token])).stdout) as {
        payload: { sub: string; aud: string };
      };
      assert.deepEqual([decoded.payload.sub, decoded.payload.aud], ['servicea', 'servicec']);

      const badSecret = await runTessera([
        'token',
        'get',
        '--url',
        info.url,
        '--client-id',
        'servicea',
        '--client-secret',
        'wrong-secret-0123456789',
      ]);
      assert.equal(badSecret.code, 1);
      assert.match(
        badSecret.stderr,
        /^tessera: ERR_CLI_REMOTE_FAILED: the token endpoint refused \(401 invalid_client/,
      );
      const badAudience = await runTessera([
        'token',
        'get',
        '--url',
        info.url,
        '--client-id',
        'servicea',
        '--client-secret',
        'servicea-secret-0123456789',
        '--audience',
        'payments',
      ]);
      assert.equal(badAudience.code, 1);
      assert.match(badAudience.stderr, /invalid_target/);
    } finally {
      assert.equal(await server.stop('SIGTERM'), 0, server.output().stderr);
    }
    const badConfig = join(dir, 'bad.yaml');
    await writeFile(badConfig, 'server: { port: "eighty" }\n');
    const refused = await runTessera(['token-service', '--config', badConfig]);
    assert.equal(refused.code, 3);
    assert.match(refused.stderr, /^tessera: ERR_TOKEN_SERVICE_CONFIG_INVALID: .*bad\.yaml.*server\.port/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('gateway runs as a process from a YAML file and drains on SIGTERM; an invalid file exits 3', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'tessera-cli-'));
  try {
    await writeFile(
      join(dir, 'gateway.yaml'),
      'listeners: [{ port: 0 }]\nadmin: { port: 0 }\nlogging: { level: warn }\n',
    );
    const gateway = startTessera(['gateway', '--config', join(dir, 'gateway.yaml'), '--json']);
    try {
      const { urls } = JSON.parse((await gateway.waitFor(/^\{"urls".*\}$/m))[0]) as { urls: Record<string, string> };
      const health = await fetch(`${urls['admin']}/healthz`);
      assert.equal(health.status, 200);
      await health.body?.cancel();
      const noRoute = await fetch(`${urls['main']}/anything`);
      assert.ok(noRoute.status >= 400, 'no route, no pass');
      await noRoute.body?.cancel();
    } finally {
      assert.equal(await gateway.stop('SIGTERM'), 0, gateway.output().stderr);
    }
    const workers = startTessera(['gateway', '--config', join(dir, 'gateway.yaml'), '--workers', '2', '--json']);
    try {
      const { urls, workers: n } = JSON.parse((await workers.waitFor(/^\{"urls".*\}$/m))[0]) as {
        urls: Record<string, string>;
        workers: number;
      };
      assert.equal(n, 2);
      const health = await fetch(`${urls['admin']}/healthz`);
      assert.equal(health.status, 200);
      await health.body?.cancel();
    } finally {
      assert.equal(await workers.stop('SIGTERM'), 0, workers.output().stderr);
    }
    await writeFile(join(dir, 'bad.yaml'), 'routes:\n  - name: x\n    upstream: ftp://nope\n');
    const bad = await runTessera(['gateway', '--config', join(dir, 'bad.yaml')]);
    assert.equal(bad.code, 3);
    assert.equal(bad.stderr.trim().split('\n').length, 1);
    assert.match(bad.stderr, /^tessera: ERR_GATEWAY_CONFIG_INVALID: .*bad\.yaml:3.*routes\.0\.upstream/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('a server command whose port is taken exits 2 with ERR_CLI_USAGE and a hint', async () => {
  const { createServer } = await import('node:net');
  const blocker = createServer();
  await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
  const port = (blocker.address() as { port: number }).port;
  const dir = await mkdtemp(join(tmpdir(), 'tessera-cli-'));
  try {
    const r = await runTessera(['token-service', '--port', String(port), '--data-dir', dir], {
      env: { TESSERA_LOG_LEVEL: 'silent' },
    });
    assert.equal(r.code, 2);
    assert.match(
      r.stderr.trim(),
      new RegExp(`^tessera: ERR_CLI_USAGE: cannot listen on 127\\.0\\.0\\.1:${port}: EADDRINUSE \\(.+\\)$`),
    );
  } finally {
    await new Promise((resolve) => blocker.close(resolve));
    await rm(dir, { recursive: true, force: true });
  }
});
