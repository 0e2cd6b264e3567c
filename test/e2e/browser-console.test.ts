// The web console in Debian's Chromium (issue "The web console"), against a real token service and
// a gateway that reports its decisions to it: an admin logs in through the token service's own
// login; rotates a key and sees the timeline change; creates a client and uses it with
// `tessera token get`; rotates its secret with an overlap and sees the old one refused after the
// date; pastes a tampered token and sees the failed check; fills the JWT policy form and gets YAML
// `tessera policy lint` accepts; simulates the brief's mesh steps and gets `tessera policy check`'s
// decisions; watches live decisions appear while traffic goes through the gateway; reads the audit
// log. A viewer is then refused a change by the API. Every page is photographed into
// docs/console/ (TESSERA_UPDATE_SCREENSHOTS=1), at 1280×800, and once narrow and dark.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import type { Page } from 'playwright-core';
import pino from 'pino';
import { request } from 'undici';
import { createGateway, loadGatewayConfig, type Gateway } from '@tessera/gateway';
import { createTokenService, loadConfig, type TokenService } from '@tessera/token-service';
import { runTessera } from '../../packages/cli/test/run-cli.js';
import { chromiumMissing, launchChromium, screenshot } from './internal/chromium.js';
import { clientCredentialsToken, echoUpstream, writeOrdersPolicies } from './internal/orders-stack.js';

const silent = pino({ level: 'silent' });
const OPS = { username: 'ops', password: 'ops-password-1234' };
const WATCH = { username: 'watch', password: 'watch-password-1234' };
const WEBUI = { id: 'webui', secret: 'webui-secret-0123456789' };
const BATCH = { id: 'batch', secret: 'batch-secret-0123456789' };
const GATEWAY = { id: 'gateway', secret: 'gateway-secret-0123456789' };
const MESH = fileURLToPath(new URL('../../examples/07-mesh-policies/policies/', import.meta.url));
const DOCS = { docs: 'docs/console' };

/** The token service (its clock can be moved on), a gateway reporting to it, and its upstream. */
interface Stack {
  readonly ts: TokenService;
  readonly url: string;
  readonly gateway: Gateway;
  /** Moves the token service's clock on by `ms` (to pass a secret's end date). */
  advance(ms: number): void;
  close(): Promise<void>;
}

async function startStack(dir: string): Promise<Stack> {
  let skew = 0;
  const ts = createTokenService(
    loadConfig({
      object: {
        server: { host: '127.0.0.1', port: 0 },
        storage: { type: 'file', dataDir: join(dir, 'data') },
        rateLimit: { enabled: false },
        users: [
          { id: 'u-ops', ...OPS, name: 'Olive Ops', roles: ['tessera:admin'] },
          { id: 'u-watch', ...WATCH, name: 'Walt Watch', roles: ['tessera:viewer'] },
        ],
        clients: [
          { id: WEBUI.id, secret: WEBUI.secret, audiences: ['orders'] },
          { id: BATCH.id, secret: BATCH.secret, audiences: ['orders'] },
          { id: GATEWAY.id, secret: GATEWAY.secret, reportDecisions: true },
        ],
      },
    }),
    { logger: silent, clock: () => Date.now() + skew },
  );
  const url = await ts.listen();
  const upstream = await echoUpstream();
  const policies = writeOrdersPolicies(dir, ts.issuer, url, `${ts.issuer}/webui`);
  const gateway = createGateway(
    loadGatewayConfig({
      object: {
        listeners: [{ port: 0 }],
        admin: { enabled: false },
        routes: [{ name: 'orders', pathPrefix: '/orders', upstream: upstream.url, labels: { app: 'orders' } }],
        policies: { sources: [policies], watch: false },
        tokenService: {
          url,
          clientId: GATEWAY.id,
          clientSecret: GATEWAY.secret,
          checkRevocations: false,
          decisions: { enabled: true, gatewayId: 'edge-gateway', intervalMs: 200 },
        },
      },
    }),
    { logger: silent },
  );
  await gateway.listen();
  return {
    ts,
    url,
    gateway,
    advance: (ms) => (skew += ms),
    async close() {
      await gateway.close();
      await upstream.close();
      await ts.close();
    },
  };
}

/** Signs in on the token service's login page (the console sent the browser there) and waits for the console. */
async function signIn(page: Page, url: string, who: { username: string; password: string }): Promise<void> {
  await page.goto(`${url}/console/`);
  await page.waitForURL(/\/authorize\?/);
  await page.fill('#username', who.username);
  await page.fill('#password', who.password);
  await page.click('form[action="/login"] button[type="submit"]');
  await page.waitForURL(`${url}/console/`);
  await page.getByRole('heading', { name: 'Overview', level: 1 }).waitFor();
}

/** Opens a console page from the navigation. */
async function open(page: Page, name: string): Promise<void> {
  await page.getByRole('navigation', { name: 'Console' }).getByRole('link', { name, exact: true }).click();
  await page.getByRole('heading', { level: 1 }).first().waitFor();
}

/** `tessera token get` for a client: its exit code and token. */
async function tokenGet(url: string, clientId: string, secret: string) {
  return runTessera(['token', 'get', '--url', url, '--client-id', clientId, '--audience', 'orders'], {
    env: { TESSERA_CLIENT_SECRET: secret },
  });
}

/** A `datetime-local` value in the browser's (this machine's) time zone. */
function localInput(ms: number): string {
  const d = new Date(ms);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`;
}

/** The console's JavaScript and CSS as served, gzipped (the budget: JS ≤ 120 KB). */
function bundleSizes(): { js: number; css: number } {
  const assets = fileURLToPath(new URL('../../packages/token-service/console/assets/', import.meta.url));
  const size = (ext: string) =>
    readdirSync(assets)
      .filter((f) => f.endsWith(ext))
      .reduce((sum, f) => sum + gzipSync(readFileSync(join(assets, f)), { level: 9 }).length, 0);
  return { js: size('.js'), css: size('.css') };
}

test(
  'the console in Chromium: keys, clients with a rotated secret, the token debugger, the policy form and simulator, live decisions, the audit log, a viewer refused',
  { skip: chromiumMissing(), timeout: 150_000 },
  async (t: TestContext) => {
    const dir = mkdtempSync(join(tmpdir(), 'tessera-e2e-console-'));
    const stack = await startStack(dir);
    const browser = await launchChromium({ viewport: { width: 1280, height: 800 } });
    const { url } = stack;
    try {
      const page = await browser.context.newPage();
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));

      // Log in as the admin; then, on a fresh load of the overview, the Largest Contentful Paint.
      const started = performance.now();
      await signIn(page, url, OPS);
      t.diagnostic(`login to the console: ${Math.round(performance.now() - started)} ms`);
      await page.goto(`${url}/console/`);
      await page.getByRole('heading', { name: 'Overview', level: 1 }).waitFor();
      const lcp = await page.evaluate(
        () =>
          new Promise<number>((resolve) => {
            new PerformanceObserver((list) => {
              const entries = list.getEntries();
              resolve(entries[entries.length - 1]!.startTime);
            }).observe({ type: 'largest-contentful-paint', buffered: true });
          }),
      );
      const { js, css } = bundleSizes();
      t.diagnostic(
        `LCP of the overview (loopback): ${Math.round(lcp)} ms (budget 1000); JavaScript ${(js / 1024).toFixed(1)} KB gzipped (budget 120), CSS ${(css / 1024).toFixed(1)} KB`,
      );
      // The keyboard: the first Tab reaches the skip link, which leads to the page; the navigation follows.
      await page.keyboard.press('Tab');
      assert.equal(await page.evaluate(() => document.activeElement?.textContent), 'Skip to the page');
      await page.keyboard.press('Enter');
      assert.equal(await page.evaluate(() => document.activeElement?.id), 'main');
      const timeline = page.locator('svg[aria-label^="Key ring timeline"]');
      await timeline.waitFor();
      const ringBefore = await timeline.getAttribute('aria-label');
      await page.getByText('Tokens per minute').waitFor();
      await screenshot(page, 'overview.png', DOCS);

      // Keys: rotate now, confirmed in a dialog; a next key appears in the table and on the timeline.
      await open(page, 'Keys');
      await page.getByRole('button', { name: 'Rotate now' }).click();
      const dialog = page.getByRole('dialog', { name: 'Rotate the signing key' });
      await dialog.getByRole('button', { name: 'Rotate', exact: true }).click();
      await page
        .getByRole('status')
        .filter({ hasText: /published; it signs from/ })
        .waitFor();
      const nextKid = (await page
        .locator('tr', { has: page.locator('.state.next') })
        .locator('code')
        .first()
        .textContent())!;
      await screenshot(page, 'keys.png', DOCS);
      await open(page, 'Overview');
      await page.locator(`svg[aria-label*="${nextKid} next"]`).waitFor();
      assert.notEqual(await timeline.getAttribute('aria-label'), ringBefore, 'the timeline changed');

      // Clients: create one, use it with the CLI; rotate its secret with a short overlap.
      await open(page, 'Clients');
      await page.getByRole('button', { name: 'New client' }).click();
      await page.getByLabel('Client ID', { exact: true }).fill('reports');
      await page.getByLabel('Audiences', { exact: true }).fill('orders');
      await page.getByRole('button', { name: 'Create client' }).click();
      const firstSecret = await page.locator('.cu-once .secret').inputValue();
      assert.ok(firstSecret.length >= 32);
      const got = await tokenGet(url, 'reports', firstSecret);
      assert.equal(got.code, 0, got.stderr);
      assert.match(got.stdout.trim(), /^eyJ[\w-]+\.[\w-]+\.[\w-]+$/);
      await page.getByRole('button', { name: 'Open reports' }).click();
      // The old secret works three minutes more (the input's precision is a minute).
      const until = Math.ceil((Date.now() + 120_000) / 60_000) * 60_000;
      await page.getByLabel('The secrets in use stop at').fill(localInput(until));
      await page.getByRole('button', { name: 'Rotate secret…' }).click();
      await page.getByRole('dialog').getByRole('button', { name: 'Rotate', exact: true }).click();
      const secondSecret = await page.locator('.cu-once .secret').inputValue();
      assert.notEqual(secondSecret, firstSecret);
      await screenshot(page, 'client-secret-rotation.png', DOCS);
      assert.equal((await tokenGet(url, 'reports', firstSecret)).code, 0, 'the old secret works until the date');
      assert.equal((await tokenGet(url, 'reports', secondSecret)).code, 0, 'the new one at once');
      await open(page, 'Clients');
      await page.locator('tbody tr', { hasText: 'reports' }).first().waitFor();
      await screenshot(page, 'clients.png', DOCS);

      await open(page, 'Users');
      await page.locator('tbody tr', { hasText: 'watch' }).first().waitFor();
      await screenshot(page, 'users.png', DOCS);

      // The token debugger: a token whose payload was changed fails the signature check.
      const token = await clientCredentialsToken(url, WEBUI.id, WEBUI.secret, 'orders');
      const [h, p, s] = token.split('.') as [string, string, string];
      const payload = JSON.parse(Buffer.from(p, 'base64url').toString()) as Record<string, unknown>;
      const tampered = `${h}.${Buffer.from(JSON.stringify({ ...payload, sub: 'admin' })).toString('base64url')}.${s}`;
      await open(page, 'Token debugger');
      await page.getByRole('textbox', { name: 'Token', exact: true }).fill(tampered);
      await page.getByRole('button', { name: 'Inspect', exact: true }).click();
      const signatureRow = page.locator('tr', { hasText: /signature/i }).first();
      await signatureRow.locator('.state').filter({ hasText: 'failed' }).waitFor();
      await screenshot(page, 'token-debugger.png', DOCS);

      // The JWT policy form (seed 001): its YAML passes `tessera policy lint`.
      await open(page, 'JWT policy');
      await page.getByLabel('Issuer', { exact: true }).fill(stack.ts.issuer);
      await page.getByLabel('JWKS address', { exact: true }).fill(`${url}/.well-known/jwks.json`);
      await page.getByLabel('Audiences', { exact: true }).fill('orders');
      await page.getByLabel('Route labels', { exact: true }).fill('app=orders');
      await page.getByRole('button', { name: 'Add a claim header' }).click();
      await page.getByLabel('Header 1', { exact: true }).fill('x-user');
      await page.getByLabel('Claim 1', { exact: true }).fill('sub');
      const yaml = await page.locator('.policy-preview textarea').inputValue();
      assert.match(yaml, /kind: "?RequestAuthentication"?/);
      assert.match(yaml, /outputClaimToHeaders:\s+- header: "x-user"\s+claim: "sub"/);
      const policyFile = join(dir, 'jwt-policy.yaml');
      writeFileSync(policyFile, yaml);
      const linted = await runTessera(['policy', 'lint', policyFile]);
      assert.equal(linted.code, 0, `${linted.stdout}${linted.stderr}\n${yaml}`);
      await screenshot(page, 'jwt-policy.png', DOCS);

      // The policy simulator: the brief's mesh steps 1-3, the same decisions as `tessera policy check`.
      const steps = ['1-allow-nothing.yaml', '2-allow-ingress-gateway.yaml', '3-allow-webui-to-backend.yaml'];
      await open(page, 'Policy simulator');
      await page.getByLabel('Istio YAML').fill(steps.map((f) => readFileSync(join(MESH, f), 'utf8')).join('\n---\n'));
      await page.getByLabel('Path', { exact: true }).fill('/data');
      await page.getByLabel('Route labels', { exact: true }).fill('app=backend-api');
      const peers = {
        'cluster.local/ns/default/sa/webui': 200,
        'cluster.local/ns/istio-system/sa/istio-ingressgateway-service-account': 403,
      };
      for (const [peer, expected] of Object.entries(peers)) {
        await page.getByLabel('Peer principal', { exact: true }).fill(peer);
        await page.getByRole('button', { name: 'Simulate', exact: true }).click();
        await page
          .locator('.sim-verdict')
          .filter({ hasText: String(expected) })
          .waitFor();
        const cli = await runTessera([
          'policy',
          'check',
          '--json',
          ...steps.flatMap((f) => ['--policies', join(MESH, f)]),
          ...['--path', '/data', '--label', 'app=backend-api', '--peer-principal', peer],
        ]);
        const decision = (JSON.parse(cli.stdout) as { decision: { status: number } }).decision;
        assert.equal(decision.status, expected, `tessera policy check for ${peer}`);
      }
      await screenshot(page, 'simulator.png', DOCS);

      // Live decisions: traffic through the gateway appears as it happens, and in the service graph.
      await open(page, 'Live decisions');
      await page.getByText(/^Live: /).waitFor();
      const batch = await clientCredentialsToken(url, BATCH.id, BATCH.secret, 'orders');
      for (const [bearer, status] of [
        [token, 200],
        [batch, 403],
        [token, 200],
      ] as const) {
        const res = await request(`${stack.gateway.urls.main}/orders/1`, {
          headers: { authorization: `Bearer ${bearer}` },
        });
        await res.body.dump();
        assert.equal(res.statusCode, status);
      }
      await page
        .locator('tbody tr', { has: page.locator('.state.allow') })
        .first()
        .waitFor();
      await page
        .locator('tbody tr', { has: page.locator('.state.deny') })
        .first()
        .waitFor();
      await page.locator('svg path.edge.denied').waitFor();
      await page.locator('svg path.edge.allowed').waitFor();
      assert.equal(await page.getByText(token.slice(-20)).count(), 0, 'no token on the page');
      await screenshot(page, 'decisions.png', DOCS);

      // The audit log names the person for each change.
      await open(page, 'Audit log');
      await page.locator('tr', { hasText: 'client.secret.rotated' }).filter({ hasText: 'u-ops' }).waitFor();
      await screenshot(page, 'audit.png', DOCS);

      // After the date (the token service's clock moved on: last, since its tokens would now be
      // "issued in the future" to the gateway), the old secret is refused and the new one works.
      stack.advance(until - Date.now() + 60_000);
      const refused = await tokenGet(url, 'reports', firstSecret);
      assert.notEqual(refused.code, 0, 'the old secret is refused after the date');
      assert.match(refused.stderr, /invalid_client/);
      assert.equal((await tokenGet(url, 'reports', secondSecret)).code, 0);

      // Narrow and dark.
      await page.setViewportSize({ width: 390, height: 844 });
      await page.emulateMedia({ colorScheme: 'dark' });
      await open(page, 'Overview');
      await timeline.waitFor();
      await screenshot(page, 'overview-narrow-dark.png', DOCS);
      await page.setViewportSize({ width: 1280, height: 800 });
      await page.emulateMedia({ colorScheme: 'light' });

      // Sign out; a viewer signs in: the change buttons are disabled, and the API refuses the change.
      await page.getByRole('button', { name: 'Sign out' }).click();
      await page.waitForURL(/\/authorize\?/);
      await signIn(page, url, WATCH);
      await open(page, 'Keys');
      assert.equal(await page.getByRole('button', { name: 'Rotate now' }).isDisabled(), true);
      const refusal = await page.evaluate(async () => {
        const me = (await (await fetch('/admin/whoami')).json()) as { csrf: string; role: string };
        const res = await fetch('/admin/keys/rotate', {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-tessera-csrf': me.csrf },
          body: '{}',
        });
        return { role: me.role, status: res.status, code: ((await res.json()) as { code: string }).code };
      });
      assert.deepEqual(refusal, { role: 'viewer', status: 403, code: 'ERR_ADMIN_FORBIDDEN' });
      await screenshot(page, 'keys-viewer.png', DOCS);
      assert.deepEqual(errors, [], 'no script errors on any page');
    } finally {
      await browser.close();
      await stack.close();
      rmSync(dir, { recursive: true, force: true });
    }
  },
);
