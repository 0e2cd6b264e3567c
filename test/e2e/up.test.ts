// `tessera up` as a user runs it: a real process, a curl-equivalent fetch for each promise it
// prints (token issued, accepted, refused), Ctrl-C, and a second start reusing keys and clients.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTessera } from '../../packages/cli/test/run-cli.js';

interface UpInfo {
  urls: { tokenService: string; gateway: string; orders: string; teams: string; jwks: string };
  clients: Record<string, string>;
  reused: boolean;
}

async function token(info: UpInfo, client: string, params: Record<string, string>): Promise<Response> {
  return fetch(`${info.urls.tokenService}/token`, {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from(`${client}:${info.clients[client]}`).toString('base64')}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: new URLSearchParams({ grant_type: 'client_credentials', ...params }),
  });
}

test('tessera up starts everything, issues, accepts and refuses tokens, stops on Ctrl-C, and reuses its state', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'tessera-up-'));
  const config = join(dir, 'up.yaml');
  await writeFile(config, 'ports: { tokenService: 0, gateway: 0, gatewayAdmin: 0, orders: 0, teams: 0, webui: 0 }\n');
  const args = ['up', '--config', config, '--data-dir', join(dir, 'state'), '--json'];
  try {
    const first = startTessera(args);
    let info: UpInfo;
    let kids: string[];
    try {
      info = JSON.parse((await first.waitFor(/^\{"urls".*\}$/m, 60_000))[0]) as UpInfo;
      assert.equal(info.reused, false);
      assert.equal((await stat(join(dir, 'state', 'up.json'))).mode & 0o777, 0o600);

      const issued = await token(info, 'orders-client', { audience: 'orders', scope: 'orders:read' });
      assert.equal(issued.status, 200);
      const { access_token: accessToken, token_type: tokenType } = (await issued.json()) as {
        access_token: string;
        token_type: string;
      };
      assert.equal(tokenType, 'Bearer');

      const accepted = await fetch(`${info.urls.orders}/orders`, {
        headers: { authorization: `Bearer ${accessToken}` },
      });
      assert.equal(accepted.status, 200);
      assert.equal(((await accepted.json()) as { caller: string }).caller, 'orders-client');
      const refused = await fetch(`${info.urls.orders}/orders`);
      assert.equal(refused.status, 401);
      assert.match(refused.headers.get('www-authenticate') ?? '', /^Bearer realm="orders"/);
      await refused.body?.cancel();
      const noScope = await fetch(`${info.urls.orders}/orders`, {
        method: 'POST',
        headers: { authorization: `Bearer ${accessToken}` },
      });
      assert.equal(noScope.status, 403);
      await noScope.body?.cancel();
      const wrongSecret = await fetch(`${info.urls.tokenService}/token`, {
        method: 'POST',
        headers: {
          authorization: `Basic ${Buffer.from('orders-client:not-the-secret').toString('base64')}`,
          'content-type': 'application/x-www-form-urlencoded',
        },
        body: 'grant_type=client_credentials',
      });
      assert.equal(wrongSecret.status, 401);
      await wrongSecret.body?.cancel();

      const sports = (
        (await (await token(info, 'sports-app', { audience: 'sports-api' })).json()) as { access_token: string }
      ).access_token;
      const viaGateway = await fetch(`${info.urls.gateway}/api/team/list?league=nba`, {
        headers: { authorization: `Bearer ${sports}` },
      });
      assert.equal(viaGateway.status, 200);
      assert.equal(((await viaGateway.json()) as { caller: { sub: string } }).caller.sub, 'tessera:sports-app');
      const direct = await fetch(`${info.urls.teams}/api/team/list?league=nba`, {
        headers: { authorization: `Bearer ${sports}` },
      });
      assert.equal(direct.status, 401);
      await direct.body?.cancel();

      // Revoked at the token service (RFC 7009): the orders service (core's verifier) and the
      // gateway follow the revocation feed and refuse the tokens they accepted a moment ago.
      for (const [client, revoked, url] of [
        ['orders-client', accessToken, `${info.urls.orders}/orders`],
        ['sports-app', sports, `${info.urls.gateway}/api/team/list?league=nba`],
      ] as const) {
        const revocation = await fetch(`${info.urls.tokenService}/revoke`, {
          method: 'POST',
          headers: {
            authorization: `Basic ${Buffer.from(`${client}:${info.clients[client]}`).toString('base64')}`,
            'content-type': 'application/x-www-form-urlencoded',
          },
          body: new URLSearchParams({ token: revoked }),
        });
        assert.equal(revocation.status, 200);
        await revocation.body?.cancel();
        let status = 200;
        for (let i = 0; i < 500 && status === 200; i++) {
          if (i > 0) await new Promise((r) => setTimeout(r, 20));
          const res = await fetch(url, { headers: { authorization: `Bearer ${revoked}` } });
          status = res.status;
          await res.body?.cancel();
        }
        assert.equal(status, 401, `${url} refuses the revoked token`);
      }

      kids = ((await (await fetch(info.urls.jwks)).json()) as { keys: { kid: string }[] }).keys
        .map((k) => k.kid)
        .sort();
      assert.ok(kids.length > 0);
    } finally {
      assert.equal(await first.stop('SIGINT'), 0, first.output().stderr);
    }
    assert.match(first.output().stderr, /stopped/);

    const second = startTessera(args);
    try {
      const again = JSON.parse((await second.waitFor(/^\{"urls".*\}$/m, 60_000))[0]) as UpInfo;
      assert.equal(again.reused, true);
      assert.deepEqual(again.clients, info.clients, 'the same client credentials');
      const kidsAgain = ((await (await fetch(again.urls.jwks)).json()) as { keys: { kid: string }[] }).keys
        .map((k) => k.kid)
        .sort();
      assert.deepEqual(kidsAgain, kids, 'the same signing keys');
      assert.equal((await token(again, 'orders-client', { audience: 'orders' })).status, 200);
    } finally {
      assert.equal(await second.stop('SIGTERM'), 0, second.output().stderr);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('tessera up refuses an invalid --config with exit 3 and one line naming the field', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'tessera-up-'));
  try {
    await writeFile(join(dir, 'bad.yaml'), 'ports: { gateway: 99999 }\n');
    const run = startTessera(['up', '--config', join(dir, 'bad.yaml'), '--data-dir', join(dir, 'state')]);
    assert.equal(await run.exited(), 3);
    assert.match(run.output().stderr, /ERR_CLI_CONFIG_INVALID: .*ports\.gateway/);
    await writeFile(
      join(dir, 'bad-ts.yaml'),
      'ports: { tokenService: 0, webui: 0 }\ntokenService: { keys: { algorithm: HS256 } }\n',
    );
    const bad = startTessera(['up', '--config', join(dir, 'bad-ts.yaml'), '--data-dir', join(dir, 'state')]);
    assert.equal(await bad.exited(), 3);
    // The section's problem is said against the --config file, with its line (polish issue, item 9).
    assert.match(bad.output().stderr, /ERR_CLI_CONFIG_INVALID: .*bad-ts\.yaml:2: tokenService\.keys\.algorithm: /);
    await writeFile(
      join(dir, 'typo.yaml'),
      'ports: { tokenService: 0, gateway: 0, gatewayAdmin: 0, orders: 0, teams: 0, webui: 0 }\ntokenService:\n  logging: { levle: info }\ngateway:\n  logging:\n    acessLog: true\n',
    );
    const typo = startTessera(['up', '--config', join(dir, 'typo.yaml'), '--data-dir', join(dir, 'state2')]);
    assert.equal(await typo.exited(), 3);
    assert.match(typo.output().stderr, /typo\.yaml:3: tokenService\.logging: Unrecognized key: "levle"/);
    assert.doesNotMatch(typo.output().stderr, /<object>/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
