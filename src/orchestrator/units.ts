// The friendly entry point: load `UNIT/COMMAND[:variant…]` from a config directory, plan it,
// explain it, or run it. Everything below (config/, plan/, orders/) is usable on its own.
import { homedir } from 'node:os';
import type { Harpoon } from '../core/client.ts';
import { loadUnit, resolveConfigDir } from './config/index.ts';
import type { Substitution, Unit } from './model.ts';
import { explainPlan, type ExplainedStep } from './plan/explain.ts';
import { planRun, type Plan } from './plan/plan.ts';
import { parseTarget } from './plan/target.ts';
import { runPlan, type RunEvent, type RunResult } from './run.ts';

/** Where a unit comes from: the config directory, the environment file, variable values. */
export interface UnitOptions {
  /** The config directory; default $HARPOON_CONF, ~/.harpoon, /etc/harpoon. */
  confDir?: string;
  /** The environment file environments/<name>.yaml (default "default", when it exists). */
  environment?: string;
  /** Variable values that win over the environment file and the process environment. */
  set?: Record<string, string>;
  /** The process environment to read variables and $HARPOON_CONF from (default process.env). */
  env?: NodeJS.ProcessEnv;
}

/** A unit opened for a run: its config directory (and why), the unit, its variables, its plan. */
export interface LoadedUnit {
  confDir: string;
  /** Why this config directory: "-c", "$HARPOON_CONF", "~/.harpoon", "/etc/harpoon". */
  confReason: string;
  unit: Unit;
  substitutions: Substitution[];
  plan: Plan;
}

/** Load `UNIT/COMMAND[:variant…]` from a config directory: parsed, validated and planned. */
export function openUnit(target: string, options: UnitOptions = {}): LoadedUnit {
  const env = options.env ?? process.env;
  const { unit: unitName, command, variants } = parseTarget(target);
  const conf = resolveConfigDir({ ...(options.confDir ? { flag: options.confDir } : {}), env, home: homedir() });
  const { unit, substitutions } = loadUnit({
    confDir: conf.dir,
    unit: unitName,
    command,
    ...(options.environment ? { environment: options.environment } : {}),
    ...(options.set ? { set: options.set } : {}),
    env,
  });
  return { confDir: conf.dir, confReason: conf.reason, unit, substitutions, plan: planRun(unit, variants) };
}

/** What a run would do, step by step, as the engine is now. Changes nothing. */
export function explainUnit(client: Harpoon, loaded: LoadedUnit): Promise<ExplainedStep[]> {
  return explainPlan(client, loaded.plan);
}

/** openUnit's options, plus events, an abort signal and interactivity for the run. */
export interface RunUnitOptions extends UnitOptions {
  signal?: AbortSignal;
  /** Called with every event of the run. */
  onEvent?: (event: RunEvent) => void;
  interactive?: boolean;
}

/** Load and run `UNIT/COMMAND[:variant…]`; rejects with a UnitRunError at the first failed order. */
export async function runUnit(
  client: Harpoon,
  target: string,
  options: RunUnitOptions = {},
): Promise<RunResult & { loaded: LoadedUnit }> {
  const loaded = openUnit(target, options);
  const result = await runPlan(loaded.plan, {
    client,
    confDir: loaded.confDir,
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.onEvent ? { onEvent: options.onEvent } : {}),
    ...(options.interactive !== undefined ? { interactive: options.interactive } : {}),
  });
  return { ...result, loaded };
}
