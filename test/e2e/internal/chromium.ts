// Debian's Chromium, driven by Playwright (playwright-core: no browser download), for every
// browser test. The flags are the ones this project's machines need: no sandbox (tests run as
// root in containers), no GPU, and nothing that reaches for the network on its own (the machines
// have no internet, and Chromium's background fetches would fail, many at a time).
import { existsSync, mkdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
/**
 * Saves a screenshot of `page` as `name` in .test-output/screenshots/ (and, with
 * TESSERA_UPDATE_SCREENSHOTS=1, in the documentation's folder: `docs/images` unless `docs` names
 * another, such as `docs/console`).
 *
 * @example
 * ```ts
 * await screenshot(page, 'account-page.png');
 * await screenshot(page, 'keys.png', { docs: 'docs/console' });
 * ```
 */
export async function screenshot(page: Page, name: string, options: { docs?: string } = {}): Promise<void> {
  const dirs = [
    join(root, '.test-output', 'screenshots'),
    ...(process.env['TESSERA_UPDATE_SCREENSHOTS'] === '1' ? [join(root, options.docs ?? 'docs/images')] : []),
  ];
  for (const dir of dirs) {
    mkdirSync(dir, { recursive: true });
    await page.screenshot({ path: join(dir, name), fullPage: true });
  }
}

/** Where Debian's `chromium` package puts the browser (`.ci/run` installs it when missing). */
export const CHROMIUM_PATH = process.env['TESSERA_TEST_CHROMIUM'] ?? '/usr/bin/chromium';

/** Why browser tests cannot run here, or undefined when they can (for `test(..., { skip })`). */
export function chromiumMissing(): string | undefined {
  return existsSync(CHROMIUM_PATH)
    ? undefined
    : `no Chromium at ${CHROMIUM_PATH}: install Debian's chromium package (.ci/run does)`;
}

/** A headless Chromium with a fresh profile; `close()` ends it and deletes the profile. */
export interface TestBrowser {
  readonly context: BrowserContext;
  close(): Promise<void>;
}

/**
 * Starts headless Chromium with a new, empty `--user-data-dir`.
 *
 * @example
 * ```ts
 * const browser = await launchChromium();
 * const page = await browser.context.newPage();
 * await page.goto(url);
 * await browser.close();
 * ```
 */
export async function launchChromium(
  options: { viewport?: { width: number; height: number } } = {},
): Promise<TestBrowser> {
  const profile = await mkdtemp(join(tmpdir(), 'tessera-chromium-'));
  try {
    const context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM_PATH,
      headless: true,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
      viewport: options.viewport ?? { width: 900, height: 700 },
    });
    return {
      context,
      async close() {
        await context.close();
        await rm(profile, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await rm(profile, { recursive: true, force: true });
    throw error;
  }
}
