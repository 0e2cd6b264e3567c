import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { registerJwksCommands } from './commands/jwks-serve.js';
import { registerTokenRemoteCommands } from './commands/token-remote.js';
import { registerTokenLocalCommands } from './commands/token-local.js';
import { registerKeysCommands } from './commands/keys-generate.js';
import { registerKeysWithdrawCommand } from './commands/keys-withdraw.js';
import { registerTokenVerifyCommand } from './commands/token-verify.js';
import { registerGatewayCommand } from './commands/gateway.js';
import { registerDemoCommand } from './commands/demo.js';
import { registerPolicyCommands } from './commands/policy.js';
import { registerTokenServiceCommand } from './commands/token-service.js';
import { registerUpCommand } from './commands/up.js';
import { registerHashSecretCommand } from './commands/hash-secret.js';
import { registerCompletionCommand } from './commands/completion.js';

const version = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string })
  .version;

/**
 * Turns commander's error text into the one line docs/cli.md promises,
 * `tessera: ERR_CLI_USAGE: what happened (what to do next)`. Commander puts its suggestion on a
 * second line (`(Did you mean token?)`); it is the best "what to do next", so it becomes the hint.
 *
 * @example
 * ```ts
 * formatUsageError("error: unknown command 'tokne'\n(Did you mean token?)");
 * // "tessera: ERR_CLI_USAGE: unknown command 'tokne' (did you mean token?)"
 * ```
 */
function formatUsageError(text: string): string {
  const message = text.replace(/^error: /, '').trim();
  const suggestion = /\s*\(Did you mean (.+?)\?\)\s*$/.exec(message);
  const what = (suggestion ? message.slice(0, suggestion.index) : message).replace(/\s*\n\s*/g, ' ');
  const hint = suggestion ? `did you mean ${suggestion[1]}?` : 'run with --help for usage';
  return `tessera: ERR_CLI_USAGE: ${what} (${hint})`;
}

/**
 * Builds the `tessera` command tree (commander 14). Usage errors are printed as one line with
 * `ERR_CLI_USAGE` and thrown as `CommanderError` (exit code 2 in {@link runCli}).
 *
 * @example
 * ```ts
 * await createProgram().parseAsync(['node', 'tessera', 'keys', 'generate', '--alg', 'ES256']);
 * ```
 */
export function createProgram(): Command {
  const program = new Command('tessera');
  program
    .description('Tessera: secure service-to-service calls with JWTs (token service, gateway, keys, tokens, policies)')
    .version(version, '-V, --version')
    .exitOverride()
    .configureOutput({ outputError: (text, write) => write(`${formatUsageError(text)}\n`) });
  // Subcommands inherit exitOverride and output settings from the parent (created after them).
  const keys = program.command('keys').description('generate keys; withdraw a stolen signing key');
  registerKeysCommands(keys);
  registerKeysWithdrawCommand(keys);
  const token = program.command('token').description('sign, decode, verify and obtain tokens');
  registerTokenLocalCommands(token);
  registerTokenVerifyCommand(token);
  registerTokenRemoteCommands(token);
  registerJwksCommands(program);
  registerPolicyCommands(program);
  registerTokenServiceCommand(program);
  registerGatewayCommand(program);
  registerHashSecretCommand(program);
  registerUpCommand(program);
  registerDemoCommand(program);
  registerCompletionCommand(program);
  return program;
}
