import type { Command } from 'commander';
import { startJwksServer, publicJwks } from '../jwks-server.js';
import { note, out, parseJson, parsePort, readInput } from '../internal/io.js';
import { waitForSignal } from '../internal/wait-for-signal.js';

/**
 * Registers `tessera jwks serve`: a standalone JWKS server for a key set file.
 *
 * @example
 * ```sh
 * tessera jwks serve --file jwks.json            # http://127.0.0.1:7405/jwks
 * ```
 */
export function registerJwksCommands(program: Command): void {
  const jwks = program.command('jwks');
  jwks
    .command('serve')
    .description('serve a JWKS file over HTTP at /jwks (and /.well-known/jwks.json); SIGHUP reloads the file')
    .requiredOption('--file <path>', 'JWKS file (private members of asymmetric keys are not published)')
    // 7405: beside the token service's ports and clear of every port `tessera up` uses (the gateway
    // takes 8080), so the two run side by side.
    .option('--port <port>', 'port to listen on', parsePort, 7405)
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--max-age <seconds>', 'Cache-Control max-age of the response', (v) => Number(v), 300)
    .option('--allow-symmetric', 'publish oct (HMAC) keys too: anyone who reads them can forge tokens; demos only')
    .option('--json', 'print the listening URL as JSON')
    .action(
      async (options: {
        file: string;
        port: number;
        host: string;
        maxAge: number;
        allowSymmetric?: boolean;
        json?: boolean;
      }) => {
        const load = async () =>
          publicJwks(parseJson(await readInput(options.file, 'JWKS file'), options.file), options);
        const first = await load();
        if (first.stripped > 0)
          note(
            `tessera: ${first.stripped} key(s) in ${options.file} hold private members; only their public part is served`,
          );
        if (options.allowSymmetric && first.jwks.keys.some((k) => k.kty === 'oct'))
          note('tessera: WARNING: publishing symmetric (oct) keys; anyone who can reach this server can forge tokens');
        const server = await startJwksServer({
          jwks: first.jwks,
          host: options.host,
          port: options.port,
          maxAgeSeconds: options.maxAge,
          allowSymmetric: options.allowSymmetric ?? false,
        });
        const onHup = () => {
          load().then(
            (next) => {
              server.update(next.jwks);
              note(`tessera: reloaded ${options.file} (${next.jwks.keys.length} keys)`);
            },
            (error: Error) => note(`tessera: reload failed, still serving the previous set: ${error.message}`),
          );
        };
        process.on('SIGHUP', onHup);
        const stopped = waitForSignal(() => server.close());
        out(
          options.json
            ? JSON.stringify({ url: server.url, keys: first.jwks.keys.length })
            : `serving ${first.jwks.keys.length} key(s) at ${server.url}`,
        );
        await stopped;
        process.off('SIGHUP', onHup);
      },
    );
}
