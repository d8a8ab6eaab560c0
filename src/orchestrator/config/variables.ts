// Where `{{VAR}}` values come from, first match wins: `--set VAR=value`, the environment file
// (`-E NAME`, else environments/default.yaml when it exists), the process environment. Each
// value remembers its origin so `--print-substitutions` and errors can say where it was set.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { UnitConfigError } from './errors.ts';
import { entries, parseYamlFile, rootVal, scalarText } from './yaml-read.ts';

export const VARIABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const ENVIRONMENT_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;
export const ENVIRONMENTS_DIR = 'environments';

/** A variable's value and where it was set. */
export interface VariableValue {
  value: string;
  /** "--set", "environments/prod.yaml line 3", "process environment". */
  from: string;
}

/** Variable look-up over all sources, first match wins. */
export interface Variables {
  /** The value of a variable and its origin, or undefined when no source sets it. */
  lookup(name: string): VariableValue | undefined;
  /** The environment file in use (relative), if any. */
  environmentFile: string | undefined;
  /** Where values can come from, for "not set" errors. */
  describeSources(name: string): string;
}

/** The sources of variables: the config directory, `-E`, `--set` values, the process environment. */
export interface VariableInput {
  confDir: string;
  /** `-E NAME`; undefined = `default` when environments/default.yaml exists. */
  environment?: string;
  /** `--set VAR=value` flags, in order (a later one wins over an earlier one), or already a map. */
  set?: SetValues;
  env: Readonly<Record<string, string | undefined>>;
}

/** The environment names of the config directory (environments/*.yaml), sorted. */
export function listEnvironments(confDir: string): string[] {
  const dir = join(confDir, ENVIRONMENTS_DIR);
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .map((f) => f.slice(0, -'.yaml'.length))
    .sort();
}

/** `--set` values: the raw VAR=value flags, or a map of them. */
export type SetValues = readonly string[] | Readonly<Record<string, string>>;

/** `--set` flags as a map; each must be NAME=value with a variable name. */
export function parseSetFlags(set: SetValues): Map<string, string> {
  const out = new Map<string, string>();
  const flags = Array.isArray(set) ? (set as readonly string[]) : Object.entries(set).map(([k, v]) => `${k}=${v}`);
  for (const flag of flags) {
    const eq = flag.indexOf('=');
    const name = eq < 0 ? flag : flag.slice(0, eq);
    if (eq < 0 || !VARIABLE_NAME.test(name)) {
      throw new UnitConfigError(
        { key: '--set' },
        `${JSON.stringify(flag)} is not VAR=value (VAR: letters, digits and _, not starting with a digit)`,
      );
    }
    out.set(name, flag.slice(eq + 1));
  }
  return out;
}

/** An environment file: a flat map of variable names to scalars. */
export function readEnvironmentFile(confDir: string, file: string): Map<string, VariableValue> {
  const yf = parseYamlFile(file, readFileSync(join(confDir, file), 'utf8'));
  if (yf.docs.length > 1) {
    throw new UnitConfigError(
      { file, line: yf.lines.linePos(yf.docs[1]!.range[0]).line },
      'an environment file holds one YAML document (a map VAR: value); remove the second one',
    );
  }
  const root = rootVal(yf, 0, '');
  const out = new Map<string, VariableValue>();
  if (!root) return out;
  for (const e of entries(root, 'a map of VAR: value')) {
    if (!VARIABLE_NAME.test(e.key)) {
      throw new UnitConfigError(
        { file, line: e.keyLine, key: e.key },
        'not a variable name (letters, digits and _, not starting with a digit)',
      );
    }
    const value = scalarText(
      e.value,
      'a plain value (string, number or boolean); nested maps and lists are not variables',
    );
    out.set(e.key, { value, from: `${file} line ${e.keyLine}` });
  }
  return out;
}

/** The variables of a run: `--set`, then the environment file, then the process environment. */
export function loadVariables(input: VariableInput): Variables {
  const set = parseSetFlags(input.set ?? []);
  const available = listEnvironments(input.confDir);
  let environmentFile: string | undefined;
  let fromFile = new Map<string, VariableValue>();
  if (input.environment !== undefined) {
    if (!ENVIRONMENT_NAME.test(input.environment) || !available.includes(input.environment)) {
      throw new UnitConfigError(
        { key: '-E' },
        `no environment "${input.environment}" (no file ${ENVIRONMENTS_DIR}/${input.environment}.yaml)${available.length ? '' : `; ${ENVIRONMENTS_DIR}/ holds none`}`,
        available,
      );
    }
    environmentFile = `${ENVIRONMENTS_DIR}/${input.environment}.yaml`;
  } else if (available.includes('default')) {
    environmentFile = `${ENVIRONMENTS_DIR}/default.yaml`;
  }
  if (environmentFile) fromFile = readEnvironmentFile(input.confDir, environmentFile);

  return {
    environmentFile,
    lookup(name) {
      const flag = set.get(name);
      if (flag !== undefined) return { value: flag, from: '--set' };
      const file = fromFile.get(name);
      if (file) return file;
      const value = Object.hasOwn(input.env, name) ? input.env[name] : undefined;
      return value === undefined ? undefined : { value, from: 'process environment' };
    },
    describeSources(name) {
      const file = environmentFile
        ? `in ${environmentFile}`
        : `in an environment file chosen with -E NAME (none chosen${available.length ? `; available: ${available.join(', ')}` : ''})`;
      return `set it with --set ${name}=VALUE, ${file}, or in the process environment, or write a default: {{${name}:-VALUE}}`;
    },
  };
}
