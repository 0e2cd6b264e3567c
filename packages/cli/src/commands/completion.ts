import type { Command } from 'commander';
import { cliErrors } from '../errors.js';
import { out } from '../internal/io.js';

/** Every command path of the tree (`""`, `" token"`, `" token sign"`) with the words that may follow it. */
function completionTable(root: Command): [path: string, words: string[]][] {
  const rows: [string, string[]][] = [];
  const walk = (command: Command, path: string) => {
    const words = [
      ...command.commands.map((c) => c.name()),
      ...command.options.flatMap((o) => [o.long, o.short].filter((f): f is string => f !== undefined)),
      '--help',
    ];
    rows.push([path, words]);
    for (const child of command.commands) walk(child, `${path} ${child.name()}`);
  };
  walk(root, '');
  return rows;
}

/**
 * The bash completion script, generated from the command tree so it never falls behind it: the
 * words that follow the subcommands typed so far (options and file names otherwise).
 */
function bashScript(root: Command): string {
  const rows = completionTable(root);
  const known = rows.filter(([path]) => path !== '').map(([path]) => `"${path}"`);
  const cases = rows.map(([path, words]) => `    "${path}") words="${words.join(' ')}" ;;`).join('\n');
  return `# tessera completion for bash: source it, or put it in ~/.local/share/bash-completion/completions/tessera
_tessera() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" path="" word i words=""
  for ((i = 1; i < COMP_CWORD; i++)); do
    word="\${COMP_WORDS[i]}"
    case "$path $word" in
      ${known.join('|')}) path="$path $word" ;;
    esac
  done
  case "$path" in
${cases}
  esac
  COMPREPLY=($(compgen -W "$words" -- "$cur"))
}
complete -o default -F _tessera tessera
`;
}

/** zsh runs the bash function through its bash compatibility layer (bashcompinit). */
function zshScript(root: Command): string {
  return `# tessera completion for zsh: source it from ~/.zshrc
autoload -U +X compinit && compinit
autoload -U +X bashcompinit && bashcompinit
${bashScript(root).replace(/^# .*\n/, '')}`;
}

/**
 * Registers `tessera completion bash|zsh`: prints a completion script for the shell.
 *
 * @example
 * ```sh
 * source <(tessera completion bash)
 * ```
 */
export function registerCompletionCommand(program: Command): void {
  program
    .command('completion')
    .argument('<shell>', 'bash or zsh')
    .action((shell: string) => {
      if (shell === 'bash') out(bashScript(program));
      else if (shell === 'zsh') out(zshScript(program));
      else throw cliErrors.create('ERR_CLI_USAGE', `no completion for ${JSON.stringify(shell)}: bash or zsh`);
    });
}
