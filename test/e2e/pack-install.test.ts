// The packages as a new user gets them: `npm pack` each workspace, install the tarballs into an
// empty project (no TypeScript, no tsx, nothing of the repository), then use what was installed:
// `npx tessera`, `tessera up`, and the library imported from TypeScript with its types.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { runTessera, startTessera } from '../../packages/cli/test/run-cli.js';

const run = promisify(execFile);
const repo = new URL('../../', import.meta.url).pathname;
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
const nodeTypes = join(repo, 'node_modules/@types');

/**
 * npm's environment without what `npm test` adds for its own run (`npm_config_*` from the
 * repository's workspace, the lifecycle variables): the installs below must behave as a user's.
 */
function npmEnv(): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.toLowerCase().startsWith('npm_')));
  const cache = process.env['npm_config_cache'];
  return cache === undefined ? env : { ...env, npm_config_cache: cache };
}

async function npm(args: string[], cwd: string): Promise<string> {
  const { stdout } = await run('npm', args, { cwd, env: npmEnv(), maxBuffer: 16 * 1024 * 1024 });
  return stdout;
}

// A program a user writes: a verifier against the token service's JWKS, from TypeScript (strict).
const userProgram = `import { createRemoteJwks, createVerifier, type VerifiedJwt } from '@tessera/core';
import { isTesseraError } from '@tessera/core/errors';
import { decodeJwt } from '@tessera/core/jose';

const [issuer, token] = process.argv.slice(2) as [string, string];
const keys = createRemoteJwks(\`\${issuer}/.well-known/jwks.json\`);
const verifier = createVerifier({ issuer, keys, audience: 'orders' });
const verified: VerifiedJwt = await verifier.verify(token);
const tampered = \`\${token.slice(0, -6)}AAAAAA\`;
const forged = await verifier.verify(tampered).then(
  () => 'accepted',
  (error: unknown) => (isTesseraError(error) ? error.code : 'not a Tessera error'),
);
console.log(JSON.stringify({ sub: verified.payload.sub, alg: decodeJwt(token).header.alg, forged }));
keys.close();
`;

test('the packed packages install into an empty project and run there: npx tessera, tessera up, the typed library', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'tessera-pack-'));
  try {
    const tarballs = join(dir, 'tarballs');
    const project = join(dir, 'project');
    await mkdir(tarballs);
    await mkdir(project);
    // Built by `npm test` (scripts/build.mjs) just before: no prepack build again here.
    const workspaces = ['core', 'token-service', 'gateway', 'cli'].flatMap((p) => ['-w', `packages/${p}`]);
    await npm(['pack', ...workspaces, '--ignore-scripts', '--pack-destination', tarballs], repo);
    const packed = (await readdir(tarballs)).sort();
    assert.deepEqual(packed, [
      'tessera-cli-0.1.0.tgz',
      'tessera-core-0.1.0.tgz',
      'tessera-gateway-0.1.0.tgz',
      'tessera-token-service-0.1.0.tgz',
    ]);
    await writeFile(
      join(project, 'package.json'),
      JSON.stringify({ name: 'tessera-user', private: true, type: 'module' }),
    );
    await npm(
      ['install', '--prefer-offline', '--no-audit', '--no-fund', ...packed.map((t) => join(tarballs, t))],
      project,
    );
    // What ran below ran without the repository's development tools.
    for (const absent of ['tsx', 'typescript', 'pg', 'ioredis'])
      assert.equal(existsSync(join(project, 'node_modules', absent)), false, `${absent} was installed`);

    const version = await run('npx', ['--no-install', 'tessera', '--version'], { cwd: project, env: npmEnv() });
    assert.equal(version.stdout.trim(), '0.1.0');

    const bin = join(project, 'node_modules/@tessera/cli/bin/tessera.js');
    const generated = await runTessera(['keys', 'generate', '--alg', 'ES256', '--kid', 'k1', '--out-dir', 'keys'], {
      cwd: project,
      bin,
    });
    assert.equal(generated.code, 0, generated.stderr);
    const signed = await runTessera(
      [
        'token',
        'sign',
        '--key',
        'keys/private.jwk.json',
        '--iss',
        'https://issuer.example',
        '--sub',
        'svc-a',
        '--aud',
        'svc-b',
      ],
      { cwd: project, bin },
    );
    assert.equal(signed.code, 0, signed.stderr);
    const decoded = await run('npx', ['--no-install', 'tessera', 'token', 'decode', signed.stdout.trim(), '--json'], {
      cwd: project,
      env: npmEnv(),
    });
    assert.equal((JSON.parse(decoded.stdout) as { payload: { sub: string } }).payload.sub, 'svc-a');

    // The examples are not in the package: tessera demo says it needs the repository.
    const demo = await runTessera(['demo'], { cwd: project, bin });
    assert.equal(demo.code, 1);
    assert.match(demo.stderr, /ERR_CLI_UNAVAILABLE: tessera demo needs a clone of the Tessera repository/);

    await writeFile(join(project, 'check.ts'), userProgram);
    await run(
      process.execPath,
      [
        ...[tsc, '--strict', '--target', 'es2022', '--module', 'nodenext', '--moduleResolution', 'nodenext'],
        ...['--typeRoots', nodeTypes, '--types', 'node', '--skipLibCheck', 'false', 'check.ts'],
      ],
      { cwd: project },
    );

    await writeFile(
      join(project, 'up.yaml'),
      'ports: { tokenService: 0, gateway: 0, gatewayAdmin: 0, orders: 0, teams: 0, webui: 0 }\n',
    );
    const up = startTessera(['up', '--config', 'up.yaml', '--json'], { cwd: project, bin });
    try {
      const info = JSON.parse((await up.waitFor(/^\{"urls".*\}$/m, 60_000))[0]) as {
        urls: { tokenService: string; orders: string };
        issuer: string;
        dataDir: string;
        clients: Record<string, string>;
      };
      assert.equal(info.dataDir, join(project, '.tessera'));
      const issued = await fetch(`${info.urls.tokenService}/token`, {
        method: 'POST',
        headers: {
          authorization: `Basic ${Buffer.from(`orders-client:${info.clients['orders-client']}`).toString('base64')}`,
          'content-type': 'application/x-www-form-urlencoded',
        },
        body: new URLSearchParams({ grant_type: 'client_credentials', audience: 'orders', scope: 'orders:read' }),
      });
      assert.equal(issued.status, 200);
      const { access_token: token } = (await issued.json()) as { access_token: string };
      const orders = await fetch(`${info.urls.orders}/orders`, { headers: { authorization: `Bearer ${token}` } });
      assert.equal(orders.status, 200);
      assert.equal(((await orders.json()) as { caller: string }).caller, 'orders-client');

      // The console ships inside the token service's package: its page sends a browser to the
      // login, and its built script is served.
      const consolePage = await fetch(`${info.urls.tokenService}/console/`, { redirect: 'manual' });
      assert.equal(consolePage.status, 303);
      assert.match(consolePage.headers.get('location') ?? '', /\/authorize\?client_id=tessera-console&/);
      const shipped = await readdir(join(project, 'node_modules/@tessera/token-service/console/assets'));
      const script = shipped.find((f) => f.endsWith('.js'));
      assert.ok(script !== undefined, `no console script in ${shipped.join(', ')}`);
      const served = await fetch(`${info.urls.tokenService}/console/assets/${script}`);
      assert.equal(served.status, 200);
      assert.match(served.headers.get('content-type') ?? '', /^text\/javascript/);

      const checked = await run(process.execPath, ['check.js', info.issuer, token], { cwd: project });
      assert.deepEqual(JSON.parse(checked.stdout), {
        sub: 'orders-client',
        alg: 'RS256',
        forged: 'ERR_JWT_SIGNATURE_INVALID',
      });
    } finally {
      assert.equal(await up.stop(), 0, up.output().stderr);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
