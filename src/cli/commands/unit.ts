// harpoon unit list|run|help: the orchestrator's units from the command line.
//   stdout: the plan (--dry-run), the unit (--print-unit), substitutions, check results, a summary;
//   stderr: one line per order as it starts and ends (JSON lines with --json).
// Exit: 0; 1 when an order or check fails (the run stops there); 125 for a config or engine
// error before any order ran; 130/143 on a signal.
import { writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { stringify } from 'yaml';
import {
  explainUnit,
  listUnits,
  openUnit,
  resolveConfigDir,
  UnitConfigError,
  UnitRunError,
  type CheckResult,
  type LoadedUnit,
  type RunEvent,
  type StepResult,
  type Substitution,
  type Unit,
} from '../../orchestrator/index.ts';
import { junitXml } from '../../orchestrator/checks/junit.ts';
import { describeOrder, type Plan } from '../../orchestrator/plan/plan.ts';
import { parseTarget } from '../../orchestrator/plan/target.ts';
import { runPlan } from '../../orchestrator/run.ts';
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

function loadOptions(flags: UnitFlags) {
  const set = Object.fromEntries(
    (flags.set ?? []).map((pair) => {
      const [key, value] = splitKeyValue(pair, '--set');
      if (value === undefined) throw new UsageError(`--set "${pair}": write VAR=value`);
      return [key, value];
    }),
  );
  return {
    ...(flags.conf ? { confDir: flags.conf } : {}),
    ...(flags.environment ? { environment: flags.environment } : {}),
    set,
  };
}

const mask = (s: Substitution) => (s.secret ? '****' : s.value);

/** "units/site/start.yaml lines 3, 7; units/db/start.yaml line 2". */
function usedAt(s: Substitution): string {
  const byFile = new Map<string, number[]>();
  for (const u of s.usedAt) byFile.set(u.file, [...(byFile.get(u.file) ?? []), u.line]);
  return [...byFile]
    .map(([file, lines]) => `${file} line${lines.length > 1 ? 's' : ''} ${lines.join(', ')}`)
    .join('; ');
}

/**
 * Every secret value (PASSWORD, TOKEN, ... variables) in `text` replaced by ****, as written and
 * as JSON escapes it. Fix: --dry-run showed secrets in its actions (an execute's `run`), although
 * FORMAT.md says they are masked there; the run's step lines and error messages get it too.
 */
function secretMasker(substitutions: Substitution[]): (text: string) => string {
  const values = [
    ...new Set(
      substitutions
        .filter((s) => s.secret && s.value !== '')
        .flatMap((s) => [s.value, JSON.stringify(s.value).slice(1, -1)]),
    ),
  ].sort((a, b) => b.length - a.length);
  return (text) => values.reduce((out, value) => out.split(value).join('****'), text);
}

const confChoice = (flags: UnitFlags) =>
  resolveConfigDir({ ...(flags.conf ? { flag: flags.conf } : {}), env: process.env, home: homedir() });

/** Rows as columns padded to their widest cell (docker's tables), the last column unpadded. */
function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows
    .map(
      (r) => `${r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]! + 3))).join('')}
`,
    )
    .join('');
}

export async function unitList(flags: UnitFlags & { quiet?: boolean }): Promise<number> {
  const conf = confChoice(flags);
  const units = listUnits(conf.dir);
  if (flags.json) {
    process.stdout.write(`${JSON.stringify({ confDir: conf.dir, confReason: conf.reason, units }, null, 2)}
`);
    return 0;
  }
  if (flags.quiet) {
    process.stdout.write(units.map((u) => `${u.name}\n`).join(''));
    return 0;
  }
  // A table, as `docker ps`: one row per unit, its written commands and those derived from start.yaml.
  // (Was "name commands   derived: ..." padded to 16 characters, misaligned by longer names.)
  process.stdout.write(`Config directory: ${conf.dir} (${conf.reason})\n`);
  if (!units.length) {
    process.stdout.write('No units: write units/<unit>/start.yaml\n');
    return 0;
  }
  process.stdout.write(
    table([
      ['UNIT', 'COMMANDS', 'DERIVED FROM start.yaml'],
      ...units.map((u) => [u.name, u.commands.join(' '), u.derived.join(' ') || '-']),
    ]),
  );
  return 0;
}

export async function unitHelp(name: string, flags: UnitFlags): Promise<number> {
  const conf = confChoice(flags);
  const units = listUnits(conf.dir);
  const unit = units.find((u) => u.name === name);
  // Fix: an unknown unit said only "see harpoon unit list" (exit 1); now it lists the units, and
  // exits 125 as `unit run nosuch/start` does (a config error).
  if (!unit)
    throw new UnitConfigError(
      {},
      `no unit "${name}" in ${conf.dir}/units`,
      units.map((u) => u.name),
    );
  const options = loadOptions(flags);
  const start = unit.commands.includes('start') ? openUnit(`${name}/start`, options) : undefined;
  const out = (text: string) => process.stdout.write(text);
  out(`Unit ${name} (${conf.dir}/units/${name})\n`);
  out(`  commands written: ${unit.commands.join(' ') || '(none)'}\n`);
  out(`  commands derived from start.yaml: ${unit.derived.join(' ') || '(none)'}\n`);
  if (start) {
    out('  containers:\n');
    const rows = [...start.unit.containers.values()].map((spec) => {
      const checks = spec.checks.map((c) => `${c.name} (${c.kind})`).join(', ');
      return [
        spec.name,
        spec.engineName,
        `image ${spec.creation.image}${spec.build ? ' (built)' : ''}`,
        checks ? `checks: ${checks}` : '',
      ];
    });
    out(table(rows).replace(/^/gm, '    ').replace(/ +$/gm, ''));
  }
  // Variants of each written command (not only start's), and test's own `check` variant.
  for (const command of unit.commands) {
    const loaded = command === 'start' ? start : openUnit(`${name}/${command}`, options);
    const variants = [...new Set(loaded!.unit.orders.flatMap((o) => o.variants))];
    if (variants.length) out(`  variants of ${command}: ${variants.join(' ')}\n`);
  }
  if (start && unit.derived.includes('test') && [...start.unit.containers.values()].some((c) => c.checks.length))
    out('  test:check runs the checks\n');
  out(`Run: harpoon unit run ${name}/COMMAND[:variant…] [--dry-run]\n`);
  return 0;
}

/** The resolved unit (secrets masked by the caller): what the orders will actually see. */
function resolvedUnit(loaded: LoadedUnit) {
  const unit: Unit = loaded.unit;
  return {
    unit: unit.name,
    command: unit.command,
    derived: unit.derived,
    containers: Object.fromEntries(
      [...unit.containers].map(([name, spec]) => [
        name,
        { ...spec, source: `${spec.source.file} line ${spec.source.line}` },
      ]),
    ),
    orders: unit.orders.map((o) => ({
      [o.container ?? 'host']: {
        command: o.command,
        ...o.args,
        ...(o.variants.length ? { variants: o.variants } : {}),
      },
      at: `${o.source.file} line ${o.source.line}`,
    })),
  };
}

/** A step's result for --json: which order it was, and where it is written. */
function jsonStep(plan: Plan, result: StepResult) {
  const order = plan.steps[result.step - 1]!.order;
  return {
    step: result.step,
    order: order.command,
    container: order.container ?? null,
    source: `${order.source.file} line ${order.source.line}`,
    status: result.status,
    ...(result.outcome !== undefined ? { outcome: result.outcome } : {}),
    ...(result.error ? { error: result.error.message } : {}),
    ...(result.ms !== undefined ? { ms: Math.round(result.ms) } : {}),
  };
}

export async function unitRun(target: string, flags: UnitRunFlags): Promise<number> {
  // A bare unit name ("site") was "a part is empty": say which commands it has instead.
  if (!target.includes('/') && !target.includes(':')) {
    const unit = listUnits(confChoice(flags).dir).find((u) => u.name === target);
    if (unit)
      throw new UsageError(
        `"${target}" is a unit: name one of its commands too, e.g. ${target}/${unit.commands.includes('start') ? 'start' : (unit.commands[0] ?? 'start')} (commands: ${[...unit.commands, ...unit.derived].sort().join(' ')})`,
      );
  }
  const loaded = openUnit(target, loadOptions(flags));
  const masked = secretMasker(loaded.substitutions);
  const out = (text: string) => process.stdout.write(masked(text));
  const { command } = parseTarget(target);
  // With --json, stdout is one JSON document: each --print-* / --dry-run alone prints its own;
  // asked together they are the keys of one object (was: a JSON array followed by YAML).
  const json: Record<string, unknown> = {};

  if (flags.printSubstitutions) {
    const substitutions = loaded.substitutions.map((s) => ({ ...s, value: mask(s) }));
    if (flags.json) json.substitutions = substitutions;
    else if (!loaded.substitutions.length) out('No {{VAR}} in this unit.\n');
    else {
      // A table (was one line each, "used at" repeating the file name for every line).
      out(
        table([
          ['VARIABLE', 'VALUE', 'FROM', 'USED AT'],
          ...loaded.substitutions.map((s) => [s.name, mask(s), s.from, usedAt(s)]),
        ]),
      );
    }
  }
  if (flags.printUnit) {
    if (flags.json) json.unit = resolvedUnit(loaded);
    else out(stringify(resolvedUnit(loaded), { lineWidth: 0 }));
  }
  const printJson = () => {
    const keys = Object.keys(json);
    out(`${JSON.stringify(keys.length === 1 ? json[keys[0]!] : json, null, 2)}\n`);
  };
  if ((flags.printUnit || flags.printSubstitutions) && !flags.dryRun) {
    if (flags.json) printJson();
    return 0;
  }

  const client = await connect(flags);
  if (flags.dryRun) {
    const steps = await explainUnit(client, loaded);
    if (flags.json) {
      // target/command/file: "command" was the file (units/site/start.yaml); now the command's name.
      json.plan = {
        target,
        unit: loaded.unit.name,
        command,
        file: loaded.unit.command,
        derived: loaded.unit.derived,
        variants: loaded.plan.variants,
        steps,
        skipped: loaded.plan.skipped.map((o) => ({
          order: describeOrder(o),
          source: `${o.source.file} line ${o.source.line}`,
          variants: o.variants,
        })),
      };
      printJson();
      return 0;
    }
    out(`Plan for ${target}${loaded.unit.derived ? ' (derived from start.yaml)' : ''}, as the engine is now:\n`);
    for (const step of steps) {
      // The same order names as the run's step lines ("execute on host", was "execute host").
      const name = describeOrder(loaded.plan.steps[step.number - 1]!.order);
      const waits = step.waitsFor.length
        ? `after ${step.waitsFor.map((w) => `${w.step} (${w.why})`).join(', ')}`
        : 'waits for no other step';
      out(`${String(step.number).padStart(3)}. ${name.padEnd(24)} ${step.action}\n       ${step.source}; ${waits}\n`);
    }
    for (const order of loaded.plan.skipped)
      out(
        `  skipped: ${describeOrder(order)}, ${order.source.file} line ${order.source.line} (variant ${order.variants.join(', ')} not asked for)\n`,
      );
    out('Nothing was changed (--dry-run).\n');
    return 0;
  }

  const stop = new StopSignals();
  const started = performance.now();
  const stoppedBy = () =>
    stop.signal.aborted
      ? String((stop.signal.reason as Error | undefined)?.message ?? 'stopped by a signal')
      : undefined;
  const report = eventPrinter(flags, masked, stoppedBy);
  let checks: CheckResult[] = [];
  let code = 0;
  let summary = '';
  try {
    const result = await runPlan(loaded.plan, {
      client,
      confDir: loaded.confDir,
      signal: stop.signal,
      onEvent: report,
    });
    checks = result.checks;
    summary = `${target}: ${result.steps.length} order${result.steps.length === 1 ? '' : 's'} done in ${((performance.now() - started) / 1000).toFixed(1)} s`;
    if (flags.json)
      out(
        `${JSON.stringify({ ok: true, target, steps: result.steps.map((r) => jsonStep(loaded.plan, r)), checks }, null, 2)}\n`,
      );
  } catch (err) {
    const stopped = stop.exitCode !== undefined ? stoppedBy() : undefined;
    if (stopped === undefined && !(err instanceof UnitRunError)) throw err;
    const result = err instanceof UnitRunError ? err.result : undefined;
    checks = result?.checks ?? [];
    // Was "orders already running were let finish": they are not, the signal aborts them
    // (a host command is killed, a wait is given up); no new order starts.
    const message =
      stopped !== undefined
        ? `${stopped}: the running orders were stopped and no new order was started`
        : (err as Error).message;
    code = stopped !== undefined ? stop.exitCode! : EXIT_ORDER_FAILED;
    // --json: stderr stays JSON lines (a plain line there broke readers of the events).
    if (flags.json)
      process.stderr.write(
        masked(`${JSON.stringify({ event: stopped !== undefined ? 'run-stopped' : 'run-failed', error: message })}\n`),
      );
    else process.stderr.write(masked(`harpoon unit run: ${message}\n`));
    // --json: the result on stdout on a failure or a signal too (there was none).
    if (flags.json)
      out(
        `${JSON.stringify({ ok: false, target, error: stopped ?? (err as Error).message, steps: result?.steps.map((r) => jsonStep(loaded.plan, r)) ?? [], checks }, null, 2)}\n`,
      );
  } finally {
    stop.dispose();
  }
  // The check results, then the summary: the last line says how it went.
  if (!flags.json) {
    for (const c of checks)
      out(
        `check ${c.container}/${c.name}: ${c.passed ? 'passed' : 'FAILED'} (${(c.durationMs / 1000).toFixed(1)} s) ${c.message}\n`,
      );
    if (summary && !flags.quiet) out(`${summary}\n`);
  }
  if (flags.junit) writeFileSync(flags.junit, masked(junitXml(target, checks)));
  return code;
}

/**
 * Step lines on stderr: "[3] start web ..." then "[3] start web: created, started (1.2 s)".
 * After a signal, a step it aborted says "stopped by SIGTERM" (was "FAILED: The operation was
 * aborted"), and the steps after it "not run (stopped by SIGTERM)" (was "order 1 failed").
 */
function eventPrinter(
  flags: UnitRunFlags,
  masked: (text: string) => string,
  stoppedBy: () => string | undefined,
): (event: RunEvent) => void {
  const err = (text: string) => process.stderr.write(masked(text));
  const notRun = (event: Extract<RunEvent, { type: 'step-not-run' }>) => stoppedBy() ?? event.because;
  if (flags.json) {
    return (event) => {
      const { step, ...rest } = event;
      const base = {
        event: event.type,
        step: step.number,
        order: step.order.command,
        container: step.order.container ?? null,
      };
      const extra =
        rest.type === 'step-failed'
          ? { error: stoppedBy() ?? rest.error.message, ms: Math.round(rest.ms) }
          : rest.type === 'step-done'
            ? { outcome: rest.outcome, ms: Math.round(rest.ms) }
            : rest.type === 'check'
              ? { result: rest.result }
              : rest.type === 'step-output'
                ? { text: rest.text }
                : rest.type === 'step-not-run'
                  ? { because: stoppedBy() ?? rest.because }
                  : {};
      err(`${JSON.stringify({ ...base, ...extra })}\n`);
    };
  }
  if (flags.quiet)
    return (event) => {
      if (event.type === 'step-failed')
        err(
          `[${event.step.number}] ${describeOrder(event.step.order)}: ${stoppedBy() ?? `FAILED: ${event.error.reason}`}\n`,
        );
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
        err(`${label}: ${stoppedBy() ?? `FAILED: ${event.error.reason}`}\n`);
        break;
      case 'step-not-run':
        err(`${label}: not run (${notRun(event)})\n`);
        break;
      case 'check':
        break;
    }
  };
}
