import type { Command } from 'commander';
import { hashSecret } from '@tessera/token-service';
import { cliErrors } from '../errors.js';
import { note, out } from '../internal/io.js';

/** Reads the whole of stdin (a pipe or a file) and drops the one line ending `echo` or an editor adds. */
async function readPipedSecret(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
}

/** Prompts on stderr and reads one line from the terminal without echoing it. */
function promptHidden(prompt: string): Promise<string> {
  const stdin = process.stdin;
  return new Promise((resolve, reject) => {
    let typed = '';
    const finish = (error?: Error) => {
      stdin.off('data', onData);
      stdin.setRawMode(false);
      stdin.pause();
      process.stderr.write('\n');
      if (error) reject(error);
      else resolve(typed);
    };
    const onData = (data: Buffer) => {
      for (const char of data.toString('utf8')) {
        if (char === '\r' || char === '\n') return finish();
        // Ctrl-C and Ctrl-D: raw mode turns off the terminal's own handling, so stop by hand.
        if (char === '\u0003' || char === '\u0004')
          return finish(cliErrors.create('ERR_CLI_USAGE', 'cancelled: no secret was hashed'));
        if (char === '\u007f' || char === '\b') typed = typed.slice(0, -1);
        else typed += char;
      }
    };
    process.stderr.write(prompt);
    stdin.setRawMode(true);
    stdin.resume();
    stdin.on('data', onData);
  });
}

/** The secret from stdin, or from a prompt typed twice on a terminal (a typo would lock the client out). */
async function readSecret(): Promise<string> {
  if (!process.stdin.isTTY) return readPipedSecret();
  const first = await promptHidden('secret: ');
  const again = await promptHidden('again: ');
  if (first !== again) throw cliErrors.create('ERR_CLI_USAGE', 'the two secrets differ: nothing was hashed');
  return first;
}

/**
 * Registers `tessera hash-secret`: hashes a client secret or password with scrypt into the
 * `scrypt$N$r$p$salt$hash` string the token service takes as `clients[].secretHash` and
 * `grants.password.users[].passwordHash`. The secret comes from stdin, or from a prompt without
 * echo on a terminal, never from an argument: arguments stay in the shell history and are visible
 * to every user in `ps`.
 *
 * @example
 * ```sh
 * printf %s "$CLIENT_SECRET" | tessera hash-secret
 * tessera hash-secret            # on a terminal: prompts twice, without echo
 * ```
 */
export function registerHashSecretCommand(program: Command): void {
  program
    .command('hash-secret')
    .option('--json', 'print { secretHash }')
    // Accept arguments only to refuse them with a clear reason (and without repeating them).
    .allowExcessArguments(true)
    .action(async (options: { json?: boolean }, command: Command) => {
      if (command.args.length > 0)
        throw cliErrors.create(
          'ERR_CLI_USAGE',
          'hash-secret takes no arguments: the secret never goes on the command line',
          {
            details: {
              hint: 'pipe it on stdin, e.g. printf %s "$SECRET" | tessera hash-secret, or run it on a terminal to be prompted',
            },
          },
        );
      const secret = await readSecret();
      if (secret === '')
        throw cliErrors.create('ERR_CLI_USAGE', 'empty secret: nothing was hashed', {
          details: { hint: 'pipe the secret on stdin or type it at the prompt' },
        });
      const secretHash = await hashSecret(secret);
      if (options.json) out(JSON.stringify({ secretHash }));
      else out(secretHash);
      if (process.stdin.isTTY) note('put it in the configuration as clients[].secretHash or users[].passwordHash');
    });
}
