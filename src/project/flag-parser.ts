// A small docker-CLI-style (pflag) flag reader over words already split by shellWords:
// --name VALUE, --name=VALUE, -n VALUE, -nVALUE, -n=VALUE, clustered booleans (-it, -dit),
// --bool / --bool=true|false. Words that are not flags are an error: config keys hold flags only.
import { ValueError } from './errors.ts';

export interface FlagSpec<T> {
  /** "--long" and/or "-s" spellings. */
  names: readonly string[];
  /** True: the flag takes a value. False: a boolean (the value passed is "true" or "false"). */
  takesValue: boolean;
  apply(target: T, value: string, flag: string): void;
}

/** "-e, --env" — how a flag is listed in error messages. */
export const flagLabel = (spec: FlagSpec<unknown>): string => spec.names.join(', ');

/**
 * Reads `words` into `target`. `hints` explains flags that are known but not accepted here
 * (for instance, a flag that has its own config key).
 */
export function parseFlags<T>(
  words: readonly string[],
  specs: readonly FlagSpec<T>[],
  target: T,
  hints: Readonly<Record<string, string>> = {},
): T {
  const byName = new Map<string, FlagSpec<T>>();
  for (const spec of specs) for (const name of spec.names) byName.set(name, spec);
  const valid = specs.map(flagLabel);
  const unknown = (flag: string): never => {
    if (Object.hasOwn(hints, flag)) throw new ValueError(`${flag}: ${hints[flag]}`);
    throw new ValueError(`unknown or unsupported flag ${flag}`, valid);
  };
  const boolValue = (flag: string, value: string): string => {
    if (value === 'true' || value === 'false') return value;
    throw new ValueError(`${flag} takes no value, or =true / =false (found "${value}")`);
  };

  for (let i = 0; i < words.length; i++) {
    const word = words[i]!;
    const takeNext = (flag: string): string => {
      if (i + 1 >= words.length) throw new ValueError(`${flag} needs a value`);
      return words[++i]!;
    };
    if (word.startsWith('--') && word.length > 2) {
      const eq = word.indexOf('=');
      const name = eq < 0 ? word : word.slice(0, eq);
      const spec = byName.get(name) ?? unknown(name);
      const inline = eq < 0 ? undefined : word.slice(eq + 1);
      if (spec.takesValue) spec.apply(target, inline ?? takeNext(name), name);
      else spec.apply(target, inline === undefined ? 'true' : boolValue(name, inline), name);
      continue;
    }
    if (word.startsWith('-') && word.length > 1 && word[1] !== '-') {
      // A cluster of short flags; a value-taking one ends it (the rest, after an optional "=", is its value).
      for (let j = 1; j < word.length; j++) {
        const name = `-${word[j]}`;
        const spec = byName.get(name) ?? unknown(name);
        if (!spec.takesValue) {
          spec.apply(target, 'true', name);
          continue;
        }
        const rest = word.slice(j + 1);
        spec.apply(target, rest.startsWith('=') ? rest.slice(1) : rest || takeNext(name), name);
        break;
      }
      continue;
    }
    throw new ValueError(`"${word}" is not a flag (only flags are accepted here)`, valid);
  }
  return target;
}
