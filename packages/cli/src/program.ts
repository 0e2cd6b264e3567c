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

const version = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string })
  .version;

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
    .configureOutput({
      outputError: (text, write) =>
        write(`tessera: ERR_CLI_USAGE: ${text.replace(/^error: /, '').trim()} (run with --help for usage)\n`),
    });
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
  registerUpCommand(program);
  registerDemoCommand(program);
  return program;
}
