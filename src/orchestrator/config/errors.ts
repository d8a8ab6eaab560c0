// Errors of the orchestrator's config layer. Each names where the problem was written (file
// relative to the config directory, 1-based line, key path such as `web.creation.ports[0]`) so
// the user can go straight there, and lists what would have been accepted when there is a list.
import { HarpoonError } from '../../core/errors.ts';

/** Where a config problem was written: file, line, key path (or flag). */
export interface ConfigPlace {
  /** Relative to the config directory, e.g. `units/site/start.yaml`; undefined for flags. */
  file?: string;
  line?: number;
  /** Key path (`web.creation.ports[0]`), or a flag (`--set`, `-E`). */
  key?: string;
}

/** "units/site/start.yaml line 12, web.creation.ports[0]" — where a problem is. */
export function describePlace(at: ConfigPlace): string {
  const parts: string[] = [];
  if (at.file !== undefined) parts.push(at.line !== undefined ? `${at.file} line ${at.line}` : at.file);
  if (at.key !== undefined) parts.push(at.key);
  return parts.join(', ');
}

/** A problem in a unit file, an environment file, a flag or the config directory's layout. */
export class UnitConfigError extends HarpoonError {
  readonly file: string | undefined;
  readonly line: number | undefined;
  readonly key: string | undefined;
  /** What would have been accepted (keys, values, names), when there is such a list. */
  readonly valid: readonly string[];
  /** The problem alone, without the place. */
  readonly detail: string;
  constructor(at: ConfigPlace, detail: string, valid: readonly string[] = []) {
    const where = describePlace(at);
    super(
      'UNIT_CONFIG',
      `${where ? `${where}: ` : ''}${detail}${valid.length ? `${/[.?!]$/.test(detail) ? '' : '.'} Valid: ${valid.join(', ')}` : ''}`,
    );
    this.file = at.file;
    this.line = at.line;
    this.key = at.key;
    this.valid = valid;
    this.detail = detail;
  }
}

/** A `{{VAR}}` that has no value (or a bad one): names the variable besides file and line. */
export class UnitVariableError extends UnitConfigError {
  readonly variable: string;
  constructor(at: ConfigPlace, variable: string, detail: string) {
    super(at, detail);
    this.variable = variable;
  }
}

/** No config directory could be chosen; `tried` lists each candidate and why it was not used. */
export class ConfigDirError extends HarpoonError {
  readonly tried: readonly string[];
  constructor(message: string, tried: readonly string[]) {
    super('UNIT_CONFIG', message);
    this.tried = tried;
  }
}

/** The closest of `valid` to a probable typo, or undefined when none is close enough. */
export function closest(word: string, valid: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of valid) {
    const d = distance(word.toLowerCase(), candidate.toLowerCase());
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  // A third of the word's length (at least 1, at most 3) edits: closer than that is a typo,
  // farther is a different word and a suggestion would mislead.
  const limit = Math.min(3, Math.max(1, Math.floor(word.length / 3)));
  return bestDistance <= limit ? best : undefined;
}

/** Damerau-Levenshtein (optimal string alignment) distance: swapped letters count as one edit. */
function distance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, d[i - 2]![j - 2]! + 1);
      d[i]![j] = v;
    }
  }
  return d[a.length]![b.length]!;
}
