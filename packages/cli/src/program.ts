import { readFileSync } from 'node:fs';
import { Command } from 'commander';
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

/** Registers a top-level command (or group) on the program; loaded only when it is needed. */
type Register = (program: Command) => void;

/**
 * The top-level commands, their one-line descriptions (for the root help and suggestions, without
 * loading them) and how to load them. A command's module imports what it needs (the servers, pg,
 * undici, ...): loading only the command that runs keeps `tessera --version` and `token decode`
 * fast; the descriptions are set from here whether a command is loaded or not.
 */
const COMMANDS: readonly { name: string; description: string; load: () => Promise<Register> }[] = [
  {
    name: 'keys',
    description: 'generate keys; withdraw a stolen signing key',
    load: async () => {
      const [{ registerKeysCommands }, { registerKeysWithdrawCommand }] = await Promise.all([
        import('./commands/keys-generate.js'),
        import('./commands/keys-withdraw.js'),
      ]);
      return (program) => {
        const keys = program.command('keys');
        registerKeysCommands(keys);
        registerKeysWithdrawCommand(keys);
      };
    },
  },
  {
    name: 'client',
    description: "rotate a client's secret with an overlap at a token service",
    load: async () => (await import('./commands/client-secrets.js')).registerClientCommands,
  },
  {
    name: 'token',
    description: 'sign, decode, verify and obtain tokens',
    load: async () => {
      const [local, verify, remote] = await Promise.all([
        import('./commands/token-local.js'),
        import('./commands/token-verify.js'),
        import('./commands/token-remote.js'),
      ]);
      return (program) => {
        const token = program.command('token');
        local.registerTokenLocalCommands(token);
        verify.registerTokenVerifyCommand(token);
        remote.registerTokenRemoteCommands(token);
      };
    },
  },
  {
    name: 'jwks',
    description: 'JWK Set tools',
    load: async () => (await import('./commands/jwks-serve.js')).registerJwksCommands,
  },
  {
    name: 'policy',
    description: 'lint Istio RequestAuthentication / AuthorizationPolicy files and ask what they decide',
    load: async () => (await import('./commands/policy.js')).registerPolicyCommands,
  },
  {
    name: 'token-service',
    description:
      'run the token service (OAuth 2.0 for workloads: client_credentials, token exchange, JWKS, introspection, revocation, admin API)',
    load: async () => (await import('./commands/token-service.js')).registerTokenServiceCommand,
  },
  {
    name: 'gateway',
    description:
      'run the JWT-enforcing gateway (reverse proxy, Istio policies, decision API) from a YAML configuration',
    load: async () => (await import('./commands/gateway.js')).registerGatewayCommand,
  },
  {
    name: 'hash-secret',
    description:
      'hash a client secret or password for secretHash / passwordHash; reads it from stdin, or prompts without echo',
    load: async () => (await import('./commands/hash-secret.js')).registerHashSecretCommand,
  },
  {
    name: 'health',
    description:
      "GET a health endpoint and exit 0 if it answers 2xx (the container image's HEALTHCHECK; no curl needed)",
    load: async () => (await import('./commands/health.js')).registerHealthCommand,
  },
  {
    name: 'up',
    description:
      'start everything on this machine: token service, gateway and example services, with clients and keys kept in ./.tessera; Ctrl-C stops it all',
    load: async () => (await import('./commands/up.js')).registerUpCommand,
  },
  {
    name: 'demo',
    description:
      'run every example scenario of the brief and print what each call was expected to do and what it did; exit 1 if any differs',
    load: async () => (await import('./commands/demo.js')).registerDemoCommand,
  },
  {
    name: 'completion',
    description: 'print a shell completion script: source <(tessera completion bash), or zsh',
    load: async () => (await import('./commands/completion.js')).registerCompletionCommand,
  },
];

/** The top-level command `argv` runs (`node tessera <command> ...`), if it names one. */
function invoked(argv: readonly string[]): string | undefined {
  const words = argv.slice(2).filter((a) => !a.startsWith('-'));
  // `tessera help up` shows up's own help: load the command it names.
  const name = words[0] === 'help' ? words[1] : words[0];
  return COMMANDS.some((c) => c.name === name) ? name : undefined;
}

/**
 * Builds the `tessera` command tree (commander 14). With `argv`, only the command it runs is
 * loaded (the others are listed by name and description); without it, or for `completion`, which
 * describes the whole tree, every command is. Usage errors are printed as one line with
 * `ERR_CLI_USAGE` and thrown as `CommanderError` (exit code 2 in {@link runCli}).
 *
 * @example
 * ```ts
 * const program = await createProgram(process.argv);
 * await program.parseAsync(process.argv);
 * ```
 */
export async function createProgram(argv?: readonly string[]): Promise<Command> {
  const program = new Command('tessera');
  program
    .description('Tessera: secure service-to-service calls with JWTs (token service, gateway, keys, tokens, policies)')
    .version(version, '-V, --version')
    .exitOverride()
    .configureOutput({ outputError: (text, write) => write(`${formatUsageError(text)}\n`) });
  const wanted = argv === undefined ? undefined : invoked(argv);
  const all = argv === undefined || wanted === 'completion';
  const loaded = await Promise.all(COMMANDS.map(async (c) => (all || c.name === wanted ? await c.load() : undefined)));
  // Subcommands inherit exitOverride and output settings from the parent (created after them).
  // The table holds each top-level description, so a command reads the same loaded or not.
  COMMANDS.forEach((c, i) => {
    const register = loaded[i];
    if (register === undefined) program.command(c.name).description(c.description);
    else {
      register(program);
      program.commands.find((command) => command.name() === c.name)!.description(c.description);
    }
  });
  return program;
}
