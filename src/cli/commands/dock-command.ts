// `harpoon dock` and its subcommands: flags and help only. The actions (commands/dock.ts, with
// the engine client) load when a subcommand runs, so `harpoon --help` stays quick.
import type { Command } from 'commander';
import { DockError } from '../docks/store.ts';
import type { AddFlags, LsFlags, PrintFlags } from './dock.ts';

type Actions = typeof import('./dock.ts');
/** One action of commands/dock.ts, imported when it is called. */
const load =
  <K extends 'dockAdd' | 'dockLs' | 'dockRm' | 'dockUse' | 'dockEnv'>(key: K) =>
  async (...args: Parameters<Actions[K]>): Promise<number> =>
    ((await import('./dock.ts'))[key] as (...a: Parameters<Actions[K]>) => Promise<number>)(...args);

export type Action = <A extends unknown[]>(
  name: string,
  fn: (...args: A) => Promise<number>,
) => (...args: A) => Promise<void>;

/** DockError → "harpoon dock X: message" and exit 1 (usage problems also point at --help). */
function reported<A extends unknown[]>(
  command: string,
  fn: (...args: A) => Promise<number>,
): (...args: A) => Promise<number> {
  return async (...args) => {
    try {
      return await fn(...args);
    } catch (err) {
      if (!(err instanceof DockError)) throw err;
      process.stderr.write(
        `harpoon ${command}: ${err.message}\n${err.usage ? `See 'harpoon ${command} --help'.\n` : ''}`,
      );
      return err.exitCode;
    }
  };
}

const DOCK_HELP = `
Docks are docker contexts in $DOCKER_CONFIG (default ~/.docker): \`docker --context NAME\` uses
harpoon's docks, and harpoon lists the contexts the docker CLI made. Engine selection follows the
docker CLI: --context, DOCKER_HOST, DOCKER_CONTEXT, then the current context (\`dock use\`).

--print-command (on every subcommand) prints the equivalent docker command lines on stdout and
changes nothing, as on build-image, run-image, transfer-image and publish-image; a missing dock
or a bad name or URL still exits 1.

Creating cloud machines is out of scope: start the machine and its engine yourself (or with your
cloud's tools), then \`harpoon dock add\` it.

Examples:
  harpoon dock add gpu1 ssh://me@gpu1.example.com
  harpoon dock add lab tcp://lab.example.com:2376 --tls-dir ~/certs/lab
  harpoon dock ls
  eval "$(harpoon dock env gpu1)"      # this shell only; undo: eval "$(harpoon dock env --unset)"
  harpoon dock use gpu1                # every shell (config.json currentContext); undo: dock use default`;

const ADD_HELP = `
URL:
  ssh://[user@]host[:port]   the engine over ssh (needs docker on the remote host; keys or agent, no password)
  tcp://host[:port]          with --tls-dir: TLS verified against ca.pem (default port 2376);
                             without: only to localhost/127.x/::1 (port 2375), or with --insecure
  unix:///path/docker.sock   a local engine
--tls-dir DIR holds ca.pem and, for a client certificate, cert.pem and key.pem (a DOCKER_CERT_PATH);
the files are copied into the context (key 0600), as \`docker context create\` does.`;

/** Define `harpoon dock` and its subcommands on `dock` (main.ts: `defineDock(program.command('dock'), action)`). */
export function defineDock(dock: Command, action: Action): void {
  const printCommand = '--print-command';
  const printHelp = 'print the equivalent docker command line and do nothing else';
  dock
    .description('manage docks: docker engines (ssh://, tcp:// with TLS, unix://) stored as docker contexts')
    .addHelpText('after', DOCK_HELP);
  helpWithoutSubcommand(dock);

  dock
    .command('add')
    .description('add a dock (a docker context) for an engine URL')
    .argument('<name>', 'dock name (as docker context names: [a-zA-Z0-9][a-zA-Z0-9_.+-]+, not "default")')
    .argument('<url>', 'ssh://[user@]host[:port], tcp://host[:port] (with --tls-dir) or unix:///path')
    .option('--tls-dir <dir>', 'directory with ca.pem (and cert.pem + key.pem) for a tcp:// engine')
    .option('--insecure', 'allow plain tcp:// (no TLS) to a host that is not loopback')
    .option('-f, --force', 'replace an existing context of that name')
    .option(printCommand, printHelp)
    .addHelpText('after', ADD_HELP)
    .action((name: string, url: string, opts: AddFlags) =>
      action('dock add', reported('dock add', load('dockAdd')))(name, url, opts),
    );

  dock
    .command('ls')
    .alias('list')
    .description('list docks (every docker context) with reachability and engine version; * marks the current one')
    .option('--json', 'print JSON: [{name, url, current, description, harpoon, tls, reachable, engineVersion, error}]')
    .option('--timeout <seconds>', 'how long to wait for each engine (default 3)')
    .option(printCommand, printHelp)
    .action((opts: LsFlags) => action('dock ls', reported('dock ls', load('dockLs')))(opts));

  dock
    .command('rm')
    .alias('remove')
    .description('remove docks (their docker contexts)')
    .argument('<name...>')
    .option('-f, --force', 'also remove the current context, or one harpoon did not make')
    .option(printCommand, printHelp)
    .action((names: string[], opts: PrintFlags & { force?: boolean }) =>
      action('dock rm', reported('dock rm', load('dockRm')))(names, opts),
    );

  dock
    .command('use')
    .description('make a dock the current context for harpoon and the docker CLI ("default" to go back)')
    .argument('<name>')
    .option(printCommand, printHelp)
    .action((name: string, opts: PrintFlags) => action('dock use', reported('dock use', load('dockUse')))(name, opts));

  dock
    .command('env')
    .description('print shell commands that point this shell at a dock: eval "$(harpoon dock env NAME)"')
    .argument('[name]')
    .option('-u, --unset', 'print the commands that undo it (DOCKER_HOST & co. unset, prompt restored)')
    .option('--shell <shell>', 'bash, zsh or sh (the same POSIX output; fish is not supported yet)')
    .option(printCommand, printHelp)
    .action((name: string | undefined, opts: PrintFlags & { unset?: boolean; shell?: string }) =>
      action('dock env', reported('dock env', load('dockEnv')))(name, opts),
    );
}

/** `harpoon dock` alone prints its help and exits 0, and an unknown subcommand exits 1, as `docker context` does. */
function helpWithoutSubcommand(command: Command): void {
  command.allowExcessArguments().action(function (this: Command) {
    if (this.args.length)
      this.error(`error: unknown command '${this.args[0]}'`, { code: 'commander.unknownCommand', exitCode: 1 });
    this.outputHelp();
  });
}
