// `harpoon unit list|run|help`: flags and help only. The actions (commands/unit.ts, with the
// orchestrator and the engine client) load when a subcommand runs, so `harpoon --help` stays quick.
import type { Command } from 'commander';
import type { GlobalFlags } from '../connect.ts';

const collect = (value: string, previous: string[] | undefined) => [...(previous ?? []), value];
type Actions = typeof import('./unit.ts');
/** One action of commands/unit.ts, imported when it is called. */
const load =
  <K extends 'unitList' | 'unitRun' | 'unitHelp'>(key: K) =>
  async (...args: Parameters<Actions[K]>): Promise<number> =>
    ((await import('./unit.ts'))[key] as (...a: Parameters<Actions[K]>) => Promise<number>)(...args);

export const UNIT_HELP = `
A unit is a named set of containers plus ordered commands, in a config directory:
  units/<unit>/<command>.yaml   two YAML documents: the containers, then the orders
  environments/<name>.yaml      values for {{VAR}} in unit files (-E NAME; default "default")
The config directory: -c/--conf DIR (after the unit command: harpoon unit run -c DIR ...), else $HARPOON_CONF, else ~/.harpoon, else /etc/harpoon.
Commands not written out are derived from start.yaml: build create stop cleanup purge backup
restore restart test (test:check runs the containers' checks).
Output of run: a line per order as it starts and ends on stderr; check results and a summary on
stdout. --json: JSON lines on stderr, one JSON document on stdout. Secrets ({{VAR}} names with
PASSWORD, SECRET, TOKEN, KEY or CREDENTIAL) are printed as ****.
Exit: 0; 1 when an order or check failed (no later order starts); 125 for a config, usage or
engine error before any order; 130/143 on ctrl-C/SIGTERM (running orders are stopped).

Examples:
  harpoon unit list
  harpoon unit run site/start --dry-run
  harpoon unit run site/test:check --junit checks.xml
  harpoon unit run site/backup && harpoon unit run site/purge && harpoon unit run site/start && harpoon unit run site/restore`;

type Action = <A extends unknown[]>(name: string, fn: (...args: A) => Promise<number>) => (...args: A) => Promise<void>;

export function defineUnit(unit: Command, action: Action): void {
  const globals = (cmd: Command) => cmd.optsWithGlobals() as GlobalFlags;
  const confOptions = (cmd: Command) =>
    cmd
      .option('-c, --conf <dir>', 'config directory (default $HARPOON_CONF, ~/.harpoon, /etc/harpoon)')
      .option('-E, --environment <name>', 'environment file environments/<name>.yaml for {{VAR}} values')
      // No default ([]): commander printed "(default: [])" in the help; loadOptions takes undefined.
      .option(
        '--set <VAR=value>',
        'a {{VAR}} value, over the environment file and process environment (repeatable)',
        collect,
      );
  unit.description('YAML units of containers with orders: list, run, help').addHelpText('after', UNIT_HELP);
  helpWithoutSubcommand(unit);

  confOptions(
    unit.command('list').description('list the units of the config directory and their commands, written and derived'),
  )
    .option('--json', 'print JSON')
    .option('-q, --quiet', 'only the unit names')
    .action(function (this: Command, opts) {
      return action('unit list', load('unitList'))({ ...globals(this), ...opts });
    });

  confOptions(
    unit.command('run').description('run UNIT/COMMAND[:variant…]: its orders, independent containers in parallel'),
  )
    .argument('<target>', 'UNIT/COMMAND[:variant…], e.g. site/start or site/test:check')
    .option('--dry-run', 'print the plan, each step with its reason, and change nothing')
    .option('--print-unit', 'print the unit as resolved (secrets masked) and stop (with --dry-run: then the plan)')
    .option('--print-substitutions', 'print each {{VAR}}, its value (secrets masked) and where it came from')
    .option('--junit <file>', 'write the check results as JUnit XML')
    .option('-q, --quiet', 'only failures on stderr')
    .option('--json', 'progress as JSON lines on stderr, the result as JSON on stdout')
    .action(function (this: Command, target: string, opts) {
      return action('unit run', load('unitRun'))(target, { ...globals(this), ...opts });
    });

  confOptions(unit.command('help').description('show a unit: its commands, containers, checks and variants'))
    .argument('<unit>')
    .action(function (this: Command, name: string, opts) {
      return action('unit help', load('unitHelp'))(name, { ...globals(this), ...opts });
    });
}

/** `harpoon unit` alone prints its help and exits 0, and an unknown subcommand exits 1, as `docker context` does. */
function helpWithoutSubcommand(command: Command): void {
  command.allowExcessArguments().action(function (this: Command) {
    if (this.args.length)
      this.error(`error: unknown command '${this.args[0]}'`, { code: 'commander.unknownCommand', exitCode: 1 });
    this.outputHelp();
  });
}
