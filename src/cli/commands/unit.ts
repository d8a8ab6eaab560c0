// harpoon unit list|run|help: the orchestrator's units from the command line.
//   stdout: the plan (--dry-run), the unit (--print-unit), substitutions, check results, a summary;
//   stderr: one line per order as it starts and ends (JSON lines with --json).
// Exit: 0; 1 when an order or check fails (the run stops there); 125 for a config or engine
// error before any order ran; 130/143 on a signal.
import { writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { stringify } from 'yaml';
import type { Command } from 'commander';
import {
  describeOrder,
  explainUnit,
  junitXml,
  listUnits,
  openUnit,
  resolveConfigDir,
  runPlan,
  UnitRunError,
  type CheckResult,
  type LoadedUnit,
  type RunEvent,
  type Substitution,
  type Unit,
} from '../../index.ts';
import { connect, type GlobalFlags } from '../connect.ts';
import { UsageError } from '../exit.ts';
import { splitKeyValue } from './key-values.ts';
import { StopSignals } from '../stop-signals.ts';

export interface UnitFlags extends GlobalFlags {
  conf?: string;
  environment?: string;
  set?: string[];
  json?: boolean;
}

export interface UnitRunFlags extends UnitFlags {
  dryRun?: boolean;
  printUnit?: boolean;
  printSubstitutions?: boolean;
  junit?: string;
  quiet?: boolean;
}

const EXIT_ORDER_FAILED = 1;
const collect = (value: string, previous: string[]) => [...previous, value];

function loadOptions(flags: UnitFlags) {
  const set = Object.fromEntries((flags.set ?? []).map((pair) => {
    const [key, value] = splitKeyValue(pair, '--set');
    if (value === undefined) throw new UsageError(`--set "${pair}": write VAR=value`);
    return [key, value];
  }));
  return {
    ...(flags.conf ? { confDir: flags.conf } : {}),
    ...(flags.environment ? { environment: flags.environment } : {}),
    set,
  };
}

const mask = (s: Substitution) => (s.secret ? '****' : s.value);

export async function unitList(flags: UnitFlags): Promise<number> {
  const conf = resolveConfigDir({ ...(flags.conf ? { flag: flags.conf } : {}), env: process.env, home: homedir() });
  const units = listUnits(conf.dir);
  if (flags.json) {
    process.stdout.write(`${JSON.stringify({ confDir: conf.dir, units }, null, 2)}\n`);
    return 0;
  }
  process.stdout.write(`Units in ${conf.dir} (${conf.reason}):\n`);
  if (!units.length) process.stdout.write('  (none: write units/<unit>/start.yaml)\n');
  for (const unit of units) {
    process.stdout.write(`  ${unit.name.padEnd(16)} ${unit.commands.join(' ')}${unit.derived.length ? `   derived: ${unit.derived.join(' ')}` : ''}\n`);
  }
  return 0;
}

export async function unitHelp(name: string, flags: UnitFlags): Promise<number> {
  const conf = resolveConfigDir({ ...(flags.conf ? { flag: flags.conf } : {}), env: process.env, home: homedir() });
  const unit = listUnits(conf.dir).find((u) => u.name === name);
  if (!unit) throw new UsageError(`no unit ${name} in ${conf.dir}; see \`harpoon unit list\``, 1);
  const start = unit.commands.includes('start') || unit.derived.length ? openUnit(`${name}/start`, { ...loadOptions(flags) }) : undefined;
  process.stdout.write(`Unit ${name} (${conf.dir}/units/${name})\n`);
  process.stdout.write(`  commands written: ${unit.commands.join(' ') || '(none)'}\n`);
  process.stdout.write(`  commands derived from start.yaml: ${unit.derived.join(' ') || '(none)'}\n`);
  if (start) {
    process.stdout.write('  containers:\n');
    for (const spec of start.unit.containers.values()) {
      const checks = spec.checks.map((c) => `${c.name} (${c.kind})`).join(', ');
      process.stdout.write(`    ${spec.name.padEnd(14)} ${spec.engineName}  image ${spec.creation.image}${spec.build ? ' (built)' : ''}${checks ? `  checks: ${checks}` : ''}\n`);
    }
    const variants = [...new Set(start.unit.orders.flatMap((o) => o.variants))];
    if (variants.length) process.stdout.write(`  variants of start: ${variants.join(' ')}\n`);
  }
  process.stdout.write(`Run: harpoon unit run ${name}/COMMAND[:variant…] [--dry-run]\n`);
  return 0;
}

/** The resolved unit as YAML, secrets masked: what the orders will actually see. */
function printableUnit(loaded: LoadedUnit): string {
  const secrets = loaded.substitutions.filter((s) => s.secret && s.value !== '');
  const unit: Unit = loaded.unit;
  const data = {
    unit: unit.name,
    command: unit.command,
    derived: unit.derived,
    containers: Object.fromEntries([...unit.containers].map(([name, spec]) => [name, { ...spec, source: `${spec.source.file} line ${spec.source.line}` }])),
    orders: unit.orders.map((o) => ({ [o.container ?? 'host']: { command: o.command, ...o.args, ...(o.variants.length ? { variants: o.variants } : {}) }, at: `${o.source.file} line ${o.source.line}` })),
  };
  let text = stringify(data, { lineWidth: 0 });
  for (const s of secrets) text = text.split(s.value).join('****');
  return text;
}

export async function unitRun(target: string, flags: UnitRunFlags): Promise<number> {
  const loaded = openUnit(target, loadOptions(flags));
  const out = (text: string) => process.stdout.write(text);
  if (flags.printSubstitutions) {
    if (flags.json) out(`${JSON.stringify(loaded.substitutions.map((s) => ({ ...s, value: mask(s) })), null, 2)}\n`);
    else if (!loaded.substitutions.length) out('No {{VAR}} in this unit.\n');
    else for (const s of loaded.substitutions) out(`${s.name} = ${mask(s)}   (from ${s.from}; used at ${s.usedAt.map((u) => `${u.file} line ${u.line}`).join(', ')})\n`);
  }
  if (flags.printUnit) out(printableUnit(loaded));
  if (flags.printUnit || flags.printSubstitutions) {
    if (!flags.dryRun) return 0;
  }

  const client = await connect(flags);
  if (flags.dryRun) {
    const steps = await explainUnit(client, loaded);
    if (flags.json) {
      out(`${JSON.stringify({ unit: loaded.unit.name, command: loaded.unit.command, variants: loaded.plan.variants, steps, skipped: loaded.plan.skipped.map((o) => ({ order: describeOrder(o), variants: o.variants })) }, null, 2)}\n`);
      return 0;
    }
    out(`Plan for ${target}${loaded.unit.derived ? ' (derived from start.yaml)' : ''}, as the engine is now:\n`);
    for (const step of steps) {
      const waits = step.waitsFor.length ? `   after ${step.waitsFor.map((w) => `${w.step} (${w.why})`).join(', ')}` : '   first, in parallel with any other first step';
      out(`${String(step.number).padStart(3)}. ${`${step.order} ${step.container ?? 'host'}`.padEnd(24)} ${step.action}\n        ${step.source};${waits}\n`);
    }
    for (const order of loaded.plan.skipped) out(`  skipped: ${describeOrder(order)} (variants ${order.variants.join(', ')} not asked for)\n`);
    out('Nothing was changed (--dry-run).\n');
    return 0;
  }

  const stop = new StopSignals();
  const started = performance.now();
  const report = eventPrinter(flags);
  let checks: CheckResult[] = [];
  let code = 0;
  try {
    const result = await runPlan(loaded.plan, { client, confDir: loaded.confDir, signal: stop.signal, onEvent: report });
    checks = result.checks;
    if (!flags.json && !flags.quiet) out(`${target}: ${result.steps.length} order${result.steps.length === 1 ? '' : 's'} done in ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
    if (flags.json) out(`${JSON.stringify({ ok: true, steps: result.steps, checks }, null, 2)}\n`);
  } catch (err) {
    if (stop.exitCode !== undefined) {
      process.stderr.write(`harpoon unit run: stopped by a signal; orders already running were let finish, no new order was started\n`);
      code = stop.exitCode;
    } else if (err instanceof UnitRunError) {
      checks = err.result.checks;
      process.stderr.write(`harpoon unit run: ${err.message}\n`);
      if (flags.json) out(`${JSON.stringify({ ok: false, error: err.message, steps: err.result.steps.map((s) => ({ ...s, error: s.error?.message })), checks }, null, 2)}\n`);
      code = EXIT_ORDER_FAILED;
    } else throw err;
  } finally {
    stop.dispose();
  }
  if (checks.length && !flags.json) {
    for (const c of checks) out(`check ${c.container}/${c.name}: ${c.passed ? 'passed' : 'FAILED'} (${(c.durationMs / 1000).toFixed(1)} s) ${c.message}\n`);
  }
  if (flags.junit) writeFileSync(flags.junit, junitXml(target, checks));
  return code;
}

/** Step lines on stderr: "[3] start web ..." then "[3] start web: created, started (1.2 s)". */
function eventPrinter(flags: UnitRunFlags): (event: RunEvent) => void {
  const err = (text: string) => process.stderr.write(text);
  if (flags.json) {
    return (event) => {
      const { step, ...rest } = event;
      const base = { event: event.type, step: step.number, order: step.order.command, container: step.order.container ?? null };
      const extra =
        rest.type === 'step-failed' ? { error: rest.error.message, ms: Math.round(rest.ms) } : rest.type === 'step-done' ? { outcome: rest.outcome, ms: Math.round(rest.ms) } : rest.type === 'check' ? { result: rest.result } : rest.type === 'step-output' ? { text: rest.text } : rest.type === 'step-not-run' ? { because: rest.because } : {};
      err(`${JSON.stringify({ ...base, ...extra })}\n`);
    };
  }
  if (flags.quiet) return (event) => {
    if (event.type === 'step-failed') err(`[${event.step.number}] ${describeOrder(event.step.order)}: FAILED: ${event.error.reason}\n`);
  };
  return (event) => {
    const label = `[${event.step.number}] ${describeOrder(event.step.order)}`;
    switch (event.type) {
      case 'step-start':
        err(`${label} ...\n`);
        break;
      case 'step-output':
        err(`${label} | ${event.text}\n`);
        break;
      case 'step-done':
        err(`${label}: ${event.outcome} (${(event.ms / 1000).toFixed(1)} s)\n`);
        break;
      case 'step-failed':
        err(`${label}: FAILED: ${event.error.reason}\n`);
        break;
      case 'step-not-run':
        err(`${label}: not run (${event.because})\n`);
        break;
      case 'check':
        break;
    }
  };
}

export const UNIT_HELP = `
A unit is a named set of containers plus ordered commands, in a config directory:
  units/<unit>/<command>.yaml   two YAML documents: the containers, then the orders
  environments/<name>.yaml      values for {{VAR}} in unit files (-E NAME; default "default")
The config directory: -c/--conf DIR (after the unit command: harpoon unit run -c DIR ...), else $HARPOON_CONF, else ~/.harpoon, else /etc/harpoon.
Commands not written out are derived from start.yaml: build create stop cleanup purge backup
restore restart test (test:check runs the containers' checks).

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
      .option('--set <VAR=value>', 'a {{VAR}} value, over the environment file and process environment (repeatable)', collect, []);
  unit.description('YAML units of containers with orders: list, run, help').addHelpText('after', UNIT_HELP);

  confOptions(unit.command('list').description('list the units of the config directory and their commands, written and derived'))
    .option('--json', 'print JSON')
    .action(function (this: Command, opts) {
      return action('unit list', unitList)({ ...globals(this), ...opts });
    });

  confOptions(unit.command('run').description('run UNIT/COMMAND[:variant…]: its orders, independent containers in parallel'))
    .argument('<target>', 'UNIT/COMMAND[:variant…], e.g. site/start or site/test:check')
    .option('--dry-run', 'print the plan, each step with its reason, and change nothing')
    .option('--print-unit', 'print the unit as resolved (secrets masked) and stop (with --dry-run: then the plan)')
    .option('--print-substitutions', 'print each {{VAR}}, its value (secrets masked) and where it came from')
    .option('--junit <file>', 'write the check results as JUnit XML')
    .option('-q, --quiet', 'only failures on stderr')
    .option('--json', 'progress as JSON lines on stderr, the result as JSON on stdout')
    .action(function (this: Command, target: string, opts) {
      return action('unit run', unitRun)(target, { ...globals(this), ...opts });
    });

  confOptions(unit.command('help').description('show a unit: its commands, containers, checks and variants'))
    .argument('<unit>')
    .action(function (this: Command, name: string, opts) {
      return action('unit help', unitHelp)(name, { ...globals(this), ...opts });
    });
}
