// A unit's command, loaded: the written units/<unit>/<command>.yaml, else the command derived
// from its start.yaml, else an error listing what the unit has. Each file is read, substituted
// and parsed once per load (imports of the same unit reuse it), and every variable use is logged.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { ContainerSpec, Source, Substitution, Unit } from '../model.ts';
import { deriveUnit, DERIVED_COMMANDS, isDerivable } from './derive.ts';
import { closest, UnitConfigError } from './errors.ts';
import { resolveSections } from './imports.ts';
import { readOrders } from './orders-schema.ts';
import { checkCycles, NAME, readComposition, toContainerSpec, type Definition } from './schema.ts';
import { SubstitutionLog, substituteTemplate } from './substitute.ts';
import { loadVariables, type SetValues, type Variables } from './variables.ts';
import { entries, fail, kindOf, parseYamlFile, rootVal, type Val, type YamlFile } from './yaml-read.ts';

export const UNITS_DIR = 'units';

/** What loadUnit() reads: the config directory, the unit and command, the variables' sources. */
export interface LoadUnitInput {
  confDir: string;
  unit: string;
  command: string;
  /** `-E NAME`: environments/NAME.yaml (default: environments/default.yaml when it exists). */
  environment?: string;
  /** `--set VAR=value` flags (or a map of them). */
  set?: SetValues;
  /** The process environment (the last source of variables). */
  env: Readonly<Record<string, string | undefined>>;
}

export interface LoadedUnit {
  unit: Unit;
  /** Every variable used, sorted by name (secrets flagged, not masked: the printer masks). */
  substitutions: Substitution[];
}

/** One unit of a config directory: its written and its derivable commands. */
export interface UnitListing {
  name: string;
  /** Commands written as units/<name>/<command>.yaml, sorted. */
  commands: string[];
  /** Commands derivable from start.yaml and not written, sorted. */
  derived: string[];
}

/** The file of a written command, relative to the config directory. */
export const commandFile = (unit: string, command: string) => `${UNITS_DIR}/${unit}/${command}.yaml`;

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** The unit names of a config directory (folders of units/), sorted. */
export function unitNames(confDir: string): string[] {
  const dir = join(confDir, UNITS_DIR);
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && NAME.test(d.name))
    .map((d) => d.name)
    .sort();
}

function writtenCommands(confDir: string, unit: string): string[] {
  return readdirSync(join(confDir, UNITS_DIR, unit))
    .filter((f) => f.endsWith('.yaml') && NAME.test(f.slice(0, -5)))
    .map((f) => f.slice(0, -5))
    .sort();
}

/** Every unit of a config directory, with its commands. */
export function listUnits(confDir: string): UnitListing[] {
  return unitNames(confDir).map((name) => {
    const commands = writtenCommands(confDir, name);
    const derived = commands.includes('start') ? DERIVED_COMMANDS.filter((c) => !commands.includes(c)).sort() : [];
    return { name, commands, derived };
  });
}

/** The files of one load: substituted and parsed once each. */
class UnitFiles {
  readonly #files = new Map<string, YamlFile>();
  readonly #compositions = new Map<string, Map<string, Definition>>();
  constructor(
    readonly confDir: string,
    readonly vars: Variables,
    readonly log: SubstitutionLog,
  ) {}

  get(file: string): YamlFile {
    let yf = this.#files.get(file);
    if (!yf) {
      const text = substituteTemplate(readFileSync(join(this.confDir, file), 'utf8'), file, this.vars, this.log);
      yf = parseYamlFile(file, text);
      if (yf.docs.length > 2) {
        throw new UnitConfigError(
          { file, line: yf.lines.linePos(yf.docs[2]!.range[0]).line },
          'a command file holds two YAML documents (containers, then orders); this is a third',
        );
      }
      this.#files.set(file, yf);
    }
    return yf;
  }

  /** The containers of units/<unit>/start.yaml, for imports (errors at the import). */
  composition(unit: string, at?: Val): Map<string, Definition> {
    let defs = this.#compositions.get(unit);
    if (defs) return defs;
    const file = commandFile(unit, 'start');
    if (!NAME.test(unit) || !isFile(join(this.confDir, file))) {
      const units = unitNames(this.confDir);
      const why = units.includes(unit)
        ? `unit ${unit} has no start.yaml (${file}) to take the containers from`
        : `no unit "${unit}" (no ${file})`;
      if (at) fail(at, why, units);
      throw new UnitConfigError({}, why, units);
    }
    const root = rootVal(this.get(file), 0, '');
    if (!root) throw new UnitConfigError({ file, line: 1 }, 'start.yaml holds no containers');
    defs = readComposition(root, unit);
    this.#compositions.set(unit, defs);
    return defs;
  }
}

interface LoadedCommand {
  unit: Unit;
  /** Where each container is written in the file its definition was read from. */
  written: Map<string, Source>;
}

function loadWritten(files: UnitFiles, unit: string, command: string): LoadedCommand {
  const file = commandFile(unit, command);
  const yf = files.get(file);
  let compRoot = rootVal(yf, 0, '');
  let ordersRoot = rootVal(yf, 1, 'orders');
  // "---" then a list, with nothing before: YAML sees one document, the orders, and the
  // containers are left empty (those of start.yaml).
  if (!ordersRoot && compRoot && yf.docs[0]!.directives.docStart && ['list', 'null'].includes(kindOf(compRoot))) {
    ordersRoot = { ...compRoot, path: 'orders' };
    compRoot = undefined;
  }
  if (!ordersRoot) {
    const lastLine = yf.lines.lineStarts.length;
    throw new UnitConfigError(
      { file, line: lastLine },
      'the orders are missing: after the containers, write a line "---" and the list of orders (- CONTAINER: {command: ...})',
    );
  }
  // A command file other than start.yaml may leave its containers empty: it then works on the
  // containers of start.yaml instead of repeating them.
  const empty =
    !compRoot || kindOf(compRoot) === 'null' || (kindOf(compRoot) === 'map' && entries(compRoot).length === 0);
  let defs: Map<string, Definition>;
  // Without start.yaml, such a file has no containers: only host orders (a unit of scripts).
  if (empty && command !== 'start')
    defs = isFile(join(files.confDir, commandFile(unit, 'start'))) ? files.composition(unit, compRoot) : new Map();
  else if (empty)
    throw new UnitConfigError(
      { file, line: compRoot?.line ?? 1 },
      'start.yaml needs its containers in the first document (NAME: {image: ... or build: ...})',
    );
  else defs = readComposition(compRoot!, unit);

  const names = [...defs.keys()];
  const containers = new Map<string, ContainerSpec>();
  const written = new Map<string, Source>();
  const engineNames = new Map<string, string>();
  for (const def of defs.values()) {
    const sections = resolveSections(def, (u, at) => files.composition(u, at));
    const spec = toContainerSpec(sections, { confDir: files.confDir, containerNames: names, unit });
    const clash = engineNames.get(spec.engineName);
    if (clash) {
      fail(
        def.val,
        `${def.name} and ${clash} would both be the engine container ${spec.engineName}; import a container at most once and not one of this unit`,
      );
    }
    engineNames.set(spec.engineName, def.name);
    containers.set(def.name, spec);
    written.set(def.name, sections.written);
  }
  checkCycles(containers, written);
  const orders = readOrders(ordersRoot, { confDir: files.confDir, unit, containers });
  return {
    unit: { name: unit, command: file, containers, orders, derived: false, source: { file, line: 1 } },
    written,
  };
}

/** A unit's command, read, substituted, parsed and checked: the written file, else the derived command. */
export function loadUnit(input: LoadUnitInput): LoadedUnit {
  const { confDir, unit, command } = input;
  const units = unitNames(confDir);
  if (!units.includes(unit)) {
    const guess = closest(unit, units);
    throw new UnitConfigError(
      {},
      `no unit "${unit}" in ${join(confDir, UNITS_DIR)}${guess ? `; did you mean "${guess}"?` : ''}`,
      units,
    );
  }
  const written = writtenCommands(confDir, unit);
  const hasStart = written.includes('start');
  if (!written.includes(command) && !(hasStart && isDerivable(command))) {
    const available = [...new Set([...written, ...(hasStart ? DERIVED_COMMANDS : [])])].sort();
    const guess = closest(command, available);
    throw new UnitConfigError(
      {},
      `unit ${unit} has no command "${command}" (no ${commandFile(unit, command)}${hasStart ? `, and ${command} is not one derived from start.yaml` : ', and without start.yaml nothing is derived'})${guess ? `; did you mean "${guess}"?` : ''}`,
      available,
    );
  }
  const log = new SubstitutionLog();
  const files = new UnitFiles(
    confDir,
    loadVariables({
      confDir,
      env: input.env,
      ...(input.environment !== undefined ? { environment: input.environment } : {}),
      ...(input.set ? { set: input.set } : {}),
    }),
    log,
  );
  let result: Unit;
  if (written.includes(command)) {
    result = loadWritten(files, unit, command).unit;
  } else {
    const start = loadWritten(files, unit, 'start');
    result = deriveUnit(command as (typeof DERIVED_COMMANDS)[number], {
      confDir,
      start: start.unit,
      written: start.written,
    });
  }
  return { unit: result, substitutions: log.list() };
}
