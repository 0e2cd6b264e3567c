import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createGateway, loadGatewayConfig, type Gateway } from '@tessera/gateway';

/** A gateway started for one example, with its policies in a temporary folder. */
export interface ExampleGateway {
  readonly gateway: Gateway;
  /** Base URL of the first listener. */
  readonly url: string;
  /** Replaces the policy files (name → YAML text) and reloads; resolves once the new set is in force. */
  setPolicies(files: Readonly<Record<string, string>>): Promise<void>;
  close(): Promise<void>;
}

/**
 * Starts `@tessera/gateway` on 127.0.0.1 with the given configuration (as `gateway.yaml` would hold
 * it), quiet logs, the admin listener on a free port, and policy files written to a temporary
 * folder (`policies.sources`). Reloads are explicit (`setPolicies`), not file-watched.
 *
 * @example
 * ```ts
 * const gw = await startGateway({ routes: [{ name: 'teams', upstream }] }, { 'allow.yaml': yaml });
 * ```
 */
export async function startGateway(
  config: Record<string, unknown>,
  policies: Readonly<Record<string, string>>,
): Promise<ExampleGateway> {
  const dir = await mkdtemp(join(tmpdir(), 'tessera-example-gw-'));
  const write = async (files: Readonly<Record<string, string>>) => {
    await rm(join(dir, 'policies'), { recursive: true, force: true });
    await mkdirp(join(dir, 'policies'));
    for (const [name, text] of Object.entries(files)) await writeFile(join(dir, 'policies', name), text);
  };
  try {
    await write(policies);
    const gateway = createGateway(
      loadGatewayConfig({
        object: {
          listeners: [{ name: 'main', host: '127.0.0.1', port: 0 }],
          admin: { host: '127.0.0.1', port: 0 },
          logging: { level: 'silent', accessLog: false },
          ...config,
          policies: { sources: [join(dir, 'policies')], watch: false, ...(config['policies'] as object | undefined) },
        },
      }),
    );
    await gateway.listen();
    return {
      gateway,
      url: gateway.urls['main']!,
      async setPolicies(files) {
        await write(files);
        await gateway.reload();
      },
      async close() {
        await gateway.close();
        await rm(dir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}

async function mkdirp(path: string): Promise<void> {
  const { mkdir } = await import('node:fs/promises');
  await mkdir(path, { recursive: true });
}
