// `import: unit/other`: container `other` of units/<unit>/start.yaml (substituted with the same
// variables), with the sections written locally merged over the imported ones. creation and
// startup merge key by key (a local `ports` replaces the imported `ports`), checks are replaced
// as a whole, and `after` is never imported (it names containers of the other unit; ordering is
// the importing unit's business). The result belongs to the imported unit: engine name
// `<unit>-<other>`, so every unit importing it shares one container.
import type { Source } from '../model.ts';
import { closest } from './errors.ts';
import { NAME, sectionsOf, type Definition, type SectionEntry, type Sections } from './schema.ts';
import { fail, str, type Val } from './yaml-read.ts';

/** Gives the composition of a unit's start file; errors point at `at` (the import). */
export type CompositionLoader = (unit: string, at: Val) => Map<string, Definition>;

/** The sections of a definition, its import (and the import's imports) resolved. */
export function resolveSections(def: Definition, load: CompositionLoader, stack: string[] = []): Sections {
  const importEntry = def.keys.get('import');
  if (!importEntry) return sectionsOf(def);
  const here = `${def.unit}/${def.name}`;
  const v = importEntry.value;
  const target = str(v, 'unit/container');
  const m = /^([^/]+)\/([^/]+)$/.exec(target);
  if (!m || !NAME.test(m[1]!) || !NAME.test(m[2]!))
    fail(v, `${JSON.stringify(target)} is not UNIT/CONTAINER (e.g. "shared/db")`);
  const [, unit, other] = m as unknown as [string, string, string];
  // A written command file (units/u/hello.yaml) may import u/web of its own start.yaml: only a
  // definition in start.yaml is itself `here` in the chain (was: "import cycle: u/web → u/web").
  const chain = [...(stack.length ? stack : def.val.yf.file === `units/${def.unit}/start.yaml` ? [here] : [])];
  if (chain.includes(target)) fail(v, `import cycle: ${[...chain, target].join(' → ')}`);
  const composition = load(unit, v);
  const otherDef = composition.get(other);
  if (!otherDef) {
    const names = [...composition.keys()];
    const guess = closest(other, names);
    fail(
      v,
      `unit ${unit} has no container "${other}" in units/${unit}/start.yaml${guess ? `; did you mean "${guess}"?` : ''}`,
      names,
    );
  }
  const base = resolveSections(otherDef, load, [...chain, target]);
  // Local override sections: the same readers as a plain definition, so unknown keys are caught.
  const local = sectionsOf({ ...def, keys: new Map([...def.keys].filter(([k]) => k !== 'import')) });
  const merge = (a: Map<string, SectionEntry>, b: Map<string, SectionEntry>) => new Map([...a, ...b]);
  const written: Source = { file: def.val.yf.file, line: def.val.line };
  return {
    name: def.name,
    unit,
    baseName: other,
    ...(base.build ? { build: base.build } : {}),
    ...(base.image ? { image: base.image } : {}),
    creation: merge(base.creation, local.creation),
    startup: merge(base.startup, local.startup),
    ...((local.checks ?? base.checks) ? { checks: local.checks ?? base.checks } : {}),
    ...(local.after ? { after: local.after } : {}),
    source: base.written,
    written,
    importedFrom: target,
  };
}
